"""The papers in the chat: a cell's Mẫu 01 draft for its secretary (or a committee admin),
the committee's list of results for its admins. Offered beside the files of /export;
who may have which is decided again from the database on every press."""

from __future__ import annotations

from dataclasses import replace

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.replies import Reply
from conversations.paperwork.actions import PAPERWORK, CellReport, ResultsList
from conversations.paperwork.gather import cell_report, committee_results
from conversations.secretary.scope import led_cell, not_yours


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    _ = ctx._
    match action:
        case CellReport(cell_id=cell_id):
            cell = await led_cell(ctx, cell_id)
            if cell is None:
                return [not_yours(ctx)]
            document = await cell_report(ctx.repos, ctx.forms, cell, ctx.now,
                                         ctx.config.quota, ctx.run_heavy)
            caption = _("Draft of the cell's collective report (Mẫu 01, .docx): the figures "
                        "are filled in; the cell committee completes the sections.")
            return [Reply(caption, document=replace(document, caption=caption))]
        case ResultsList():
            me = ctx.member
            if me is None or not me.is_admin:
                return [not_yours(ctx)]
            committee = await ctx.repos.org.committee(me.committee_id)
            assert committee is not None
            xlsx, docx = await committee_results(ctx.repos, ctx.forms, committee, ctx.now,
                                                 ctx.config.quota, ctx.run_heavy)
            captions = (_("List of results by cell and level (.xlsx), with totals."),
                        _("The same list to print and sign (.docx)."))
            return [Reply(caption, document=replace(doc, caption=caption))
                    for doc, caption in zip((xlsx, docx), captions, strict=True)]
    return [menus.stale_button(ctx)]


CAPABILITY = Capability(name="paperwork", codec=PAPERWORK, on_action=on_action)
