"""Reminder planning and the reminder run: who gets which reminder, when, exactly once.

The plan is pure: send times in UTC from local dates, times and the committee's zone.
`run_due` is what the scheduler calls, as often as it likes: for every open campaign it
enqueues the steps that are due and records each step in the same transaction, so a
restart or a second process on the same database never sends a step twice (the step row
and the outbox's unique dedup keys), and a crash before the commit loses nothing.

Missed steps (the bot was down): per cell only the latest due step is sent, once, if the
cell's deadline is still ahead and it is not quiet hours now; otherwise it is recorded as
skipped, like the earlier ones it supersedes. (The admins' summary waits for the morning.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from babel.dates import format_date

from conversations.campaigns.rules import deadline_end
from conversations.core.i18n import Formatter
from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply, rows
from conversations.core.text import name_order
from conversations.forms.kinds import kind_of
from conversations.forms.library import FormLibrary
from storage.campaigns import COMMITTEE_CELL, Campaign, Leader, Pending, StepRecord
from storage.models import Committee
from storage.outbox import OutMessage
from storage.repos import Repos
from storage.reviews import Answer

DIGEST_AT = time(8)
DIGEST, SUMMARY = "digest", "summary"


# the plan (pure)

def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time on a local date, as UTC (zoneinfo resolves DST)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


def in_quiet(moment: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    local = moment.astimezone(zone).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def after_quiet(moment: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet(moment, zone, start, end):
        return moment
    local = moment.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:  # evening part: quiet ends tomorrow morning
        day += timedelta(days=1)
    return local_moment(day, end, zone)


@dataclass(frozen=True)
class DueStep:
    cell_id: int          # COMMITTEE_CELL for the admins' summary
    step: str             # 'd7' … 'd0', 'digest', 'summary'
    at: datetime          # UTC, already moved out of quiet hours
    deadline: date        # the cell's deadline (the latest one for the summary)


def schedule(campaign: Campaign, cell_ids: Iterable[int], zone: ZoneInfo) -> list[DueStep]:
    """Every step of the campaign for these cells, with its send time."""
    def at(day: date, when: time) -> datetime:
        return after_quiet(local_moment(day, when, zone), zone, campaign.quiet_start,
                           campaign.quiet_end)

    steps = []
    deadlines = []
    for cell in cell_ids:
        deadline = campaign.deadline_for(cell)
        deadlines.append(deadline)
        for plan in campaign.plan:
            steps.append(DueStep(cell, plan.name, at(deadline - timedelta(days=plan.days),
                                                     plan.at), deadline))
        steps.append(DueStep(cell, DIGEST, at(deadline - timedelta(days=1), DIGEST_AT),
                             deadline))
    last = max(deadlines, default=campaign.cells_deadline)
    steps.append(DueStep(COMMITTEE_CELL, SUMMARY, at(last + timedelta(days=1), DIGEST_AT), last))
    return steps


@dataclass(frozen=True)
class Decision:
    send: list[DueStep]
    skip: list[DueStep]
    waiting: bool         # something due waits for the end of quiet hours


def decide(campaign: Campaign, steps: list[DueStep], done: Iterable[tuple[int, str]],
           now: datetime, zone: ZoneInfo) -> Decision:
    """Which due steps to send now and which to give up (the missed-step rule)."""
    recorded = set(done)
    due = sorted((s for s in steps if (s.cell_id, s.step) not in recorded and s.at <= now),
                 key=lambda s: s.at)
    start = max(campaign.created_at, local_moment(campaign.opens_on, time(0), zone))
    latest: dict[tuple[int, bool], DueStep] = {}
    for s in due:  # reminders and digests are superseded separately
        latest[(s.cell_id, s.step == DIGEST)] = s
    quiet = in_quiet(now, zone, campaign.quiet_start, campaign.quiet_end)
    send, skip, waiting = [], [], False
    for s in due:
        if latest[(s.cell_id, s.step == DIGEST)] is not s or s.at < start:
            skip.append(s)  # superseded by a later step, or due before the campaign began
        elif s.step != SUMMARY and (quiet or now > deadline_end(s.deadline, zone)):
            # due times lie outside quiet hours, so one found due inside them was missed
            # while the bot was down: the rule is to give it up, like one past its deadline
            skip.append(s)
        elif quiet:
            waiting = True  # the admins' one summary is not given up: it waits for morning
        else:
            send.append(s)
    return Decision(send, skip, waiting)


# texts

def day_in_words(fmt: Formatter, day: date) -> str:
    """'thứ Bảy, 28/11/2026' / 'Saturday, 28 Nov 2026'."""
    weekday = format_date(day, "EEEE", locale=fmt.language)
    if fmt.language == "vi":
        weekday = weekday[0].lower() + weekday[1:]
    return f"{weekday}, {fmt.date(day)}"


def days_left(fmt: Formatter, deadline: date, today: date) -> str:
    """The days left as a member counts them on the calendar: 'còn 7 ngày' a week before
    (not 'sau 8 ngày nữa', counted to the last second of the deadline day)."""
    days = (deadline - today).days
    if days <= 0:
        return fmt.gettext("today")
    if days == 1:
        return fmt.gettext("tomorrow")
    return fmt.ngettext("{n} day left", "{n} days left", days).format(n=days)


def reminder_reply(fmt: Formatter, year: int, deadline: date, today: date,
                   progress: tuple[int, int] | None) -> Reply:
    """progress: (done, total) items of a started review; None: not started."""
    _ = fmt.gettext
    when = _("Your self-review for {year} is due on {day} ({left}).").format(
        year=year, day=day_in_words(fmt, deadline), left=days_left(fmt, deadline, today))
    if progress is None:
        text = when + "\n" + _("You have not started it yet. It takes about 30 minutes; "
                               "every answer is saved at once.")
        button = _("Start my self-review")
    else:
        text = when + "\n" + _("You have done {done} of {total} items. Continue where you "
                               "left off.").format(done=progress[0], total=progress[1])
        button = _("Continue my self-review")
    return Reply(_("Reminder") + ": " + text, rows(Choice(button, "review")))


def digest_reply(fmt: Formatter, cell: str, deadline: date, names: list[str],
                 expected: int) -> Reply:
    _ = fmt.gettext
    if not names:
        return Reply(_("{cell}: everyone expected ({n}) has submitted before the deadline "
                       "{day}.").format(cell=cell, n=expected, day=day_in_words(fmt, deadline)))
    head = _("{cell}: the deadline is tomorrow, {day}. {n} of {total} members have not "
             "submitted yet:").format(cell=cell, day=day_in_words(fmt, deadline),
                                      n=len(names), total=expected)
    return Reply("\n".join([head, *(f"• {name}" for name in names)]))


def summary_reply(fmt: Formatter, campaign: Campaign, lines: list[tuple[str, int, int]]) -> Reply:
    _ = fmt.gettext
    head = _("{name}: the cells' deadline has passed. Submitted per cell:").format(
        name=campaign.name)
    body = [_("• {cell}: {submitted} of {expected}").format(cell=c, submitted=s, expected=e)
            for c, e, s in lines]
    total_e, total_s = sum(e for _c, e, _s in lines), sum(s for _c, _e, s in lines)
    tail = _("In all: {submitted} of {expected}.").format(submitted=total_s, expected=total_e)
    return Reply("\n".join([head, *body, tail]))


# the run

@dataclass(frozen=True)
class RunResult:
    enqueued: int
    sent_steps: int
    skipped_steps: int
    next_due: datetime | None   # when something is due next (for the scheduler)


async def run_due(repos: Repos, forms: FormLibrary, now: datetime) -> RunResult:
    enqueued = sent = skipped = 0
    wake: list[datetime] = []
    for campaign in await repos.campaigns.open_campaigns():
        plan = await plan_campaign(repos, forms, campaign, now)
        if plan.records:
            enqueued += await repos.campaigns.record_steps(campaign.id, plan.records, now)
        sent += plan.sent_steps
        skipped += plan.skipped_steps
        wake += plan.wake
    return RunResult(enqueued, sent, skipped, min(wake, default=None))


@dataclass(frozen=True)
class CampaignPlan:
    records: list[StepRecord]   # to record, each with its messages
    sent_steps: int
    skipped_steps: int
    wake: list[datetime]        # when steps not handled now become due


async def plan_campaign(repos: Repos, forms: FormLibrary, campaign: Campaign,
                        now: datetime) -> CampaignPlan:
    """What is due now for one campaign and every message of it; writes nothing."""
    committee = await repos.org.committee(campaign.committee_id)
    if committee is None:
        return CampaignPlan([], 0, 0, [])
    zone = ZoneInfo(committee.timezone)
    cells = {c.id: c.name for c in await repos.org.cells(committee.id)}
    steps = schedule(campaign, cells, zone)
    done = await repos.campaigns.recorded_steps(campaign.id)
    decision = decide(campaign, steps, done, now, zone)
    records = [StepRecord(s.cell_id, s.step, "skipped") for s in decision.skip]
    if decision.send:
        records += await _messages(repos, forms, campaign, committee, cells, decision.send, now)
    handled = set(done) | {(r.cell_id, r.step) for r in records}
    wake = [s.at for s in steps if (s.cell_id, s.step) not in handled and s.at > now]
    if decision.waiting:
        wake.append(after_quiet(now, zone, campaign.quiet_start, campaign.quiet_end))
    return CampaignPlan(records, len(decision.send), len(decision.skip), wake)


async def _messages(
    repos: Repos, forms: FormLibrary, campaign: Campaign, committee: Committee,
    cells: dict[int, str], due: list[DueStep], now: datetime,
) -> list[StepRecord]:
    """The messages of each due step, with two queries for all members of all cells."""
    member_steps = {s.cell_id: s for s in due if s.step not in (DIGEST, SUMMARY)}
    digest_cells = [s.cell_id for s in due if s.step == DIGEST]
    pending = await repos.campaigns.pending(campaign.id, sorted({*member_steps, *digest_cells}))
    fmts: dict[str, Formatter] = {}

    def fmt_of(language: str) -> Formatter:
        if language not in fmts:
            fmts[language] = Formatter(language, committee.timezone)
        return fmts[language]

    by_cell: dict[int, list[Pending]] = {}
    for p in pending:
        by_cell.setdefault(p.cell_id, []).append(p)
    # texts differ only by language, deadline, time left and progress: render each once
    payloads: dict[tuple[str, date, tuple[int, int] | None], str] = {}

    def payload(language: str, step: DueStep, progress: tuple[int, int] | None) -> str:
        key = (language, step.deadline, progress)
        if key not in payloads:
            fmt = fmt_of(language)
            today = now.astimezone(fmt.zone).date()
            payloads[key] = encode_reply(reminder_reply(fmt, campaign.year, step.deadline,
                                                        today, progress))
        return payloads[key]

    zone = ZoneInfo(committee.timezone)
    progress = _Progress(forms)
    records = []
    for cell_id, step in member_steps.items():
        expires_at = deadline_end(step.deadline, zone)
        messages = [
            OutMessage(
                dedup_key=f"reminder:{campaign.id}:{p.member_id}:{step.step}", kind="reminder",
                payload=payload(p.language, step, progress(p)),
                member_id=p.member_id, channel=p.channel, chat_id=p.chat_id,
                ref_id=campaign.id, expires_at=expires_at, shared=True,
            )
            for p in by_cell.get(cell_id, [])
        ]
        records.append(StepRecord(cell_id, step.step, "done", messages))
    has_summary = any(s.step == SUMMARY for s in due)
    leaders = await repos.campaigns.leaders(committee.id) if digest_cells or has_summary else []
    expected_in = await repos.campaigns.expected_per_cell(campaign.id) if digest_cells else {}
    counts = await repos.campaigns.expected_counts(campaign.id) if has_summary else {}
    for s in due:
        if s.step == DIGEST:
            names = sorted((p.full_name for p in by_cell.get(s.cell_id, [])), key=name_order)
            expected = expected_in.get(s.cell_id, 0)
            to = [m for m in leaders if m.cell_id == s.cell_id and expected
                  and m.roles & {"secretary", "deputy"}]  # no list for a cell with nobody
            reply = partial(digest_reply, cell=cells[s.cell_id], deadline=s.deadline,
                            names=names, expected=expected)
            records.append(StepRecord(s.cell_id, DIGEST, "done", _to_leaders(
                to, f"digest:{campaign.id}:{s.cell_id}", campaign.id, reply, fmt_of)))
        elif s.step == SUMMARY:
            lines = [(cells[c], *counts.get(c, (0, 0))) for c in cells if c in counts]
            to = [m for m in leaders if "admin" in m.roles]
            reply = partial(summary_reply, campaign=campaign, lines=lines)
            records.append(StepRecord(COMMITTEE_CELL, SUMMARY, "done", _to_leaders(
                to, f"summary:{campaign.id}", campaign.id, reply, fmt_of)))
    return records


class _Progress:
    """(items done, items) of a pending member's started review, None when not started.

    What `steps.done_count` counts, asked of each item's kind; drafts answered alike
    (same form, same items done) share one count, so a run of 100,000 counts a few hundred.
    """

    def __init__(self, forms: FormLibrary) -> None:
        self._forms = forms
        self._known: dict[tuple[str | None, str | None, str | None], tuple[int, int] | None] = {}

    def __call__(self, p: Pending) -> tuple[int, int] | None:
        if p.review_id is None:
            return None
        key = (p.form_version, p.form_code, p.answered)
        if key not in self._known:
            self._known[key] = self._count(*key)
        return self._known[key]

    def _count(self, version: str | None, code: str | None, answered: str | None
               ) -> tuple[int, int] | None:
        if not version or not code:
            return None
        try:
            items = self._forms.get(version, code).items
        except KeyError:  # a form version no longer installed: say nothing about progress
            return None
        given: dict[str, Answer] = {}
        for entry in (answered or "").split(","):
            key, _sep, flags = entry.rpartition(":")
            # the kinds look at whether there is text, a score, a skip: not at their value
            given[key] = Answer("…" if "w" in flags else "", 0 if "n" in flags else None,
                                "s" in flags)
        return sum(1 for item in items if kind_of(item).answered(given.get(item.key))), len(items)


def _to_leaders(leaders: list[Leader], key: str, campaign_id: int,
                make: Callable[..., Reply], fmt_of: Callable[[str], Formatter]) -> list[OutMessage]:
    return [
        OutMessage(dedup_key=f"{key}:{m.member_id}", kind="digest",
                   payload=encode_reply(make(fmt_of(m.language))), member_id=m.member_id,
                   channel=m.channel, chat_id=m.chat_id, ref_id=campaign_id)
        for m in leaders
    ]
