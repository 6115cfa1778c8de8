"""Broadcasts, their compositions in progress, and cell group chats."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, Row, from_db_time, to_db_time
from storage.outbox import STATUSES, OutMessage, insert_messages

KIND = "broadcast"


@dataclass(frozen=True)
class Broadcast:
    id: int
    committee_id: int
    author_id: int | None
    text: str
    html: bool
    attachment_id: int | None
    audience: dict
    recipients: int
    report_channel: str | None
    report_chat_id: str | None
    report_message_id: str | None
    report_language: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class CellGroup:
    cell_id: int
    cell_name: str
    channel: str
    chat_id: str
    title: str


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes = b""
    file_ref: str | None = None  # a file the platform already has (forwarded by the admin)


@dataclass(frozen=True)
class Unreached:
    cell_name: str
    full_name: str
    reason: str  # 'not_linked', 'blocked', 'expired', or the last error


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        id=row["id"], committee_id=row["committee_id"], author_id=row["author_id"],
        text=row["text"], html=bool(row["html"]), attachment_id=row["attachment_id"],
        audience=json.loads(row["audience"]), recipients=row["recipients"],
        report_channel=row["report_channel"], report_chat_id=row["report_chat_id"],
        report_message_id=row["report_message_id"], report_language=row["report_language"],
        created_at=from_db_time(row["created_at"]), finished_at=from_db_time(row["finished_at"]),
    )


class BroadcastRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # the composition in progress

    async def draft(self, member_id: int) -> dict | None:
        row = await self.db.fetchone(
            "SELECT state FROM broadcast_drafts WHERE member_id = ?", (member_id,)
        )
        return json.loads(row["state"]) if row else None

    async def save_draft(self, member_id: int, state: dict, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO broadcast_drafts (member_id, state, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (member_id) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            (member_id, json.dumps(state, ensure_ascii=False), to_db_time(now)),
        )

    async def drop_draft(self, member_id: int) -> None:
        await self.db.execute("DELETE FROM broadcast_drafts WHERE member_id = ?", (member_id,))

    # broadcasts

    async def create(
        self, *, committee_id: int, author_id: int | None, text: str, html: bool,
        attachment: NewAttachment | None, audience: dict,
        messages: Callable[[int, int | None], list[OutMessage]],
        report: tuple[str, str, str] | None, now: datetime,
    ) -> tuple[int, int]:
        """The broadcast, its attachment and one outbox row per recipient in ONE
        transaction (the author's draft is dropped in it too). `messages(broadcast_id,
        attachment_id)` makes the rows; `report` is (channel, chat_id, language).
        Returns (broadcast id, rows added)."""
        stamp = to_db_time(now)
        channel, chat_id, language = report or (None, None, "vi")
        async with self.db.transaction() as tx:
            attachment_id = None
            if attachment is not None:
                attachment_id = (await tx.fetchone(
                    "INSERT INTO attachments (filename, content, file_ref, created_at)"
                    " VALUES (?, ?, ?, ?) RETURNING id",
                    (attachment.filename, attachment.content, attachment.file_ref, stamp),
                ))[0]
            broadcast_id = int((await tx.fetchone(
                "INSERT INTO broadcasts (committee_id, author_id, text, html, attachment_id,"
                " audience, recipients, report_channel, report_chat_id, report_language,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id",
                (committee_id, author_id, text, int(html), attachment_id,
                 json.dumps(audience, ensure_ascii=False), channel, chat_id, language, stamp),
            ))[0])
            added = await insert_messages(tx, messages(broadcast_id, attachment_id), now)
            await tx.execute(
                "UPDATE broadcasts SET recipients = ? WHERE id = ?", (added, broadcast_id)
            )
            if author_id is not None:
                await tx.execute(
                    "DELETE FROM broadcast_drafts WHERE member_id = ?", (author_id,)
                )
        return broadcast_id, added

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def recent(self, committee_id: int, limit: int = 10) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE committee_id = ? ORDER BY id DESC LIMIT ?",
            (committee_id, limit),
        )
        return [_broadcast(r) for r in rows]

    async def running(self) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE finished_at IS NULL ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def set_report_message(self, broadcast_id: int, message_id: str) -> None:
        await self.db.execute(
            "UPDATE broadcasts SET report_message_id = ? WHERE id = ?",
            (message_id, broadcast_id),
        )

    async def finish(self, broadcast_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
            (to_db_time(now), broadcast_id),
        )

    async def counts(self, broadcast_id: int, cell_id: int | None = None) -> dict[str, int]:
        """Recipients per status (members and groups; only this cell's when given)."""
        found = {r[0]: r[1] for r in await self._per("o.status", broadcast_id, cell_id)}
        return {status: found.get(status, 0) for status in STATUSES}

    async def sent_by_channel(self, broadcast_id: int, cell_id: int | None = None
                              ) -> dict[str, int]:
        """Deliveries per channel ('telegram', 'zalo'…), the same recipients as counts."""
        return {r[0]: r[1] for r in await self._per("o.channel", broadcast_id, cell_id,
                                                     "o.status = 'sent'")}

    async def _per(self, column: str, broadcast_id: int, cell_id: int | None,
                   condition: str = "1 = 1") -> list[Row]:
        where, params = f"o.kind = ? AND o.ref_id = ? AND {condition}", [KIND, broadcast_id]
        if cell_id is not None:
            where += (" AND (m.cell_id = ? OR (o.member_id IS NULL AND o.chat_id IN"
                      " (SELECT chat_id FROM cell_groups WHERE cell_id = ?)))")
            params += [cell_id, cell_id]
        return await self.db.fetchall(
            f"SELECT {column}, count(*) AS n FROM outbox o LEFT JOIN members m"
            f" ON m.id = o.member_id WHERE {where} GROUP BY {column}", params,
        )

    async def unreached(self, broadcast_id: int, cell_id: int | None = None) -> list[Unreached]:
        """Members the broadcast could not reach (no chat account, blocked, failed)."""
        where, params = "", [KIND, broadcast_id]
        if cell_id is not None:
            where, params = " AND m.cell_id = ?", [*params, cell_id]
        rows = await self.db.fetchall(
            "SELECT c.name AS cell_name, m.full_name, o.status, o.error FROM outbox o"
            " JOIN members m ON m.id = o.member_id JOIN cells c ON c.id = m.cell_id"
            " WHERE o.kind = ? AND o.ref_id = ?"
            " AND o.status IN ('unreachable', 'failed', 'expired')"
            f"{where} ORDER BY c.name, m.full_name", params,
        )
        return [Unreached(r["cell_name"], r["full_name"], _reason(r["status"], r["error"]))
                for r in rows]

    # cell group chats

    async def link_group(self, cell_id: int, channel: str, chat_id: str, title: str,
                         member_id: int, now: datetime) -> None:
        """The cell's group on this channel (replacing an earlier one)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM cell_groups WHERE (cell_id = ? AND channel = ?)"
                " OR (channel = ? AND chat_id = ?)", (cell_id, channel, channel, chat_id),
            )
            await tx.execute(
                "INSERT INTO cell_groups (cell_id, channel, chat_id, title, linked_by,"
                " linked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (cell_id, channel, chat_id, title, member_id, to_db_time(now)),
            )

    async def linked_cell(self, channel: str, chat_id: str) -> int | None:
        """The cell this group chat is linked to, if any."""
        row = await self.db.fetchone(
            "SELECT cell_id FROM cell_groups WHERE channel = ? AND chat_id = ?",
            (channel, chat_id),
        )
        return row["cell_id"] if row else None

    async def groups(self, committee_id: int) -> list[CellGroup]:
        rows = await self.db.fetchall(
            "SELECT g.cell_id, c.name AS cell_name, g.channel, g.chat_id, g.title"
            " FROM cell_groups g JOIN cells c ON c.id = g.cell_id WHERE c.committee_id = ?"
            " ORDER BY c.name", (committee_id,),
        )
        return [CellGroup(r["cell_id"], r["cell_name"], r["channel"], r["chat_id"], r["title"])
                for r in rows]

    async def blocked_members(self, member_ids: list[int]) -> set[int]:
        """Which of these members blocked the bot (their last send got Forbidden)."""
        if not member_ids:
            return set()
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            "SELECT DISTINCT member_id FROM accounts WHERE blocked_at IS NOT NULL"
            f" AND member_id IN ({marks})", member_ids,
        )
        return {r["member_id"] for r in rows}


def _reason(status: str, error: str | None) -> str:
    if error == "not_linked":
        return "not_linked"
    if status == "expired":
        return "expired"
    if status == "unreachable":
        return "blocked"
    return error or status
