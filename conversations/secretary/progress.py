"""Where a cell stands: each member's self-review grouped by state, with counts.

Grouping over what storage returns; `expectations` is the one place that decides who of a
cell is expected and by when, so campaigns (deadlines, their own lists) plug in there.
Views over many cells (`cell_summaries`) count in SQL with the same rule and never load
members or answers.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from conversations.campaigns import rules as campaigns
from conversations.core.text import name_order
from conversations.core.zones import DEFAULT_TIMEZONE
from conversations.forms.library import FormLibrary
from conversations.forms.rating import MIN_MONTHS_ADMITTED, exclusion, review_year
from conversations.review import steps as rs
from storage.models import Cell, Member
from storage.repos import Repos
from storage.reviews import Review
from storage.secretaries import COUNTS, FULL

# group keys in the order they are shown
SUBMITTED, IN_PROGRESS, NOT_STARTED, RETURNED, EXCLUDED = (
    "submitted", "in_progress", "not_started", "returned", "excluded",
)
GROUPS = (SUBMITTED, RETURNED, IN_PROGRESS, NOT_STARTED, EXCLUDED)


@dataclass(frozen=True)
class Expectations:
    excluded: dict[int, str]       # member id -> 'exempted' / 'suspended' / 'new'
    deadline: datetime | None      # None: no deadline known (no campaign yet)


def _expect(members: list[Member], today: date, expected: set[int] | None,
            deadline: datetime | None) -> Expectations:
    excluded = {m.id: reason for m in members if (reason := exclusion(m, today)) is not None}
    if expected is None:
        return Expectations(excluded, None)
    for member in members:
        if member.id not in expected and member.id not in excluded:
            excluded[member.id] = "not_expected"  # joined the cell after the campaign began
    for member_id in expected:
        excluded.pop(member_id, None)
    return Expectations(excluded, deadline)


async def _zone(repos: Repos, committee_id: int) -> ZoneInfo:
    committee = await repos.org.committee(committee_id)
    return ZoneInfo(committee.timezone if committee else DEFAULT_TIMEZONE)


async def expectations(repos: Repos, cell: Cell, members: list[Member], today: date
                       ) -> Expectations:
    """Who of the cell is not reviewed this time, and the cell's deadline.

    With a campaign for the year, its member list (fixed when it began) and deadline
    decide; without one, the rule of Quy định 366 decides and no deadline is shown.
    Reads the cell's part of the list only."""
    campaign = await repos.campaigns.for_year(cell.committee_id, review_year(today))
    if campaign is None:
        return _expect(members, today, None, None)
    expected = await repos.campaigns.expected_in_cell(campaign.id, cell.id)
    deadline = campaigns.deadline_end(campaign.deadline_for(cell.id),
                                      await _zone(repos, cell.committee_id))
    return _expect(members, today, expected, deadline)


def admitted_by(today: date) -> date:
    """The latest admission date that is long enough ago to be reviewed on `today`
    (the same rule as `exclusion`, as a date SQL can compare)."""
    months = today.year * 12 + today.month - 1 - MIN_MONTHS_ADMITTED
    year, month = divmod(months, 12)
    last_day = monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last_day))


class _Counted:
    expected: int
    submitted: int

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted == self.expected

    @property
    def ratio(self) -> float:
        return self.submitted / self.expected if self.expected else 1.0


@dataclass(frozen=True)
class CellSummary(_Counted):
    """A cell's counts without its members: what the admin's list and alerts show."""
    cell: Cell
    year: int
    expected: int
    submitted: int
    deadline: datetime | None


async def cell_summaries(repos: Repos, committee_id: int, today: date,
                         cell: Cell | None = None) -> list[CellSummary]:
    """Counts of every cell of the committee (or of one cell), least complete first: a
    handful of grouped queries, whatever the size of the committee."""
    year = review_year(today)
    campaign = await repos.campaigns.for_year(committee_id, year)
    counts = await repos.secretaries.cell_counts(
        year, committee_id=None if cell else committee_id, cell_id=cell.id if cell else None,
        campaign_id=campaign.id if campaign else None,
        admitted_by=None if campaign else admitted_by(today))
    zone = await _zone(repos, committee_id) if campaign else None
    result = []
    for each in [cell] if cell else await repos.org.cells(committee_id):
        expected, submitted = counts.get(each.id, (0, 0))
        deadline = (campaigns.deadline_end(campaign.deadline_for(each.id), zone)
                    if campaign and zone else None)
        result.append(CellSummary(each, year, expected, submitted, deadline))
    result.sort(key=lambda p: (p.ratio, p.cell.name))
    return result


@dataclass(frozen=True)
class Entry:
    member: Member
    group: str
    review: Review | None = None
    done: int = 0                  # items answered (in progress)
    total: int = 0                 # items of the form
    reason: str | None = None      # why not reviewed


@dataclass(frozen=True)
class CellProgress(_Counted):
    cell: Cell
    year: int
    entries: tuple[Entry, ...]
    deadline: datetime | None

    def group(self, key: str) -> list[Entry]:
        return [e for e in self.entries if e.group == key]

    @property
    def expected(self) -> int:
        return sum(1 for e in self.entries if e.group != EXCLUDED)

    @property
    def submitted(self) -> int:
        return len(self.group(SUBMITTED))

    def missing(self) -> list[Entry]:
        """Expected members who have not submitted (the ones to remind)."""
        return [e for e in self.entries if e.group in (IN_PROGRESS, NOT_STARTED, RETURNED)]


def group_cell(cell: Cell, year: int, members: list[Member], reviews: dict[int, Review],
               expect: Expectations, forms: FormLibrary) -> CellProgress:
    entries = []
    for member in sorted(members, key=lambda m: name_order(m.full_name)):
        review = reviews.get(member.id)
        reason = expect.excluded.get(member.id)
        if reason is not None:
            entries.append(Entry(member, EXCLUDED, review, reason=reason))
        elif review is None:
            entries.append(Entry(member, NOT_STARTED))
        elif review.status in ("submitted", "accepted"):
            entries.append(Entry(member, SUBMITTED, review))
        else:
            form = forms.get(review.form_version, review.form_code)
            group = RETURNED if review.status == "returned" else IN_PROGRESS
            entries.append(Entry(member, group, review, rs.done_count(form, review),
                                 len(form.items)))
    order = {key: n for n, key in enumerate(GROUPS)}
    entries.sort(key=lambda e: order[e.group])  # stable: names stay sorted within a group
    return CellProgress(cell, year, tuple(entries), expect.deadline)


async def cell_progress(repos: Repos, forms: FormLibrary, cell: Cell, today: date, *,
                        texts: str = COUNTS) -> CellProgress:
    """The cell's members by state. With `texts` COUNTS (the default) only drafts and
    returned reviews come with answers, each text only saying whether it is filled
    (storage.secretaries.FILLED): enough for the counts shown; SCORES and FULL: see there."""
    year = review_year(today)
    members = await repos.org.members_of_cell(cell.id)
    reviews = await repos.secretaries.reviews_of_cell(cell.id, year, texts=texts)
    expect = await expectations(repos, cell, members, today)
    return group_cell(cell, year, members, reviews, expect, forms)


async def committee_progress(repos: Repos, forms: FormLibrary, committee_id: int, today: date,
                             *, texts: str = FULL) -> list[CellProgress]:
    """Every cell of the committee with every review's answers, least complete first (for
    the committee's files; the admin's view reads `cell_summaries`). The campaign's list
    is read once for all cells."""
    year = review_year(today)
    members = await repos.org.members_of_committee(committee_id)
    reviews = await repos.secretaries.reviews_of_committee(committee_id, year, texts=texts)
    campaign = await repos.campaigns.for_year(committee_id, year)
    expected = zone = None
    if campaign is not None:
        expected = {m for m, _cell in await repos.campaigns.expected_members(campaign.id)}
        zone = await _zone(repos, committee_id)
    by_cell: dict[int, list[Member]] = {}
    for member in members:
        by_cell.setdefault(member.cell_id, []).append(member)
    result = []
    for cell in await repos.org.cells(committee_id):
        of_cell = by_cell.get(cell.id, [])
        deadline = (campaigns.deadline_end(campaign.deadline_for(cell.id), zone)
                    if campaign and zone else None)
        expect = _expect(of_cell, today, expected, deadline)
        result.append(group_cell(cell, year, of_cell, reviews, expect, forms))
    result.sort(key=lambda p: (p.ratio, p.cell.name))
    return result

