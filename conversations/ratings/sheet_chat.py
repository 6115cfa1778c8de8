"""The .xlsx round-trip of the cell's proposals in chat: the list to fill in, and the filled
file sent back (the next document, once asked for). Zalo cannot carry files: there the
secretary is pointed to Telegram or the command line."""

from __future__ import annotations

from conversations.core.awaiting import ask_text
from conversations.core.context import Context
from conversations.core.replies import Choice, Document, IncomingDocument, Reply
from conversations.core.text import file_name_part
from conversations.ratings import levels as lv
from conversations.ratings import sheet
from conversations.ratings.actions import RATINGS, CellList, SheetIn
from conversations.ratings.proposals import (
    CAPABILITY_NAME,
    list_reply,
    tell_changes_after_decision,
)
from conversations.ratings.roster import cell_roster, roster, secretaries_only, secretary_of

FILES_CHANNELS = ("telegram", "console")


def _no_files(ctx: Context, cell_id: int) -> Reply:
    return Reply(ctx._(
        "Files cannot be sent or received on this channel. Open /proposals on Telegram, or "
        "ask the committee's operator to run: kiemdiem proposals export / import."),
        ((Choice(ctx._("Back to the list"), RATINGS.pack(CellList(cell_id)), ctx._("list")),),))


async def round_trip(ctx: Context, cell_id: int, *, send: bool) -> list[Reply]:
    """The list to fill in (`send`), or only the question for the filled file; either
    way the next document is read as the cell's list."""
    r = await cell_roster(ctx, cell_id, secretary_of)
    if r is None:
        return [secretaries_only(ctx)]
    if ctx.incoming.channel not in FILES_CHANNELS:
        return [_no_files(ctx, cell_id)]
    _ = ctx._
    await ask_text(ctx, CAPABILITY_NAME, f"sheet:{cell_id}")
    if not send:
        return [Reply(_("Send the filled .xlsx of the cell's list now."), ((Choice(
            _("Cancel"), RATINGS.pack(CellList(cell_id)), _("cancel")),),), expects_text=True)]
    caption = _("Fill in the column «The cell's level» (pick from the list), and a reason "
                "where it is above the member's own; then send the file back here.")
    name = f"de-xuat-{r.year}-{file_name_part(r.cell.name)}.xlsx"
    return [Reply(caption, ((Choice(_("Back to the list"), RATINGS.pack(CellList(cell_id)),
                                    _("list")),),),
                  document=Document(name, sheet.build(r, ctx.forms, _)))]


async def on_document(ctx: Context, cell_id: int, document: IncomingDocument
                      ) -> list[Reply]:
    r = await cell_roster(ctx, cell_id, secretary_of)
    if r is None:
        return [secretaries_only(ctx)]
    _ = ctx._
    again = ((Choice(_("Send the filled .xlsx"), RATINGS.pack(SheetIn(cell_id))),
              Choice(_("Back to the list"), RATINGS.pack(CellList(cell_id)), _("list"))),)
    if document.fetch is None or document.size > sheet.MAX_BYTES:
        return [Reply(_("This is not an .xlsx file of the cell's list."), again)]
    found = sheet.read(await document.fetch(), r, ctx.forms, _)
    if found.problems:
        shown = found.problems[:20]
        more = len(found.problems) - len(shown)
        lines = [_("Nothing was recorded; please correct the file and send it again:"),
                 *shown]
        if more:
            lines.append(ctx.fmt.ngettext("…and {n} more problem.", "…and {n} more problems.",
                                          more).format(n=more))
        return [Reply("\n".join(lines), again)]
    await ctx.repos.ratings.propose(r.cell.id, r.year, found.proposals, source="sheet",
                                    by=ctx.member.id if ctx.member else None, now=ctx.now)
    await tell_changes_after_decision(ctx, r, {p.member_id: p.level for p in found.proposals})
    fresh = await roster(ctx, r.cell)
    note = ctx.fmt.ngettext("Recorded from the file: the cell's proposal for {n} member.",
                            "Recorded from the file: the cell's proposals for {n} members.",
                            len(found.proposals)).format(n=len(found.proposals))
    warning = lv.over_quota(ctx.fmt, ctx.config.quota, lv.counts(fresh.proposed()),
                             ctx.forms)
    if warning:
        note += "\n" + warning
    return [list_reply(ctx, fresh, note=note)]
