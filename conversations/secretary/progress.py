"""Where a cell stands: each member's self-review grouped by state, with counts.

Pure grouping over what storage returns; `expectations` is the one place that decides who
is expected and by when, so campaigns (deadlines, their own lists) plug in there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from conversations.campaigns import rules as campaigns
from conversations.core.text import name_order
from conversations.core.zones import DEFAULT_TIMEZONE
from conversations.forms.library import FormLibrary
from conversations.forms.rating import exclusion, review_year
from conversations.review import steps as rs
from storage.models import Cell, Member
from storage.repos import Repos
from storage.reviews import Review

# group keys in the order they are shown
SUBMITTED, IN_PROGRESS, NOT_STARTED, RETURNED, EXCLUDED = (
    "submitted", "in_progress", "not_started", "returned", "excluded",
)
GROUPS = (SUBMITTED, RETURNED, IN_PROGRESS, NOT_STARTED, EXCLUDED)


@dataclass(frozen=True)
class Expectations:
    excluded: dict[int, str]       # member id -> 'exempted' / 'suspended' / 'new'
    deadline: datetime | None      # None: no deadline known (no campaign yet)


async def expectations(repos: Repos, cell: Cell, members: list[Member], today: date
                       ) -> Expectations:
    """Who of the cell is not reviewed this time, and the cell's deadline.

    With a campaign for the year, its member list (fixed when it began) and deadline
    decide; without one, the rule of Quy định 366 decides and no deadline is shown."""
    year = review_year(today)
    expected = await campaigns.expected_member_ids(repos, cell.committee_id, year)
    excluded = {m.id: reason for m in members if (reason := exclusion(m, today)) is not None}
    if expected is None:
        return Expectations(excluded, None)
    for member in members:
        if member.id not in expected and member.id not in excluded:
            excluded[member.id] = "not_expected"  # joined the cell after the campaign began
    for member_id in expected:
        excluded.pop(member_id, None)
    day = await campaigns.cell_deadline(repos, cell.committee_id, year, cell.id)
    committee = await repos.org.committee(cell.committee_id)
    zone = ZoneInfo(committee.timezone if committee else DEFAULT_TIMEZONE)
    return Expectations(excluded, campaigns.deadline_end(day, zone) if day else None)


@dataclass(frozen=True)
class Entry:
    member: Member
    group: str
    review: Review | None = None
    done: int = 0                  # items answered (in progress)
    total: int = 0                 # items of the form
    reason: str | None = None      # why not reviewed


@dataclass(frozen=True)
class CellProgress:
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

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted == self.expected

    @property
    def ratio(self) -> float:
        return self.submitted / self.expected if self.expected else 1.0

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


async def cell_progress(repos: Repos, forms: FormLibrary, cell: Cell, today: date
                        ) -> CellProgress:
    year = review_year(today)
    members = await repos.org.members_of_cell(cell.id)
    reviews = await repos.secretaries.reviews_of_cell(cell.id, year)
    expect = await expectations(repos, cell, members, today)
    return group_cell(cell, year, members, reviews, expect, forms)


async def committee_progress(repos: Repos, forms: FormLibrary, committee_id: int, today: date
                             ) -> list[CellProgress]:
    """Every cell of the committee, least complete first (two queries in all)."""
    year = review_year(today)
    members = await repos.org.members_of_committee(committee_id)
    reviews = await repos.secretaries.reviews_of_committee(committee_id, year)
    result = []
    for cell in await repos.org.cells(committee_id):
        of_cell = [m for m in members if m.cell_id == cell.id]
        expect = await expectations(repos, cell, of_cell, today)
        result.append(group_cell(cell, year, of_cell, reviews, expect, forms))
    result.sort(key=lambda p: (p.ratio, p.cell.name))
    return result

