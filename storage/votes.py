"""The cell meeting's secret vote on each member's level (migration 0017).

A ballot writes two rows in one transaction: that this voter has voted on this candidate
(no level), and one more vote for this level for this candidate (no voter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, IntegrityError, Row, from_db_time, to_db_time


class VoteOpenError(Exception):
    """The cell already has an open vote for that year."""


@dataclass(frozen=True)
class Vote:
    id: int
    cell_id: int
    year: int
    opened_by: int | None
    opened_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


def _vote(row: Row) -> Vote:
    closed = row["closed_at"]
    return Vote(row["id"], row["cell_id"], row["year"], row["opened_by"],
                from_db_time(row["opened_at"]), from_db_time(closed) if closed else None)


class VoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(self, cell_id: int, year: int, by: int | None, now: datetime) -> Vote:
        try:
            async with self.db.transaction() as tx:
                row = await tx.fetchone(
                    "INSERT INTO cell_votes (cell_id, year, opened_by, opened_at)"
                    " VALUES (?, ?, ?, ?) RETURNING *", (cell_id, year, by, to_db_time(now)))
        except IntegrityError as exc:
            raise VoteOpenError(cell_id) from exc
        assert row is not None
        return _vote(row)

    async def get(self, vote_id: int) -> Vote | None:
        row = await self.db.fetchone("SELECT * FROM cell_votes WHERE id = ?", (vote_id,))
        return _vote(row) if row else None

    async def latest(self, cell_id: int, year: int) -> Vote | None:
        """The open vote of the cell, else its last closed one."""
        row = await self.db.fetchone(
            "SELECT * FROM cell_votes WHERE cell_id = ? AND year = ?"
            " ORDER BY closed_at IS NULL DESC, id DESC LIMIT 1", (cell_id, year))
        return _vote(row) if row else None

    async def close(self, vote_id: int, now: datetime) -> bool:
        return await self.db.execute(
            "UPDATE cell_votes SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
            (to_db_time(now), vote_id)) == 1

    async def cast(self, vote_id: int, voter_id: int, candidate_id: int, level: str) -> bool:
        """One vote, counted once; False if this voter already voted on this candidate
        or the vote is closed."""
        async with self.db.transaction() as tx:
            still_open = await tx.fetchone(
                "SELECT 1 FROM cell_votes WHERE id = ? AND closed_at IS NULL", (vote_id,))
            if still_open is None:
                return False
            if await tx.execute(
                "INSERT INTO cell_vote_ballots (vote_id, voter_id, candidate_id)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (vote_id, voter_id, candidate_id),
            ) != 1:
                return False
            await tx.execute(
                "INSERT INTO cell_vote_tallies (vote_id, candidate_id, level, votes)"
                " VALUES (?, ?, ?, 1) ON CONFLICT (vote_id, candidate_id, level)"
                " DO UPDATE SET votes = cell_vote_tallies.votes + 1",
                (vote_id, candidate_id, level))
        return True

    async def voted_on(self, vote_id: int, voter_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT candidate_id FROM cell_vote_ballots WHERE vote_id = ? AND voter_id = ?",
            (vote_id, voter_id))
        return {row[0] for row in rows}

    async def voters(self, vote_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT count(DISTINCT voter_id) FROM cell_vote_ballots WHERE vote_id = ?",
            (vote_id,))
        return int(row[0]) if row else 0

    async def tally(self, vote_id: int) -> dict[int, dict[str, int]]:
        rows = await self.db.fetchall(
            "SELECT candidate_id, level, votes FROM cell_vote_tallies WHERE vote_id = ?",
            (vote_id,))
        result: dict[int, dict[str, int]] = {}
        for row in rows:
            result.setdefault(row["candidate_id"], {})[row["level"]] = row["votes"]
        return result
