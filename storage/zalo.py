"""The Zalo message ids already handled: Zalo has no update_id to confirm updates with."""

from __future__ import annotations

from datetime import datetime

from storage.database import Database, to_db_time


class ZaloSeenRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, message_id: str, now: datetime) -> bool:
        """Record the message as handled; False if it was already (a replay)."""
        changed = await self.db.execute(
            "INSERT INTO zalo_seen (message_id, seen_at) VALUES (?, ?)"
            " ON CONFLICT (message_id) DO NOTHING",
            (message_id, to_db_time(now)),
        )
        return changed == 1

    async def prune(self, before: datetime) -> int:
        """Forget ids seen before `before`; returns how many."""
        return await self.db.execute(
            "DELETE FROM zalo_seen WHERE seen_at < ?", (to_db_time(before),)
        )
