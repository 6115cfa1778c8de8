"""The sender's side of the outbox: claim due rows, record outcomes, follow chat moves.

A row goes pending → sending (claimed, in one write transaction, with a lease) → sent /
failed / unreachable / expired, or back to pending with a later `not_before` (retry). The
claiming process renews the lease of the rows it still holds; rows whose lease ran out
(their process died) go back to pending at the next claim, by any process, and are sent
(again) — the only possible duplicates, and the reason a dead process's messages wait
for the lease. On SQLite (one process per database) start-up also releases every
'sending' row at once (`release_in_flight`); on PostgreSQL other processes' claims are
live, so only the lease frees them, and the claim skips rows another claimer has locked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.database import Database, Transaction, from_db_time, to_db_time
from storage.outbox import OutboxRow, outbox_row, shared_payloads

# How long a claim holds a row without being renewed: a dead process's messages wait this
# long before another process sends them (a message on the wire when it died then arrives
# twice). The live sender renews its claims well before.
DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Attachment:
    id: int
    filename: str
    content: bytes
    file_ref: str | None  # the platform's id after the first upload


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row."""

    row_id: int
    status: str                      # sent, failed, unreachable, expired, pending (retry)
    error: str | None = None
    not_before: datetime | None = None  # for 'pending'
    chat_id: str | None = None       # the chat it went to, when it moved (ChatMigrated)
    blocked: bool = False            # the person blocked the bot (Forbidden)
    tried: bool = True               # False: not sent at all (expired before, or released)


class SendingRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def release_in_flight(self, now: datetime) -> int:
        """Back to pending what a killed sender had claimed; returns how many. Only where
        one process is all there can be: elsewhere the claims may be another's, live."""
        if self.db.locks.shared:
            return 0
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'sending'",
                (to_db_time(now),),
            )

    async def claim(self, channels: Sequence[str], now: datetime, limit: int,
                    lease: timedelta = DEFAULT_LEASE,
                    held: Collection[int] = ()) -> list[OutboxRow]:
        """Mark up to `limit` due rows of these channels 'sending' until `now + lease` and
        return them, oldest first; announcement rows only when nothing else is due. Rows
        whose lease ran out are due again, except `held` (this sender's own, renewed
        first). One transaction: no other claimer can take the same rows."""
        if not channels:
            return []
        marks = ",".join("?" * len(channels))
        stamp, until = to_db_time(now), to_db_time(now + lease)
        # PostgreSQL: rows another process is claiming at this moment are passed over
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.db.locks.shared else ""
        async with self.db.transaction() as conn:
            await self._renew(conn, held, until)
            await conn.execute(
                "UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'sending'"
                " AND (lease_until IS NULL OR lease_until <= ?)"
                f" AND channel IN ({marks})", (stamp, stamp, *channels),
            )
            # what is not an announcement first (alerts, reminders, replies), then the rest
            rows: list = []
            for only in (" AND kind <> 'broadcast'", ""):
                if len(rows) >= limit:
                    break
                rows += await conn.fetchall(
                    "UPDATE outbox SET status = 'sending', lease_until = ?, updated_at = ?"
                    " WHERE id IN (SELECT id FROM outbox WHERE status = 'pending'"
                    f" AND not_before <= ? AND channel IN ({marks}){only}"
                    f" ORDER BY not_before, id LIMIT ?{skip_locked}) RETURNING *",
                    (until, stamp, stamp, *channels, limit - len(rows)),
                )
        shared = await shared_payloads(self.db, rows)  # texts stored once for many
        return sorted((outbox_row(r, shared) for r in rows), key=lambda r: (r.not_before, r.id))

    async def renew(self, row_ids: Collection[int], until: datetime) -> int:
        """Extend the lease of rows this sender still holds; returns how many."""
        if not row_ids:
            return 0
        async with self.db.transaction() as conn:
            return await self._renew(conn, row_ids, to_db_time(until))

    @staticmethod
    async def _renew(conn: Transaction, row_ids: Collection[int], until: str) -> int:
        if not row_ids:
            return 0
        marks = ",".join("?" * len(row_ids))
        return await conn.execute(
            f"UPDATE outbox SET lease_until = ? WHERE status = 'sending' AND id IN ({marks})",
            (until, *row_ids),
        )

    async def next_due(self, channels: Sequence[str]) -> datetime | None:
        """When the earliest pending row of these channels becomes due."""
        if not channels:
            return None
        marks = ",".join("?" * len(channels))
        row = await self.db.fetchone(
            "SELECT min(not_before) AS due FROM outbox WHERE status = 'pending'"
            f" AND channel IN ({marks})", tuple(channels),
        )
        return from_db_time(row["due"]) if row and row["due"] else None

    async def finish(self, outcomes: Iterable[Outcome], rows: dict[int, OutboxRow],
                     now: datetime) -> None:
        """Record a batch of outcomes in one transaction (attempts counted here)."""
        stamp = to_db_time(now)
        updates, blocked, delivered = [], [], []
        for o in outcomes:
            row = rows[o.row_id]
            chat = (row.channel, o.chat_id or row.chat_id)
            updates.append((o.status, int(o.tried), o.error, chat[1],
                            to_db_time(o.not_before) if o.not_before else None, stamp,
                            stamp if o.status == "sent" else None, o.row_id))
            if o.blocked:
                blocked.append((stamp, *chat))
            elif o.status == "sent":
                delivered.append(chat)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = ?, attempts = attempts + ?, error = ?,"
                " chat_id = ?, not_before = coalesce(?, not_before), updated_at = ?,"
                " sent_at = coalesce(?, sent_at) WHERE id = ?", updates,
            )
            await conn.executemany(
                "UPDATE accounts SET blocked_at = ? WHERE channel = ? AND chat_id = ?", blocked
            )
            if delivered:  # a message got through: whoever was flagged unblocked the bot
                flagged = {(r[0], r[1]) for r in await conn.fetchall(
                    "SELECT channel, chat_id FROM accounts WHERE blocked_at IS NOT NULL"
                )}
                await conn.executemany(
                    "UPDATE accounts SET blocked_at = NULL WHERE channel = ? AND chat_id = ?",
                    [chat for chat in delivered if chat in flagged],
                )

    async def move_chat(self, channel: str, old: str, new: str) -> None:
        """A group became a supergroup: everything addressed to it follows."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET chat_id = ? WHERE channel = ? AND chat_id = ?"
                " AND status IN ('pending', 'sending')", (new, channel, old),
            )
            await conn.execute(
                "UPDATE cell_groups SET chat_id = ? WHERE channel = ? AND chat_id = ?",
                (new, channel, old),
            )
            await conn.execute(
                "UPDATE accounts SET chat_id = ? WHERE channel = ? AND chat_id = ?",
                (new, channel, old),
            )

    async def attachment(self, attachment_id: int) -> Attachment | None:
        row = await self.db.fetchone(
            "SELECT id, filename, content, file_ref FROM attachments WHERE id = ?",
            (attachment_id,),
        )
        if row is None:
            return None
        return Attachment(row["id"], row["filename"], bytes(row["content"]), row["file_ref"])

    async def set_file_ref(self, attachment_id: int, file_ref: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE attachments SET file_ref = ? WHERE id = ?", (file_ref, attachment_id)
            )
