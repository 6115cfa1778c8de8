"""Campaign rules: validation, who is expected, deadlines per cell, late submissions.

Deadlines are local dates in the committee's zone; a deadline day ends at 23:59:59 local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from conversations.core.context import Context
from conversations.core.i18n import N_
from conversations.core.replies import Reply
from conversations.core.zones import local_today
from conversations.forms.library import FormLibrary
from conversations.forms.rating import exclusion, review_year
from storage.campaigns import (
    DEFAULT_PLAN,
    Campaign,
    NewCampaign,
    OpenCampaignExistsError,
    PlanStep,
)
from storage.models import Committee, Member
from storage.repos import Repos
from storage.reviews import Review

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class CampaignError(Exception):
    """A campaign that cannot be: the message is an msgid with its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def render(self, gettext) -> str:
        return gettext(self.message).format(**self.params)


def parse_date(text: str) -> date:
    """28/11/2026 (as members write it) or 2026-11-28."""
    cleaned = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise CampaignError(
        N_("“{text}” is not a date. Write it as 28/11/2026 or 2026-11-28."), text=cleaned
    )


def parse_plan(days: str, at: str) -> tuple[PlanStep, ...]:
    """'7,3,1,0' and '08:00': days before the cell's deadline, at that local time."""
    when = parse_time(at)
    try:
        numbers = sorted({int(d) for d in days.split(",") if d.strip()}, reverse=True)
    except ValueError:
        numbers = [-1]
    if not numbers or min(numbers) < 0 or max(numbers) > 60:
        raise CampaignError(N_("Reminder days must be numbers from 0 to 60, e.g. 7,3,1,0; "
                               "not “{text}”."), text=days)
    return tuple(PlanStep(d, when) for d in numbers)


def parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip().zfill(5))
    except ValueError:
        raise CampaignError(N_("“{text}” is not a time of day; write it as 08:00."),
                            text=text) from None


def deadline_end(day: date, zone: ZoneInfo) -> datetime:
    """The last second of a deadline day, local, as UTC."""
    return datetime.combine(day, time(23, 59, 59), zone).astimezone(UTC)


def expected_pairs(members: list[Member], on: date) -> list[tuple[int, int]]:
    """(member, cell) of those reviewed: not exempted, not suspended, admitted ≥ 6 months."""
    return [(m.id, m.cell_id) for m in members if exclusion(m, on) is None]


@dataclass(frozen=True)
class CampaignRequest:
    name: str
    cells_deadline: date
    committee_deadline: date
    opens_on: date | None = None
    form_version: str | None = None
    late_policy: str = "allow"
    cell_deadlines: dict[str, date] = field(default_factory=dict)  # by cell name
    plan: tuple[PlanStep, ...] = DEFAULT_PLAN
    quiet: tuple[time, time] = (time(21), time(7))


async def create_campaign(
    repos: Repos, forms: FormLibrary, committee: Committee, request: CampaignRequest,
    now: datetime,
) -> Campaign:
    """Validate, decide who is expected, store. Raises CampaignError with a clear message."""
    zone = ZoneInfo(committee.timezone)
    today = local_today(now, zone)
    opens = request.opens_on or today
    cells, committee_deadline = request.cells_deadline, request.committee_deadline
    name = request.name.strip()
    if not name:
        raise CampaignError(N_("The campaign needs a name, e.g. “Kiểm điểm năm 2026”."))
    check_dates(today, opens, cells, committee_deadline)
    version = request.form_version or forms.default_version
    if version not in forms.versions():
        raise CampaignError(N_("Unknown form version “{version}”; known: {known}."),
                            version=version, known=", ".join(forms.versions()))
    if request.late_policy not in ("allow", "refuse"):
        raise CampaignError(N_("Late submissions must be “allow” or “refuse”."))
    by_name = {c.name.casefold(): c for c in await repos.org.cells(committee.id)}
    overrides: dict[int, date] = {}
    for cell_name, day in request.cell_deadlines.items():
        cell = by_name.get(cell_name.strip().casefold())
        if cell is None:
            raise CampaignError(N_("No cell named “{cell}”; cells: {cells}."), cell=cell_name,
                                cells=", ".join(c.name for c in by_name.values()))
        if day < max(today, opens) or day > committee_deadline:
            raise CampaignError(
                N_("The deadline {date} of {cell} must be between {start} and the "
                   "committee's deadline {committee}."),
                date=_d(day), cell=cell.name, start=_d(max(today, opens)),
                committee=_d(committee_deadline))
        overrides[cell.id] = day
    year = review_year(opens)
    new = NewCampaign(committee.id, name, year, version, opens, cells, committee_deadline,
                      request.late_policy, request.plan, *request.quiet, overrides)
    members = await repos.org.members_of_committee(committee.id)
    try:
        return await repos.campaigns.create(new, expected_pairs(members, opens), now)
    except OpenCampaignExistsError:
        existing = await repos.campaigns.for_year(committee.id, year)
        raise CampaignError(
            N_("An open campaign for {year} already exists: {name} (#{id}). Close it first."),
            year=year, name=existing.name if existing else "?",
            id=existing.id if existing else "?") from None


def check_dates(today: date, opens: date, cells: date, committee: date) -> None:
    if cells < today:
        raise CampaignError(N_("The cells' deadline {date} is in the past."), date=_d(cells))
    if committee < cells:
        raise CampaignError(
            N_("The committee's deadline {committee} is before the cells' deadline {cells}."),
            committee=_d(committee), cells=_d(cells))
    if opens > cells:
        raise CampaignError(N_("The campaign would open on {opens}, after its deadline {date}."),
                            opens=_d(opens), date=_d(cells))


def check_typed_deadline(today: date, day: date, not_before: date | None = None) -> None:
    """A deadline typed in the chat draft: from today on; the committee's from the cells'
    deadline on (said as the person can act on it, unlike check_dates for the CLI)."""
    if day < today:
        raise CampaignError(N_("The date {date} has passed; please choose a day from today "
                               "on."), date=_d(day))
    if not_before is not None and day < not_before:
        raise CampaignError(N_("The committee's deadline must be on or after {cells} (not "
                               "before the cells' deadline)."), cells=_d(not_before))


def check_change(campaign: Campaign, today: date, what: str, cell_id: int, day: date) -> None:
    """A new deadline for an open campaign: 'cells', 'committee' or one cell's ('cell')."""
    if day < today:
        raise CampaignError(N_("The date {date} is in the past."), date=_d(day))
    if what == "cells":
        check_dates(today, campaign.opens_on, day, campaign.committee_deadline)
    elif what == "committee":
        latest = max([campaign.cells_deadline, *campaign.cell_deadlines.values()])
        if day < latest:
            raise CampaignError(N_("The committee's deadline must not be before the cells' "
                                   "deadlines (the latest is {date})."), date=_d(latest))
    else:
        start = max(today, campaign.opens_on)
        if day < start or day > campaign.committee_deadline:
            raise CampaignError(
                N_("The deadline of a cell must be between {start} and the committee's "
                   "deadline {committee}."),
                start=_d(start), committee=_d(campaign.committee_deadline))


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# what issue 4 (the secretaries' progress view) needs

async def cell_deadline(repos: Repos, committee_id: int, year: int, cell_id: int) -> date | None:
    """The cell's deadline this year (its own override, else the cells' one); None: no campaign."""
    campaign = await repos.campaigns.for_year(committee_id, year)
    return campaign.deadline_for(cell_id) if campaign else None


async def expected_member_ids(repos: Repos, committee_id: int, year: int) -> set[int] | None:
    """Members expected to submit this year; None when there is no campaign."""
    campaign = await repos.campaigns.for_year(committee_id, year)
    if campaign is None:
        return None
    return {member for member, _cell in await repos.campaigns.expected_members(campaign.id)}


# submitting against the campaign

@dataclass(frozen=True)
class Gate:
    refused: bool = False
    replies: tuple[Reply, ...] = ()


async def submission_gate(ctx: Context, review: Review) -> Gate:
    """May this review be submitted now? Without a campaign for its year, always."""
    member = ctx.member
    assert member is not None
    campaign = await ctx.repos.campaigns.for_year(member.committee_id, review.year)
    if campaign is None:
        return Gate()
    _ = ctx._
    if not campaign.is_open:
        return Gate(True, (Reply(_(
            "The review campaign “{name}” is closed, so submissions are no longer accepted. "
            "Your draft is saved; please contact your cell secretary."
        ).format(name=campaign.name)),))
    if local_today(ctx.now, ctx.fmt.zone) < campaign.opens_on:
        return Gate(True, (Reply(_(
            "The review campaign “{name}” opens on {date}. Your draft is saved; you can "
            "submit from that day."
        ).format(name=campaign.name, date=ctx.fmt.date(campaign.opens_on))),))
    deadline = campaign.deadline_for(member.cell_id)
    if ctx.now <= deadline_end(deadline, ctx.fmt.zone):
        return Gate()
    if campaign.late_policy == "refuse":
        return Gate(True, (Reply(_(
            "Sorry, the deadline for your cell was {date} and late submissions are not "
            "accepted in this campaign. Your draft is saved; please contact your cell "
            "secretary."
        ).format(date=ctx.fmt.date(deadline))),))
    return Gate(False, (Reply(_(
        "Note: the deadline for your cell was {date}, so this submission is marked late."
    ).format(date=ctx.fmt.date(deadline))),))


def is_late(campaign: Campaign, cell_id: int, submitted_at: datetime, zone: ZoneInfo) -> bool:
    """Late submissions are derived from the time of submission and the cell's deadline."""
    return submitted_at > deadline_end(campaign.deadline_for(cell_id), zone)
