"""The durable inbox: every update a platform hands over, stored before it is confirmed
to the platform, handled, then marked done (migration 0013_inbox.sql)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database, to_db_time


@dataclass(frozen=True)
class NewUpdate:
    update_key: str  # Telegram's update_id, Zalo's message_id
    chat_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class InboxRow:
    id: int
    channel: str
    chat_key: str
    payload: dict[str, Any]
    attempts: int = 0  # begun so often before (a crash cut them off)


_COLUMNS = "id, channel, chat_key, payload, attempts"


def _row(row: Any) -> InboxRow:
    return InboxRow(row["id"], row["channel"], row["chat_key"], json.loads(row["payload"]),
                    row["attempts"])


class InboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def store(self, channel: str, updates: Sequence[NewUpdate],
                    now: datetime) -> list[InboxRow]:
        """Store the updates in one transaction; returns the ones that were new, in order
        (an update stored before, delivered again, is left out)."""
        stored: list[InboxRow] = []
        async with self.db.transaction() as tx:
            for update in updates:
                # ASCII: whatever the platform sent (controls, lone surrogates) is stored escaped
                payload = json.dumps(update.payload, ensure_ascii=True)
                if await tx.execute(
                    "INSERT INTO inbox (channel, update_key, chat_key, payload, received_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, update_key) DO NOTHING",
                    (channel, update.update_key, update.chat_key, payload, to_db_time(now)),
                ) != 1:
                    continue
                row = await tx.fetchone(
                    f"SELECT {_COLUMNS} FROM inbox WHERE channel = ? AND update_key = ?",
                    (channel, update.update_key))
                assert row is not None
                stored.append(_row(row))
        return stored

    async def pending(self, channel: str) -> list[InboxRow]:
        """Updates stored but not yet handled to the end, in arrival order."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM inbox WHERE channel = ? AND state = 'pending' ORDER BY id",
            (channel,))
        return [_row(row) for row in rows]

    async def first_pending(self, channel: str) -> list[InboxRow]:
        """The first update not yet handled of each chat that has one."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM inbox WHERE id IN (SELECT min(id) FROM inbox"
            " WHERE channel = ? AND state = 'pending' GROUP BY chat_key) ORDER BY id",
            (channel,))
        return [_row(row) for row in rows]

    async def pending_in_chat(self, channel: str, chat_key: str) -> list[InboxRow]:
        """One chat's updates not yet handled to the end, in arrival order."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM inbox WHERE channel = ? AND chat_key = ?"
            " AND state = 'pending' ORDER BY id", (channel, chat_key))
        return [_row(row) for row in rows]

    async def begin(self, inbox_id: int) -> int:
        """Count one more attempt before handling (a crash during it then counts too);
        returns the attempts so far, this one included."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE inbox SET attempts = attempts + 1 WHERE id = ?",
                             (inbox_id,))
            row = await tx.fetchone("SELECT attempts FROM inbox WHERE id = ?", (inbox_id,))
        return int(row["attempts"]) if row is not None else 0

    async def finish(self, inbox_id: int, *, failed: bool = False) -> None:
        await self.db.execute("UPDATE inbox SET state = ? WHERE id = ?",
                              ("failed" if failed else "done", inbox_id))

    async def state(self, channel: str, update_key: str) -> tuple[str, int] | None:
        """(state, attempts) of one update, None if it was never stored."""
        row = await self.db.fetchone(
            "SELECT state, attempts FROM inbox WHERE channel = ? AND update_key = ?",
            (channel, update_key))
        return (row["state"], int(row["attempts"])) if row is not None else None

    async def prune(self, before: datetime) -> int:
        """Forget handled updates received before `before` (then a redelivery of one would
        be new again: keep days, platforms redeliver within minutes)."""
        return await self.db.execute(
            "DELETE FROM inbox WHERE state != 'pending' AND received_at < ?",
            (to_db_time(before),))
