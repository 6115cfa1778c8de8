"""The secretaries' side: progress, reading / returning / accepting reviews, reminders,
alert settings and the cell's files.

Actions: `pg:<cell>:<page>` a cell's progress, `pgc:<page>` all cells of the committee
(admins), `sr:<verb>:<review>` one review, `rm:<cell>` / `rmok:<cell>` reminders,
`al:<mode>[:<hour>]` alert settings, `ex:<cell>|all` files. Whatever they carry, who may
see what is decided again here from the database: a secretary (or deputy) their own cell,
an admin the cells of their committee, nobody else anything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from conversations.core.context import Context
from conversations.core.replies import Choice, Reply, rows
from conversations.review.printable import review_document
from conversations.review.steps import SUMMARY
from conversations.review.summary import summary_replies
from conversations.secretary.alerts import formatter_for, send_to_member
from conversations.secretary.files import cell_files, committee_files
from conversations.secretary.progress import (
    EXCLUDED,
    GROUPS,
    IN_PROGRESS,
    NOT_STARTED,
    RETURNED,
    SUBMITTED,
    CellProgress,
    bar,
    cell_progress,
    committee_progress,
    local_today,
)
from storage.models import Cell, Member
from storage.reviews import Review

PENDING_TTL = timedelta(hours=1)  # an unanswered "write the comment" expires
COMMENT_LIMIT = 2000
DIGEST_HOURS = (7, 12, 17, 20)


# who may see what

def may_lead(me: Member | None, cell: Cell | None) -> bool:
    if me is None or cell is None:
        return False
    if me.is_cell_secretary and me.cell_id == cell.id:
        return True
    return me.is_admin and me.committee_id == cell.committee_id


def _not_yours(ctx: Context) -> Reply:
    return Reply(ctx._(
        "Sorry, you cannot open this. Cell secretaries see their own cell, committee admins "
        "the cells of their committee."
    ))


def _leaders_only(ctx: Context) -> Reply:
    return Reply(ctx._("This is for cell secretaries, deputy secretaries and committee admins."))


async def _cell(ctx: Context, arg: str) -> Cell | None:
    """The cell a button or command names, only if this person may lead it."""
    cell = await ctx.repos.org.cell(int(arg)) if arg.isdigit() else None
    return cell if may_lead(ctx.member, cell) else None


async def _review(ctx: Context, arg: str) -> tuple[Review, Member, Cell] | None:
    """A review named by id, only if it is handed in and within this person's scope."""
    review = await ctx.repos.reviews.get(int(arg)) if arg.isdigit() else None
    if review is None or review.status == "draft":
        return None
    member = await ctx.repos.org.member(review.member_id)
    cell = await ctx.repos.org.cell(member.cell_id) if member else None
    if member is None or not may_lead(ctx.member, cell):
        return None
    assert cell is not None
    return review, member, cell


def _today(ctx: Context):
    return local_today(ctx.now, ctx.fmt.zone)


async def _progress(ctx: Context, arg: str) -> CellProgress | None:
    """The progress of the cell a button names, only if this person may lead it."""
    cell = await _cell(ctx, arg)
    return await cell_progress(ctx.repos, ctx.forms, cell, _today(ctx)) if cell else None


# progress

async def progress_command(ctx: Context, _arg: str) -> list[Reply]:
    me = ctx.member
    if me and me.is_cell_secretary:
        return await show_cell(ctx, f"{me.cell_id}:0")
    if me and me.is_admin:
        return await show_committee(ctx, "0")
    return [_leaders_only(ctx)]


async def show_cell(ctx: Context, arg: str) -> list[Reply]:
    if not arg:
        return await progress_command(ctx, "")
    cell_arg, _sep, page = arg.partition(":")
    progress = await _progress(ctx, cell_arg)
    if progress is None:
        return [_not_yours(ctx)]
    return [_cell_reply(ctx, progress, int(page) if page.isdigit() else 0)]


def _group_titles(ctx: Context) -> dict[str, str]:
    _ = ctx._
    return {SUBMITTED: _("Submitted"), RETURNED: _("Returned for revision"),
            IN_PROGRESS: _("In progress"), NOT_STARTED: _("Not started"),
            EXCLUDED: _("Not reviewed this time")}


def _entry_line(ctx: Context, entry) -> str:
    _ = ctx._
    name = entry.member.full_name
    if entry.group == SUBMITTED:
        line = f"✓ {name} — {ctx.fmt.datetime(entry.review.submitted_at)}"
        return line + (" " + _("(accepted)") if entry.review.status == "accepted" else "")
    if entry.group in (IN_PROGRESS, RETURNED):
        mark = "↩" if entry.group == RETURNED else "…"
        return f"{mark} {name} — " + _("{done}/{total} items").format(
            done=entry.done, total=entry.total)
    if entry.group == EXCLUDED:
        reasons = {"exempted": _("exempted"), "suspended": _("suspended"),
                   "new": _("admitted less than 6 months ago"),
                   "not_expected": _("not on this campaign's list")}
        return f"– {name} ({reasons[entry.reason]})"
    return f"○ {name}"


def _header(ctx: Context, progress: CellProgress) -> list[str]:
    _ = ctx._
    lines = [_("{cell} — self-reviews {year}").format(cell=progress.cell.name,
                                                     year=progress.year),
             _("Submitted {done} of {expected}.").format(done=progress.submitted,
                                                        expected=progress.expected),
             bar(progress.ratio)]
    if progress.deadline is not None:
        lines.append(_("Deadline: {date} ({relative}).").format(
            date=ctx.fmt.datetime(progress.deadline),
            relative=ctx.fmt.relative(progress.deadline - ctx.now)))
    return lines


def _pages(count: int, size: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-count // size))
    return min(max(page, 0), pages - 1), pages


def _nav(ctx: Context, page: int, pages: int, action: str) -> tuple[Choice, ...]:
    nav = []
    if page > 0:
        nav.append(Choice(ctx._("◀ Previous"), f"{action}{page - 1}"))
    if page < pages - 1:
        nav.append(Choice(ctx._("Next ▶"), f"{action}{page + 1}"))
    return tuple(nav)


def _cell_reply(ctx: Context, progress: CellProgress, page: int) -> Reply:
    _ = ctx._
    size = ctx.config.page_size
    page, pages = _pages(len(progress.entries), size, page)
    shown = progress.entries[page * size:(page + 1) * size]
    lines = _header(ctx, progress)
    titles = _group_titles(ctx)
    for group in GROUPS:
        entries = [e for e in shown if e.group == group]
        if entries:
            lines.append("")
            lines.append(f"{titles[group]} ({len(progress.group(group))}):")
            lines += [_entry_line(ctx, e) for e in entries]
    if pages > 1:
        lines.append("")
        lines.append(_("Page {page} of {pages}.").format(page=page + 1, pages=pages))
    cell_id = progress.cell.id
    buttons = [(Choice(_("Read: {name}").format(name=e.member.full_name),
                       f"sr:open:{e.review.id}"),)
               for e in shown if e.group in (SUBMITTED, RETURNED) and e.review]
    nav = _nav(ctx, page, pages, f"pg:{cell_id}:")
    if nav:
        buttons.append(nav)
    extra = []
    if progress.missing():
        extra.append(Choice(_("Remind the rest now"), f"rm:{cell_id}"))
    extra.append(Choice(_("The cell's files"), f"ex:{cell_id}"))
    buttons.append(tuple(extra))
    if ctx.member and ctx.member.is_cell_secretary and ctx.member.cell_id == cell_id:
        buttons.append((Choice(_("Alert settings"), "al"),))
    if ctx.member and ctx.member.is_admin:
        buttons.append((Choice(_("All cells"), "pgc:0"),))
    return Reply("\n".join(lines), tuple(buttons),
                 replace=ctx.incoming.kind.value == "action")


async def show_committee(ctx: Context, arg: str) -> list[Reply]:
    _ = ctx._
    me = ctx.member
    if me is None or not me.is_admin:
        return [_not_yours(ctx)]
    cells = await committee_progress(ctx.repos, ctx.forms, me.committee_id, _today(ctx))
    committee = await ctx.repos.org.committee(me.committee_id)
    page, pages = _pages(len(cells), ctx.config.page_size, int(arg) if arg.isdigit() else 0)
    shown = cells[page * ctx.config.page_size:(page + 1) * ctx.config.page_size]
    year = cells[0].year if cells else ""
    lines = [_("{committee} — self-reviews {year}, least complete first:").format(
        committee=committee.name if committee else "", year=year)]
    for p in shown:
        deadline = "" if p.deadline is None else " · " + _("deadline {date}").format(
            date=ctx.fmt.date(p.deadline.astimezone(ctx.fmt.zone).date()))
        lines.append(f"{p.cell.name}: {p.submitted}/{p.expected} {bar(p.ratio)}{deadline}")
    if pages > 1:
        lines.append(_("Page {page} of {pages}.").format(page=page + 1, pages=pages))
    buttons = [(Choice(p.cell.name, f"pg:{p.cell.id}:0"),) for p in shown]
    nav = _nav(ctx, page, pages, "pgc:")
    if nav:
        buttons.append(nav)
    buttons.append((Choice(_("The committee's files"), "ex:all"),))
    return [Reply("\n".join(lines), tuple(buttons),
                  replace=ctx.incoming.kind.value == "action")]


# one review: read, download, return, accept

async def on_review(ctx: Context, arg: str) -> list[Reply]:
    verb, _sep, rest = arg.partition(":")
    found = await _review(ctx, rest)
    if found is None:
        return [_not_yours(ctx)]
    review, member, cell = found
    if verb == "open":
        form = ctx.forms.get(review.form_version, review.form_code)
        return [*summary_replies(ctx, review, form, member=member),
                _review_controls(ctx, review, member, cell)]
    if verb == "doc":
        committee = await ctx.repos.org.committee(cell.committee_id)
        doc = review_document(ctx.forms, member, committee, review)
        caption = ctx._("Self-review {year}, {name}").format(year=review.year,
                                                              name=member.full_name)
        return [Reply(caption, document=replace(doc, caption=caption))]
    if verb == "ret":
        return [await _ask_comment(ctx, review, member)]
    if verb == "cancel":
        await ctx.repos.secretaries.clear_pending(ctx.account.id)
        return [Reply(ctx._("Cancelled; the review was not returned.")),
                _review_controls(ctx, review, member, cell)]
    if verb == "acc":
        return [await _accept(ctx, review, member, cell)]
    return [_review_controls(ctx, review, member, cell)]


def _review_controls(ctx: Context, review: Review, member: Member, cell: Cell) -> Reply:
    _ = ctx._
    status = {"submitted": _("submitted at {time}"), "accepted": _("accepted"),
              "returned": _("returned for revision")}[review.status]
    text = _("Comrade {name}: {status}.").format(
        name=member.full_name,
        status=status.format(time=ctx.fmt.datetime(review.submitted_at or review.updated_at)))
    first = [Choice(_("Printable copy (.docx)"), f"sr:doc:{review.id}")]
    second = []
    if review.status in ("submitted", "accepted"):
        second.append(Choice(_("Return for revision"), f"sr:ret:{review.id}"))
    if review.status == "submitted":
        second.append(Choice(_("Accept"), f"sr:acc:{review.id}"))
    third = (Choice(_("Cell progress"), f"pg:{cell.id}:0"),)
    return Reply(text, tuple(row for row in (tuple(first), tuple(second), third) if row))


async def _ask_comment(ctx: Context, review: Review, member: Member) -> Reply:
    _ = ctx._
    if review.status not in ("submitted", "accepted"):
        return Reply(_("This review is already with the member for revision."))
    await ctx.repos.secretaries.set_pending(ctx.account.id, "return", review.id, ctx.now)
    return Reply(_(
        "Write your comment for comrade {name}: what should be added or corrected. Your next "
        "message is sent to them with the review."
    ).format(name=member.full_name),
        ((Choice(_("Cancel"), f"sr:cancel:{review.id}", keyword=_("cancel")),),),
        expects_text=True)


def _may_be_asked(ctx: Context) -> bool:
    """Only secretaries, deputies and admins are ever asked for a comment: everybody
    else skips the look-up on every message."""
    member = ctx.member
    return member is not None and (member.is_cell_secretary or member.is_admin)


async def drop_pending(ctx: Context) -> None:
    """A button or command instead of the comment: the question is no longer open."""
    if _may_be_asked(ctx) and await ctx.repos.secretaries.pending(ctx.account.id) is not None:
        await ctx.repos.secretaries.clear_pending(ctx.account.id)


async def on_text(ctx: Context, text: str) -> list[Reply] | None:
    """The comment a secretary was asked for; None when nothing was asked."""
    if not _may_be_asked(ctx):
        return None
    pending = await ctx.repos.secretaries.pending(ctx.account.id)
    if pending is None:
        return None
    await ctx.repos.secretaries.clear_pending(ctx.account.id)
    if pending.kind != "return" or ctx.now - pending.created_at > PENDING_TTL:
        return None
    found = await _review(ctx, str(pending.ref_id))
    if found is None:
        return [_not_yours(ctx)]
    review, member, cell = found
    comment = text.strip()[:COMMENT_LIMIT]
    # the member resumes at the summary: the comment, then every answer to revise
    if not await ctx.repos.reviews.return_for_revision(review.id, comment, ctx.now,
                                                       position=SUMMARY):
        return [Reply(ctx._("This review is already with the member for revision.")),
                _review_controls(ctx, review, member, cell)]
    returned = await ctx.repos.reviews.get(review.id)
    assert returned is not None
    linked = await _tell_returned(ctx, returned, member)
    _ = ctx._
    lines = [_("Returned to comrade {name} with your comment.").format(name=member.full_name)]
    lines.append(_("They are told now.") if linked else _(
        "They have no linked chat account yet: please tell them in person."))
    return [Reply("\n".join(lines), ((Choice(_("Cell progress"), f"pg:{cell.id}:0"),),))]


async def _tell_returned(ctx: Context, review: Review, member: Member) -> bool:
    committee = await ctx.repos.org.committee(member.committee_id)
    fmt = formatter_for(member, committee)
    _ = fmt.gettext
    reply = Reply(_(
        "Your cell secretary returned your self-review for revision:\n«{comment}»\n"
        "Please edit it and submit again."
    ).format(comment=review.return_comment),
        ((Choice(_("Open my self-review"), "review"),),))
    key = f"returned:{review.id}:{review.updated_at.isoformat()}"
    await send_to_member(ctx.repos, member, key, "returned", review.id, reply, ctx.now)
    return bool(await ctx.repos.accounts.of_member(member.id))


async def _accept(ctx: Context, review: Review, member: Member, cell: Cell) -> Reply:
    _ = ctx._
    if not await ctx.repos.reviews.accept(review.id, ctx.now):
        return Reply(_("Only a submitted review can be accepted."),
                     _review_controls(ctx, review, member, cell).choices)
    accepted = await ctx.repos.reviews.get(review.id)
    assert accepted is not None
    return Reply(_("Accepted the self-review of comrade {name}.").format(name=member.full_name),
                 _review_controls(ctx, accepted, member, cell).choices,
                 replace=ctx.incoming.kind.value == "action")


# chasing

def reminder_text(ctx_fmt, name: str, year: int, deadline) -> str:
    _ = ctx_fmt.gettext
    text = _(
        "Dear comrade {name}, the cell committee kindly reminds you to complete and submit "
        "your self-review for {year}."
    ).format(name=name, year=year)
    if deadline is not None:
        text += " " + _("The deadline is {date}.").format(date=ctx_fmt.date(
            deadline.astimezone(ctx_fmt.zone).date()))
    return text + " " + _("Send /review to continue. Thank you, comrade.")


async def _to_remind(ctx: Context, arg: str):
    """(progress, members who have not submitted, which of them have a chat), or None."""
    progress = await _progress(ctx, arg)
    if progress is None:
        return None
    missing = progress.missing()
    return progress, missing, await ctx.repos.accounts.bound_members(
        [e.member.id for e in missing])


async def remind_preview(ctx: Context, arg: str) -> list[Reply]:
    _ = ctx._
    found = await _to_remind(ctx, arg)
    if found is None:
        return [_not_yours(ctx)]
    progress, missing, linked = found
    cell = progress.cell
    if not missing:
        return [Reply(_("Everyone expected has submitted; there is nobody to remind."))]
    unlinked = len(missing) - len(linked)
    text = _(
        "This reminder goes to the {n} members who have not submitted ({unlinked} of them "
        "have no linked chat account), each in their own language, at most once a day:"
    ) if unlinked else _(
        "This reminder goes to the {n} members who have not submitted, each in their own "
        "language, at most once a day:"
    )
    text = text.format(n=len(missing), unlinked=unlinked)
    sample = reminder_text(ctx.fmt, missing[0].member.full_name, progress.year,
                           progress.deadline)
    return [Reply(f"{text}\n\n«{sample}»", ((
        Choice(_("Send the reminders"), f"rmok:{cell.id}"),
        Choice(_("Cancel"), f"pg:{cell.id}:0"),
    ),))]


async def remind_send(ctx: Context, arg: str) -> list[Reply]:
    _ = ctx._
    found = await _to_remind(ctx, arg)
    if found is None:
        return [_not_yours(ctx)]
    progress, missing, linked = found
    cell = progress.cell
    committee = await ctx.repos.org.committee(cell.committee_id)
    day = _today(ctx).isoformat()
    queued = already = 0
    for entry in missing:
        fmt = formatter_for(entry.member, committee)
        reply = Reply(reminder_text(fmt, entry.member.full_name, progress.year,
                                    progress.deadline),
                      ((Choice(fmt.gettext("Open my self-review"), "review"),),))
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
    return [Reply("\n".join(lines), ((Choice(_("Cell progress"), f"pg:{cell.id}:0"),),),
                  replace=True)]


# alert settings

async def alerts(ctx: Context, arg: str) -> list[Reply]:
    _ = ctx._
    me = ctx.member
    if me is None or not me.is_cell_secretary:
        return [Reply(_("Alerts are for cell secretaries and deputy secretaries."))]
    mode, _sep, hour = arg.partition(":")
    if mode in ("each", "off") or (mode == "digest" and hour.isdigit() and 0 <= int(hour) < 24):
        await ctx.repos.secretaries.set_alert_pref(
            me.id, mode, ctx.now, int(hour) if hour.isdigit() else None)
    elif mode == "digest":
        return [Reply(_("At what time should the daily digest come?"), rows(
            *(Choice(f"{h:02d}:00", f"al:digest:{h}") for h in DIGEST_HOURS), per_row=4),
            replace=ctx.incoming.kind.value == "action")]
    pref = (await ctx.repos.secretaries.alert_prefs([me.id]))[me.id]
    now_text = {
        "each": _("You are alerted at each submission in your cell."),
        "digest": _("You get one digest a day at {hour}:00.").format(
            hour=f"{pref.digest_hour:02d}"),
        "off": _("Alerts are off. You can still see /progress at any time."),
    }[pref.mode]
    return [Reply(now_text + "\n" + _("Change to:"), rows(
        Choice(_("Each submission"), "al:each"),
        Choice(_("A daily digest"), "al:digest"),
        Choice(_("Off"), "al:off"),
    ), replace=ctx.incoming.kind.value == "action")]


# the cell's files

async def export(ctx: Context, arg: str) -> list[Reply]:
    _ = ctx._
    me = ctx.member
    if not arg:
        if me and me.is_cell_secretary:
            arg = str(me.cell_id)
        elif me and me.is_admin:
            arg = "all"
        else:
            return [_leaders_only(ctx)]
    if arg == "all":
        if me is None or not me.is_admin:
            return [_not_yours(ctx)]
        committee = await ctx.repos.org.committee(me.committee_id)
        assert committee is not None
        documents = await committee_files(ctx.repos, ctx.forms, committee, ctx.now)
    else:
        cell = await _cell(ctx, arg)
        if cell is None:
            return [_not_yours(ctx)]
        documents = await cell_files(ctx.repos, ctx.forms, cell, ctx.now)
    captions = (_("Summary (.xlsx): one row per member, counts and the quota check."),
                _("Every submitted self-review (.docx) in one .zip."))
    return [Reply(caption, document=replace(doc, caption=caption))
            for doc, caption in zip(documents, captions, strict=True)]


COMMANDS = {"progress": progress_command, "alerts": alerts, "export": export}
ACTIONS = {
    "pg": show_cell, "pgc": show_committee, "sr": on_review, "rm": remind_preview,
    "rmok": remind_send, "al": alerts, "ex": export,
}
