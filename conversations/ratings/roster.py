"""Who a rating may be given to, and by whom, decided from the database at every message:
the cell's secretary or deputy proposes for the cell's expected members; a committee admin
decides for the cells of their own committee. Whatever a button or typed number names is
checked again here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from conversations.core.context import Context
from conversations.core.replies import Reply
from conversations.forms.library import FormLibrary
from conversations.secretary.progress import EXCLUDED, Entry, cell_progress
from storage.models import Cell, Member
from storage.ratings import CellProposal, Decision
from storage.repos import Repos


@dataclass(frozen=True)
class Roster:
    """A cell's expected members (by name) with their own, proposed and decided levels."""
    cell: Cell
    year: int
    entries: tuple[Entry, ...]
    proposals: dict[int, CellProposal]
    decisions: dict[int, Decision]

    def entry(self, member_id: int) -> Entry | None:
        return next((e for e in self.entries if e.member.id == member_id), None)

    def own(self, member_id: int) -> str | None:
        """The member's self-proposed level, once the review is handed in."""
        entry = self.entry(member_id)
        review = entry.review if entry else None
        if review is None or review.status not in ("submitted", "accepted"):
            return None
        return review.level

    def proposed(self) -> dict[int, str]:
        """The cell's proposals for the expected members (member id -> level)."""
        ids = {e.member.id for e in self.entries}
        return {m: p.level for m, p in self.proposals.items() if m in ids}

    @property
    def confirmed(self) -> bool:
        """Every expected member has a proposal and the list is confirmed as it is."""
        return bool(self.entries) and all(
            (p := self.proposals.get(e.member.id)) is not None and p.confirmed
            for e in self.entries)


async def load_roster(repos: Repos, forms: FormLibrary, cell: Cell, today: date) -> Roster:
    progress = await cell_progress(repos, forms, cell, today)
    entries = tuple(e for e in progress.entries if e.group != EXCLUDED)
    return Roster(cell, progress.year, entries,
                  await repos.ratings.proposals(cell.id, progress.year),
                  await repos.ratings.decisions(cell.id, progress.year))


async def roster(ctx: Context, cell: Cell) -> Roster:
    return await load_roster(ctx.repos, ctx.forms, cell, ctx.today)


def secretary_of(me: Member | None, cell: Cell | None) -> bool:
    return bool(me and cell and me.is_cell_secretary and me.cell_id == cell.id)


def admin_of(me: Member | None, cell: Cell | None) -> bool:
    return bool(me and cell and me.is_admin and me.committee_id == cell.committee_id)


May = Callable[[Member | None, Cell | None], bool]  # secretary_of or admin_of


async def cell_roster(ctx: Context, cell_id: int, may: May) -> Roster | None:
    """The cell a button names, if this person `may` act on it."""
    cell = await ctx.repos.org.cell(cell_id)
    return await roster(ctx, cell) if cell and may(ctx.member, cell) else None


async def member_roster(ctx: Context, member_id: int, may: May
                        ) -> tuple[Roster, Member] | None:
    """The member a button names, if expected in a cell this person `may` act on."""
    member = await ctx.repos.org.member(member_id)
    cell = await ctx.repos.org.cell(member.cell_id) if member and not member.removed else None
    if member is None or cell is None or not may(ctx.member, cell):
        return None
    found = await roster(ctx, cell)
    return (found, member) if found.entry(member_id) else None


def secretaries_only(ctx: Context) -> Reply:
    return Reply(ctx._("The cell's proposals are recorded by the cell's secretary or deputy "
                       "secretary, for the members of their own cell."))


def admins_only(ctx: Context) -> Reply:
    return Reply(ctx._("The committee's decisions are recorded by the committee's admins, "
                       "for the cells of their own committee."))
