"""The rating chain after the self-review: the cell's proposal per member, the committee's
decision, and the committee's rating of each cell (migration 0015).

Only storage here: which level may be proposed, the quota and who may act are rules of
conversations/ (the secretary's scope, forms/rating.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, Row, from_db_time, to_db_time


@dataclass(frozen=True)
class CellProposal:
    member_id: int
    year: int
    cell_id: int
    level: str
    comment: str
    reason: str
    source: str                 # chat, sheet, vote
    recorded_by: int | None
    recorded_at: datetime
    confirmed_at: datetime | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class Decision:
    member_id: int
    year: int
    cell_id: int
    level: str
    reason: str
    decided_by: int | None
    decided_at: datetime


@dataclass(frozen=True)
class CellRating:
    cell_id: int
    year: int
    level: str
    comment: str
    decided_by: int | None
    decided_at: datetime


@dataclass(frozen=True)
class ChainRow:
    """One member's three levels (None where that step has not happened)."""
    member_id: int
    own: str | None             # the self-proposed level, once submitted or accepted
    cell: str | None
    cell_confirmed: bool
    committee: str | None


@dataclass(frozen=True)
class NewProposal:
    member_id: int
    level: str
    comment: str = ""
    reason: str = ""


def _proposal(row: Row) -> CellProposal:
    confirmed = row["confirmed_at"]
    return CellProposal(
        member_id=row["member_id"], year=row["year"], cell_id=row["cell_id"],
        level=row["level"], comment=row["comment"], reason=row["reason"],
        source=row["source"], recorded_by=row["recorded_by"],
        recorded_at=from_db_time(row["recorded_at"]),
        confirmed_at=from_db_time(confirmed) if confirmed else None)


def _decision(row: Row) -> Decision:
    return Decision(
        member_id=row["member_id"], year=row["year"], cell_id=row["cell_id"],
        level=row["level"], reason=row["reason"], decided_by=row["decided_by"],
        decided_at=from_db_time(row["decided_at"]))


_UPSERT_PROPOSAL = """
INSERT INTO cell_proposals (member_id, year, cell_id, level, comment, reason, source,
                            recorded_by, recorded_at, confirmed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (member_id, year) DO UPDATE SET
    cell_id = excluded.cell_id, level = excluded.level, comment = excluded.comment,
    reason = excluded.reason, source = excluded.source, recorded_by = excluded.recorded_by,
    recorded_at = excluded.recorded_at, confirmed_at = NULL
"""

_UPSERT_DECISION = """
INSERT INTO committee_decisions (member_id, year, cell_id, level, reason, decided_by,
                                 decided_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_id, year) DO UPDATE SET
    cell_id = excluded.cell_id, level = excluded.level, reason = excluded.reason,
    decided_by = excluded.decided_by, decided_at = excluded.decided_at
"""

# The cell's confirmed proposals become the committee's decisions, except where the
# committee has already decided (one step: "accept the cell's proposals").
_ACCEPT_CELL = """
INSERT INTO committee_decisions (member_id, year, cell_id, level, reason, decided_by,
                                 decided_at)
SELECT p.member_id, p.year, p.cell_id, p.level, '', ?, ?
FROM cell_proposals p
WHERE p.cell_id = ? AND p.year = ? AND p.confirmed_at IS NOT NULL AND p.member_id <> ?
ON CONFLICT (member_id, year) DO NOTHING
RETURNING member_id
"""

# Per member of a cell: own level (submitted or accepted review), cell's, committee's.
_CHAIN = """
SELECT m.id AS member_id,
       CASE WHEN r.status IN ('submitted', 'accepted') THEN r.level END AS own,
       p.level AS cell, p.confirmed_at AS cell_confirmed_at, d.level AS committee
FROM members m
LEFT JOIN reviews r ON r.member_id = m.id AND r.year = ?
LEFT JOIN cell_proposals p ON p.member_id = m.id AND p.year = ?
LEFT JOIN committee_decisions d ON d.member_id = m.id AND d.year = ?
WHERE m.cell_id = ? AND m.removed_at IS NULL
ORDER BY m.id
"""

# Counts per level over a committee's decisions (the quota is checked across it).
_DECIDED_COUNTS = """
SELECT d.level, count(*) AS n
FROM committee_decisions d JOIN cells c ON c.id = d.cell_id
WHERE c.committee_id = ? AND d.year = ?
GROUP BY d.level
"""


class RatingRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the cell's proposals -------------------------------------------------------------

    async def propose(self, cell_id: int, year: int, proposals: Iterable[NewProposal], *,
                      source: str, by: int | None, now: datetime) -> int:
        """Record (or replace) the cell's proposals in one transaction; a changed list
        must be confirmed again. Returns how many were written."""
        rows = [(p.member_id, year, cell_id, p.level, p.comment, p.reason, source, by,
                 to_db_time(now)) for p in proposals]
        async with self.db.transaction() as tx:
            await tx.executemany(_UPSERT_PROPOSAL, rows)
        return len(rows)

    async def confirm_proposals(self, cell_id: int, year: int, now: datetime) -> int:
        return await self.db.execute(
            "UPDATE cell_proposals SET confirmed_at = ?"
            " WHERE cell_id = ? AND year = ? AND confirmed_at IS NULL",
            (to_db_time(now), cell_id, year))

    async def proposals(self, cell_id: int, year: int) -> dict[int, CellProposal]:
        rows = await self.db.fetchall(
            "SELECT * FROM cell_proposals WHERE cell_id = ? AND year = ?", (cell_id, year))
        return {row["member_id"]: _proposal(row) for row in rows}

    async def proposal(self, member_id: int, year: int) -> CellProposal | None:
        row = await self.db.fetchone(
            "SELECT * FROM cell_proposals WHERE member_id = ? AND year = ?", (member_id, year))
        return _proposal(row) if row else None

    # -- the committee's decisions --------------------------------------------------------

    async def decide(self, member_id: int, year: int, cell_id: int, level: str, *,
                     reason: str, by: int | None, now: datetime) -> None:
        await self.db.execute(_UPSERT_DECISION, (
            member_id, year, cell_id, level, reason, by, to_db_time(now)))

    async def accept_cell(self, cell_id: int, year: int, *, by: int | None,
                          now: datetime, skip: int | None = None) -> list[int]:
        """The cell's confirmed proposals become decisions where none was made yet, except
        member `skip`'s (the admin's own). Returns the members newly decided (to tell them)."""
        async with self.db.transaction() as tx:  # RETURNING: only the rows inserted
            rows = await tx.fetchall(_ACCEPT_CELL, (by, to_db_time(now), cell_id, year,
                                                    -1 if skip is None else skip))
        return sorted(row[0] for row in rows)

    async def decisions(self, cell_id: int, year: int) -> dict[int, Decision]:
        rows = await self.db.fetchall(
            "SELECT * FROM committee_decisions WHERE cell_id = ? AND year = ?",
            (cell_id, year))
        return {row["member_id"]: _decision(row) for row in rows}

    async def decision(self, member_id: int, year: int) -> Decision | None:
        row = await self.db.fetchone(
            "SELECT * FROM committee_decisions WHERE member_id = ? AND year = ?",
            (member_id, year))
        return _decision(row) if row else None

    async def decided_counts(self, committee_id: int, year: int) -> dict[str, int]:
        rows = await self.db.fetchall(_DECIDED_COUNTS, (committee_id, year))
        return {row["level"]: row["n"] for row in rows}

    # -- one cell's chain, and the cell's own rating ----------------------------------------

    async def chain(self, cell_id: int, year: int) -> dict[int, ChainRow]:
        rows = await self.db.fetchall(_CHAIN, (year, year, year, cell_id))
        return {row["member_id"]: ChainRow(
            member_id=row["member_id"], own=row["own"], cell=row["cell"],
            cell_confirmed=row["cell_confirmed_at"] is not None,
            committee=row["committee"]) for row in rows}

    async def rate_cell(self, cell_id: int, year: int, level: str, *, comment: str,
                        by: int | None, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO cell_ratings (cell_id, year, level, comment, decided_by, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cell_id, year) DO UPDATE SET"
            " level = excluded.level, comment = excluded.comment,"
            " decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            (cell_id, year, level, comment, by, to_db_time(now)))

    async def cell_ratings(self, committee_id: int, year: int) -> dict[int, CellRating]:
        rows = await self.db.fetchall(
            "SELECT cr.* FROM cell_ratings cr JOIN cells c ON c.id = cr.cell_id"
            " WHERE c.committee_id = ? AND cr.year = ?", (committee_id, year))
        return {row["cell_id"]: CellRating(
            cell_id=row["cell_id"], year=row["year"], level=row["level"],
            comment=row["comment"], decided_by=row["decided_by"],
            decided_at=from_db_time(row["decided_at"])) for row in rows}
