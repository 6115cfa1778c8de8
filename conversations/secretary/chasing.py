"""Reminding the members of a cell who have not submitted: a preview, then the sending
(at most once a day per member, each in their own language)."""

from __future__ import annotations

from datetime import datetime

from conversations.core.context import Context
from conversations.core.i18n import Formatter
from conversations.core.menus import MENU, OpenReview
from conversations.core.replies import Choice, Reply
from conversations.secretary.actions import SECRETARY, RemindSend, ShowCell
from conversations.secretary.alerts import formatter_for, progress_button, send_to_member
from conversations.secretary.progress import CellProgress, Entry
from conversations.secretary.scope import led_progress, not_yours


def reminder_text(fmt: Formatter, name: str, year: int, deadline: datetime | None) -> str:
    _ = fmt.gettext
    text = _(
        "Dear comrade {name}, the cell committee kindly reminds you to complete and submit "
        "your self-review for {year}."
    ).format(name=name, year=year)
    if deadline is not None:
        text += " " + _("The deadline is {date}.").format(date=fmt.date(
            deadline.astimezone(fmt.zone).date()))
    return text + " " + _("Send /review to continue. Thank you, comrade.")


async def remind(ctx: Context, cell_id: int, *, send: bool) -> list[Reply]:
    """The preview, or (`send`) the sending, for the members of the cell who have not
    submitted; `linked`: which of them have a chat account."""
    progress = await led_progress(ctx, cell_id)
    if progress is None:
        return [not_yours(ctx)]
    missing = progress.missing()
    linked = await ctx.repos.accounts.bound_members([e.member.id for e in missing])
    return await (_send if send else _preview)(ctx, progress, missing, linked)


async def _preview(ctx: Context, progress: CellProgress, missing: list[Entry], linked: set[int]
                   ) -> list[Reply]:
    _ = ctx._
    cell = progress.cell
    if not missing:
        return [Reply(_("Everyone expected has submitted; there is nobody to remind."))]
    n, unlinked = len(missing), len(missing) - len(linked)
    text = ctx.fmt.ngettext(
        "This reminder goes to the {n} member who has not submitted ({unlinked} of them "
        "have no linked chat account), each in their own language, at most once a day:",
        "This reminder goes to the {n} members who have not submitted ({unlinked} of them "
        "have no linked chat account), each in their own language, at most once a day:", n,
    ) if unlinked else ctx.fmt.ngettext(
        "This reminder goes to the {n} member who has not submitted, each in their own "
        "language, at most once a day:",
        "This reminder goes to the {n} members who have not submitted, each in their own "
        "language, at most once a day:", n,
    )
    text = text.format(n=n, unlinked=unlinked)
    sample = reminder_text(ctx.fmt, missing[0].member.full_name, progress.year,
                           progress.deadline)
    return [Reply(f"{text}\n\n«{sample}»", ((
        Choice(_("Send the reminders"), SECRETARY.pack(RemindSend(cell.id))),
        Choice(_("Cancel"), SECRETARY.pack(ShowCell(cell.id))),
    ),))]


async def _send(ctx: Context, progress: CellProgress, missing: list[Entry], linked: set[int]
                ) -> list[Reply]:
    _ = ctx._
    cell = progress.cell
    committee = await ctx.repos.org.committee(cell.committee_id)
    day = ctx.today.isoformat()
    queued = already = 0
    for entry in missing:
        fmt = formatter_for(entry.member, committee)
        reply = Reply(reminder_text(fmt, entry.member.full_name, progress.year,
                                    progress.deadline),
                      ((Choice(fmt.gettext("Open my self-review"), MENU.pack(OpenReview())),),))
        added = await send_to_member(ctx.repos, entry.member,
                                     f"chase:{entry.member.id}:{day}", "chase", cell.id,
                                     reply, ctx.now)
        if not added:
            already += 1
        elif entry.member.id in linked:
            queued += 1
    lines = [_("Reminders queued: {n}.").format(n=queued)] if queued or not already else []
    unlinked = [e.member.full_name for e in missing if e.member.id not in linked]
    if unlinked:
        lines.append(_("No linked chat account ({n}): {names}.").format(
            n=len(unlinked), names=", ".join(unlinked)))
    if already:
        lines.append(_("Already reminded today: {n}.").format(n=already))
    return [Reply("\n".join(lines), ((progress_button(ctx.fmt, cell.id),),), replace=True)]
