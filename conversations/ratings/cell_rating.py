"""The committee's rating of a cell as a collective (the same four levels), shown with the
cell's member figures: expected, self-reviews handed in, levels decided. The cell's
secretaries are told the level recorded."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.ratings import levels as lv
from conversations.ratings import notices
from conversations.ratings.actions import RATINGS, CellDecisions, SetCellLevel
from conversations.ratings.roster import admin_of, admins_only, cell_roster


async def show(ctx: Context, cell_id: int, level: str | None = None) -> list[Reply]:
    """The cell's figures and level choices; with `level`, that level is recorded first."""
    r = await cell_roster(ctx, cell_id, admin_of)
    if r is None:
        return [admins_only(ctx)]
    _ = ctx._
    lines = []
    if level in lv.keys(ctx.forms):
        await ctx.repos.ratings.rate_cell(r.cell.id, r.year, level, comment="",
                                          by=ctx.member.id if ctx.member else None,
                                          now=ctx.now)
        await notices.tell_cell_rated(ctx, r.cell, r.year, level)
        lines += [_("Recorded: {cell} is rated «{level}».").format(
            cell=r.cell.name, level=lv.label(ctx, level)), ""]
    rated = await ctx.repos.ratings.cell_ratings(r.cell.committee_id, r.year)
    handed_in = sum(1 for e in r.entries if r.own(e.member.id))
    decided = lv.counts({m: d.level for m, d in r.decisions.items()})
    lines += [_("{cell} — the cell's own rating {year}").format(cell=r.cell.name, year=r.year),
              _("Members expected: {expected}; self-reviews handed in: {handed_in}.").format(
                  expected=len(r.entries), handed_in=handed_in),
              _("Levels decided: {levels}.").format(levels=", ".join(
                  f"{lv.word(ctx, x.key)} {decided.get(x.key, 0)}" for x in lv.levels(ctx.forms))),
              _("The cell's rating: {level}").format(level=lv.label(
                  ctx, rated[r.cell.id].level if r.cell.id in rated else None)),
              _("Choose the cell's level:")]
    choices = [Choice(x.label(ctx.fmt.language), RATINGS.pack(SetCellLevel(r.cell.id, x.key)),
                      lv.keyword(ctx, x.key)) for x in lv.levels(ctx.forms)]
    choices.append(Choice(_("Back"), RATINGS.pack(CellDecisions(r.cell.id)), _("back")))
    return [Reply("\n".join(lines), rows(*choices), replace=ctx.incoming.kind is Kind.ACTION)]
