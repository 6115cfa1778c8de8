"""What /healthz and /metrics read: cheap counts over the outbox and the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class Backlog:
    outbox: dict[str, int]  # outbox rows by status (every status present, 0 if none)
    oldest_due: datetime | None  # the earliest not_before of a pending message due by now
    inbox_pending: int


async def ping(db: Database) -> None:
    """A trivial query: raises when the database cannot be reached."""
    await db.fetchone("SELECT 1 AS one")


async def backlog(db: Database, now: datetime, statuses: tuple[str, ...]) -> Backlog:
    counts = dict.fromkeys(statuses, 0)
    for row in await db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status"):
        counts[row["status"]] = int(row["n"])
    # due ones only: a reminder held back for quiet hours is not late
    oldest = await db.fetchone(
        "SELECT MIN(not_before) AS at FROM outbox WHERE status = 'pending' AND not_before <= ?",
        (to_db_time(now),))
    inbox = await db.fetchone("SELECT COUNT(*) AS n FROM inbox WHERE state = 'pending'")
    return Backlog(counts, from_db_time(oldest["at"]) if oldest and oldest["at"] else None,
                   int(inbox["n"]) if inbox else 0)
