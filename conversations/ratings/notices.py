"""What the committee's decisions tell people, through the outbox, on their own channel and
in their language: a member once per decision that changes their level, the cell's
secretaries once when the whole cell is decided."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Choice, Reply
from conversations.forms.library import FormLibrary
from conversations.ratings import levels as lv
from conversations.ratings.actions import RATINGS, CellList
from conversations.secretary.alerts import formatter_for, secretaries_of, send_to_member
from storage.models import Cell, Member
from storage.ratings import Decision


def _label(forms: FormLibrary, key: str, language: str) -> str:
    return next((x.label(language) for x in lv.levels(forms) if x.key == key), key)


async def tell_decided(ctx: Context, member: Member, year: int, level: str,
                       before: Decision | None = None) -> None:
    """The member's final level; `before`: the decision it replaces (None: the first)."""
    committee = await ctx.repos.org.committee(member.committee_id)
    fmt = formatter_for(member, committee)
    reply = Reply(fmt.gettext(
        "The committee has decided your rating for {year}: «{level}»."
    ).format(year=year, level=_label(ctx.forms, level, fmt.language)))
    # once per change: the key names what it replaces, so a level changed back is told
    replaced = f"{before.level}@{before.decided_at.isoformat()}" if before else "-"
    key = f"rating:{year}:{member.id}:{replaced}>{level}"
    await send_to_member(ctx.repos, member, key, "rating", member.id, reply, ctx.now)


async def tell_cell_decided(ctx: Context, cell: Cell, year: int) -> None:
    """The cell's secretaries, once per cell and year, when every member is decided."""
    committee = await ctx.repos.org.committee(cell.committee_id)
    for secretary in secretaries_of(await ctx.repos.org.members_of_cell(cell.id)):
        fmt = formatter_for(secretary, committee)
        reply = Reply(fmt.gettext(
            "The committee has decided the ratings of {cell} for {year}."
        ).format(cell=cell.name, year=year), ((Choice(
            fmt.gettext("The cell's proposals"), RATINGS.pack(CellList(cell.id))),),))
        await send_to_member(ctx.repos, secretary, f"cell-decided:{year}:{cell.id}",
                             "rating", cell.id, reply, ctx.now)
