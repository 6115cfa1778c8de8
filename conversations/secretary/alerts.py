"""Messages to secretaries about their cell: each submission, the cell complete, digests.

Everything goes through the outbox with a dedup key that names what makes it unique, so
a repeated call (a retry, a restart, two processes) never alerts twice. Texts are written
in the recipient's language and time zone.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.core.i18n import Formatter
from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply
from conversations.core.text import name_order
from conversations.core.zones import DEFAULT_TIMEZONE, local_today
from conversations.forms.library import FormLibrary
from conversations.secretary.actions import SECRETARY, CellFiles, ReadReview, ShowCell
from conversations.secretary.changes import changes_text
from conversations.secretary.progress import (
    SUBMITTED,
    CellSummary,
    cell_progress,
    cell_summaries,
)
from storage.models import Committee, Member
from storage.outbox import OutMessage
from storage.repos import Repos
from storage.reviews import Review

log = logging.getLogger(__name__)


async def send_to_member(repos: Repos, member: Member, dedup_key: str, kind: str,
                         ref_id: int | None, reply: Reply, now: datetime,
                         expires_at: datetime | None = None) -> bool:
    """Enqueue one message to a member's chat (one account: storage.accounts' rule);
    True if new.

    A member without a chat account is still recorded (status 'unreachable'). Without
    `expires_at` the sender's lifetime for the kind applies."""
    account = await repos.accounts.chat_account(member.id)
    added = await repos.outbox.enqueue([OutMessage(
        dedup_key, kind, encode_reply(reply), member.id,
        account.channel if account else None, account.chat_id if account else None, ref_id,
        expires_at=expires_at,
    )], now)
    return added == 1


def formatter_for(member: Member, committee: Committee | None) -> Formatter:
    return Formatter(member.language, committee.timezone if committee else DEFAULT_TIMEZONE)


def level_label(forms: FormLibrary, review: Review, language: str) -> str:
    form = forms.get(review.form_version, review.form_code)
    level = next((lv for lv in form.levels if lv.key == review.level), None)
    return level.label(language) if level else "—"


def secretaries_of(members: list[Member]) -> list[Member]:
    """The cell's secretaries and deputies, by name (the order their alerts are queued)."""
    return sorted((m for m in members if m.is_cell_secretary),
                  key=lambda m: name_order(m.full_name))


async def on_submitted(repos: Repos, forms: FormLibrary, review: Review, now: datetime
                       ) -> None:
    """A member submitted (or resubmitted): alert the cell's secretaries, once each.

    The submission is already saved: a failure here is logged, never shown to the member."""
    try:
        await _alert_submitted(repos, forms, review, now)
    except Exception:
        log.exception("alerting the secretaries of review %s failed", review.id)


async def catch_up(repos: Repos, forms: FormLibrary, now: datetime,
                   within: timedelta = timedelta(days=2)) -> int:
    """At start-up: alert for recent submissions that have no alert yet, in case the
    process died between saving a submission and queuing its alerts (a cell whose
    secretaries chose a digest or no alerts is looked at again; dedup keys keep it once)."""
    review_ids = await repos.secretaries.unalerted_since(now - within)
    for review_id in review_ids:
        # Let people's updates in between: on SQLite the small reads below run on the
        # event loop without ever suspending, so 5,000 reviews would hold it for seconds.
        await asyncio.sleep(0)
        review = await repos.reviews.get(review_id)
        if review is not None:
            await on_submitted(repos, forms, review, now)
    return len(review_ids)


def catch_up_in_background(repos: Repos, forms: FormLibrary, now: datetime
                           ) -> asyncio.Task[int]:
    """`catch_up` as a task of its own, so start-up (polling) never waits for it; a
    failure is logged. Keep the task until it is done (the loop holds tasks weakly)."""
    task = asyncio.create_task(catch_up(repos, forms, now), name="alerts catch-up")
    _running.add(task)
    task.add_done_callback(_finished)
    return task


_running: set[asyncio.Task[int]] = set()


def _finished(task: asyncio.Task[int]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("the alerts catch-up failed", exc_info=task.exception())
    else:
        log.info("alerts catch-up done: %d recent submissions looked at", task.result())


async def _alert_submitted(repos: Repos, forms: FormLibrary, review: Review, now: datetime
                           ) -> None:
    member = await repos.org.member(review.member_id)
    if member is None or review.submitted_at is None:
        return
    committee = await repos.org.committee(member.committee_id)
    cell = await repos.org.cell(member.cell_id)
    assert committee is not None and cell is not None
    zone = ZoneInfo(committee.timezone)
    # the cell's counts and its secretaries: what this alert costs, whatever the committee
    [progress] = await cell_summaries(repos, committee.id, local_today(now, zone), cell)
    secretaries = secretaries_of(await repos.secretaries.secretaries_of_cell(cell.id))
    prefs = await repos.secretaries.alert_prefs([s.id for s in secretaries])
    stamp = review.submitted_at.isoformat()
    changes = (await repos.reviews.changed_since_return(review.id)
               if review.return_comment else None)
    for secretary in secretaries:
        mode = prefs[secretary.id].mode
        if mode == "off":
            continue
        fmt = formatter_for(secretary, committee)
        if mode == "each" and secretary.id != member.id:
            await send_to_member(
                repos, secretary, f"alert:submit:{review.id}:{stamp}:{secretary.id}", "alert",
                review.id, _submitted_alert(fmt, forms, member, review, changes), now)
        if progress.complete:
            await send_to_member(
                repos, secretary, f"alert:complete:{cell.id}:{progress.year}:{secretary.id}",
                "cell-complete", cell.id, _complete_alert(fmt, progress), now)


def _submitted_alert(fmt: Formatter, forms: FormLibrary, member: Member, review: Review,
                     changes: tuple[list[str], bool] | None = None) -> Reply:
    _ = fmt.gettext
    if review.return_comment:
        text = _("Comrade {name} resubmitted the revised self-review at {time}.")
    else:
        text = _("Comrade {name} submitted the self-review at {time}.")
    text = text.format(name=member.full_name, time=fmt.datetime(review.submitted_at))
    text += "\n" + _("Proposed level: {level}.").format(
        level=level_label(forms, review, fmt.language))
    if changes is not None:
        form = forms.get(review.form_version, review.form_code)
        text += "\n" + changes_text(_, form, fmt.language, *changes)
    return Reply(text, ((Choice(_("Read the review"), SECRETARY.pack(ReadReview(review.id))),
                         progress_button(fmt, member.cell_id)),))


def progress_button(fmt: Formatter, cell_id: int) -> Choice:
    return Choice(fmt.gettext("Cell progress"), SECRETARY.pack(ShowCell(cell_id)))


def _complete_alert(fmt: Formatter, progress: CellSummary) -> Reply:
    _ = fmt.gettext
    text = fmt.ngettext(
        "{cell} is complete: the {n} member expected this year has submitted the "
        "self-review for {year}.",
        "{cell} is complete: all {n} members expected this year have submitted their "
        "self-reviews for {year}.", progress.expected,
    ).format(cell=progress.cell.name, n=progress.expected, year=progress.year)
    files = Choice(_("The cell's files"), SECRETARY.pack(CellFiles(progress.cell.id)))
    return Reply(text, ((progress_button(fmt, progress.cell.id), files),))


async def digests_due(repos: Repos, forms: FormLibrary, now: datetime) -> int:
    """Enqueue today's digest for each secretary whose chosen local hour has come.

    A digest covers the 24 hours before the chosen hour, so every submission falls in
    exactly one digest; none is sent for a quiet day. Returns how many were enqueued."""
    sent = 0
    for pref in await repos.secretaries.digest_subscribers():
        secretary = await repos.org.member(pref.member_id)
        if secretary is None or not secretary.is_cell_secretary:
            continue
        committee = await repos.org.committee(secretary.committee_id)
        cell = await repos.org.cell(secretary.cell_id)
        assert committee is not None and cell is not None
        zone = ZoneInfo(committee.timezone)
        local = now.astimezone(zone)
        until = local.replace(hour=pref.digest_hour, minute=0, second=0, microsecond=0)
        key = f"digest:{secretary.id}:{local.date().isoformat()}"
        if local < until or await repos.outbox.get(key) is not None:
            continue
        since = until - timedelta(days=1)
        progress = await cell_progress(repos, forms, cell, local.date())
        recent = [e for e in progress.group(SUBMITTED)
                  if e.review and e.review.submitted_at
                  and since <= e.review.submitted_at < until]
        if not recent:
            continue
        fmt = formatter_for(secretary, committee)
        _ = fmt.gettext
        lines = [_("{cell}: submissions from {since} to {until}:").format(
            cell=cell.name, since=fmt.datetime(since), until=fmt.datetime(until))]
        lines += [f"✓ {e.member.full_name} — {fmt.datetime(e.review.submitted_at)} — "
                  f"{level_label(forms, e.review, fmt.language)}" for e in recent]
        lines.append(_("Submitted {done} of {expected}.").format(
            done=progress.submitted, expected=progress.expected))
        reply = Reply("\n".join(lines), ((progress_button(fmt, cell.id),),))
        sent += await send_to_member(repos, secretary, key, "digest", cell.id, reply, now,
                                     expires_at=until + timedelta(days=1))  # the next one
    return sent
