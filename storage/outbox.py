"""The persistent outbox: messages the bot sends on its own, one row per recipient.

Producers (broadcasts, reminders, alerts) only `enqueue`; a sender drains the table.
`dedup_key` is unique, so enqueuing the same message twice, from a restarted run or a
second process, is a no-op: that is what makes every send happen at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, Row, Transaction, from_db_time, to_db_time

STATUSES = ("pending", "sending", "sent", "failed", "unreachable", "expired")


@dataclass(frozen=True, slots=True)  # slots: built 2x faster (66,000 in a reminder run)
class OutMessage:
    dedup_key: str
    kind: str
    payload: str                 # JSON text made by conversations.core.outgoing.encode_reply
    member_id: int | None = None
    channel: str | None = None   # None: the member has no chat account → 'unreachable'
    chat_id: str | None = None
    ref_id: int | None = None
    attachment_id: int | None = None
    not_before: datetime | None = None  # None: as soon as possible
    expires_at: datetime | None = None  # no longer worth sending; None: by kind (sender)
    shared: bool = False         # the same payload goes to many: stored once (outbox_payloads)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedup_key: str
    kind: str
    ref_id: int | None
    member_id: int | None
    channel: str | None
    chat_id: str | None
    payload: str
    attachment_id: int | None
    status: str
    attempts: int
    not_before: datetime
    error: str | None
    sent_at: datetime | None
    created_at: datetime
    expires_at: datetime | None = None  # None: the sender's lifetime for the kind


async def shared_payloads(reader: Database | Transaction, rows: Iterable[Row]) -> dict[int, str]:
    """The texts of these outbox rows that are stored once for many (payload_id), by id."""
    ids = sorted({r["payload_id"] for r in rows if r["payload_id"] is not None})
    if not ids:
        return {}
    found = await reader.fetchall(
        f"SELECT id, payload FROM outbox_payloads WHERE id IN ({','.join('?' * len(ids))})", ids,
    )
    return {r["id"]: r["payload"] for r in found}


def outbox_row(row: Row, shared: Mapping[int, str]) -> OutboxRow:
    """An outbox row with its text: its own, or the shared one it points at."""
    payload = row["payload"] if row["payload_id"] is None else shared[row["payload_id"]]
    return OutboxRow(
        id=row["id"], dedup_key=row["dedup_key"], kind=row["kind"], ref_id=row["ref_id"],
        member_id=row["member_id"], channel=row["channel"], chat_id=row["chat_id"],
        payload=payload, attachment_id=row["attachment_id"], status=row["status"],
        attempts=row["attempts"], not_before=from_db_time(row["not_before"]),
        error=row["error"], sent_at=from_db_time(row["sent_at"]),
        created_at=from_db_time(row["created_at"]), expires_at=from_db_time(row["expires_at"]),
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, messages: Iterable[OutMessage], now: datetime) -> int:
        """Write the messages in one transaction; returns how many were new."""
        async with self.db.transaction() as tx:
            return await insert_messages(tx, messages, now)

    async def add_attachment(self, filename: str, content: bytes, now: datetime) -> int:
        async with self.db.transaction() as conn:
            return int((await conn.fetchone(
                "INSERT INTO attachments (filename, content, created_at) VALUES (?, ?, ?)"
                " RETURNING id", (filename, content, to_db_time(now)),
            ))[0])

    async def get(self, dedup_key: str) -> OutboxRow | None:
        rows = await self.db.fetchall("SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,))
        shared = await shared_payloads(self.db, rows)
        return outbox_row(rows[0], shared) if rows else None

    async def of_ref(self, kind: str, ref_id: int) -> list[OutboxRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE kind = ? AND ref_id = ? ORDER BY id", (kind, ref_id)
        )
        shared = await shared_payloads(self.db, rows)
        return [outbox_row(r, shared) for r in rows]

    async def counts(self, kind: str, ref_id: int) -> dict[str, int]:
        """Recipients per status, every status present (0 when none)."""
        rows = await self.db.fetchall(
            "SELECT status, count(*) AS n FROM outbox WHERE kind = ? AND ref_id = ?"
            " GROUP BY status", (kind, ref_id),
        )
        found = {r["status"]: r["n"] for r in rows}
        return {status: found.get(status, 0) for status in STATUSES}


async def insert_messages(tx: Transaction, messages: Iterable[OutMessage], now: datetime) -> int:
    """Insert inside the caller's transaction (so a producer can record its own state in
    the same one); returns how many were new."""
    stamp = to_db_time(now)
    messages = list(messages)
    written: dict[datetime, str] = {}  # a run of 100,000 reminders shares a few moments

    def db_time(moment: datetime | None, default: str | None) -> str | None:
        if moment is None:
            return default
        if moment not in written:
            written[moment] = to_db_time(moment)
        return written[moment]

    shared: dict[str, int] = {}  # a shared text → its outbox_payloads id, written once
    for text in dict.fromkeys(m.payload for m in messages if m.shared):
        shared[text] = int((await tx.fetchone(
            "INSERT INTO outbox_payloads (payload, created_at) VALUES (?, ?) RETURNING id",
            (text, stamp)))[0])
    rows = [
        (m.dedup_key, m.kind, m.ref_id, m.member_id, m.channel, m.chat_id,
         *(("", shared[m.payload]) if m.shared else (m.payload, None)), m.attachment_id,
         *(("pending", None) if m.chat_id else ("unreachable", "not_linked")),
         db_time(m.not_before, stamp), db_time(m.expires_at, None), stamp, stamp)
        for m in messages
    ]
    return await tx.executemany(
        "INSERT INTO outbox (dedup_key, kind, ref_id, member_id, channel, chat_id,"
        " payload, payload_id, attachment_id, status, error, not_before, expires_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO NOTHING",
        rows,
    )
