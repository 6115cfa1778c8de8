"""Chat accounts (one per channel user) and their binding to members."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from storage.database import Database, from_db_time, to_db_time
from storage.models import Account, Awaiting


def _account(row) -> Account:
    return Account(
        id=row["id"],
        channel=row["channel"],
        external_id=row["external_id"],
        chat_id=row["chat_id"],
        member_id=row["member_id"],
        language=row["language"],
        awaiting=_awaiting(row),
        menu=json.loads(row["menu"]) if row["menu"] else None,
    )


def _awaiting(row) -> Awaiting | None:
    if row["awaiting"] is None:
        return None
    since = from_db_time(row["awaiting_since"])
    assert since is not None
    return Awaiting(row["awaiting"], row["awaiting_argument"] or "", since)


# THE rule for where the bot writes to a member on its own (alerts, reminders, digests,
# announcements), never to two accounts: an account that has not blocked the bot, then
# the channel the member chose (members.notify_channel), then the one used last, then the
# newest. Terms over accounts `a` joined to their members `p`; CHOSEN_ACCOUNT is the id
# for the member row `m` of the query it is put in.
# (Portable SQL: CASE rather than SQLite's `x IS y` on text; coalesce so that an
# account never seen sorts last on PostgreSQL too, where NULLs come first in DESC.)
_PREFERENCE = ("CASE WHEN a.blocked_at IS NULL THEN 1 ELSE 0 END",
               "CASE WHEN a.channel = p.notify_channel THEN 1 ELSE 0 END",
               "coalesce(a.last_seen_at, '')", "a.id")
BEST_LAST = ", ".join(_PREFERENCE)
BEST_FIRST = ", ".join(f"{term} DESC" for term in _PREFERENCE)
CHOSEN_ACCOUNT = ("(SELECT a.id FROM accounts a JOIN members p ON p.id = a.member_id"
                  f" WHERE a.member_id = m.id ORDER BY {BEST_FIRST} LIMIT 1)")
CHANNELS = ("telegram", "zalo")  # what a member may choose; None: the channel used last
_CHUNK = 500  # members per IN (...) list

# The account's row, and when the member's other accounts were last used: last_seen_at is
# written only when this account is not already the latest (at most one write a message).
_GET = ("SELECT a.*, (SELECT max(o.last_seen_at) FROM accounts o WHERE o.member_id ="
        " a.member_id AND o.id != a.id) AS others_seen FROM accounts a"
        " WHERE a.channel = ? AND a.external_id = ?")


def _seen_stamp(now: datetime, others_seen: str | None) -> str:
    """Now, or just after the member's other accounts when clocks tie or step back, so
    the account a message came from is always the latest."""
    stamp = to_db_time(now)
    if others_seen is not None and others_seen >= stamp:
        later = from_db_time(others_seen)
        assert later is not None
        stamp = to_db_time(later + timedelta(microseconds=1))
    return stamp


class AccountRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel: str, external_id: str) -> Account | None:
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        return _account(row) if row else None

    async def ensure(self, channel: str, external_id: str, chat_id: str, now: datetime) -> Account:
        """The account for this channel user, created on first contact; marked as the one
        its member used last when it was not already (the only write, and only then)."""
        row = await self.db.fetchone(_GET, (channel, external_id))
        if row is not None and row["chat_id"] == chat_id:
            seen = row["last_seen_at"]
            if seen is not None and (row["others_seen"] is None or seen > row["others_seen"]):
                return _account(row)
            await self.db.execute("UPDATE accounts SET last_seen_at = ? WHERE id = ?",
                                  (_seen_stamp(now, row["others_seen"]), row["id"]))
            return _account(row)
        stamp = _seen_stamp(now, row["others_seen"] if row else None)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO accounts (channel, external_id, chat_id, created_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO UPDATE SET"
                " chat_id = excluded.chat_id, last_seen_at = excluded.last_seen_at",
                (channel, external_id, chat_id, to_db_time(now), stamp),
            )
        account = await self.get(channel, external_id)
        assert account is not None
        return account

    async def chat_accounts(self, member_ids: list[int]) -> dict[int, Account]:
        """The one account the bot writes to for each member (those with any)."""
        found: dict[int, Account] = {}
        for start in range(0, len(member_ids), _CHUNK):
            chunk = member_ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT ca.* FROM members m JOIN accounts ca ON ca.id = {CHOSEN_ACCOUNT}"
                f" WHERE m.id IN ({marks})", chunk,
            )
            found.update((r["member_id"], _account(r)) for r in rows)
        return found

    async def chat_account(self, member_id: int) -> Account | None:
        return (await self.chat_accounts([member_id])).get(member_id)

    async def notify_channel(self, member_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT notify_channel FROM members WHERE id = ?", (member_id,))
        return row["notify_channel"] if row else None

    async def set_notify_channel(self, member_id: int, channel: str | None) -> None:
        """The channel the member wants messages on; None: the one they used last."""
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        await self.db.execute(
            "UPDATE members SET notify_channel = ? WHERE id = ?", (channel, member_id))

    async def of_member(self, member_id: int) -> list[Account]:
        rows = await self.db.fetchall(
            "SELECT * FROM accounts WHERE member_id = ? ORDER BY id", (member_id,)
        )
        return [_account(r) for r in rows]

    async def bound_members(self, member_ids: list[int]) -> set[int]:
        """Which of these members have at least one chat account."""
        if not member_ids:
            return set()
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            f"SELECT DISTINCT member_id FROM accounts WHERE member_id IN ({marks})", member_ids
        )
        return {row["member_id"] for row in rows}

    async def set_language(self, account_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE accounts SET language = ? WHERE id = ?", (language, account_id)
            )

    async def bind(self, account_id: int, member_id: int, now: datetime) -> None:
        """Bind directly (demo and tests); real users bind through InviteRepo.redeem."""
        async with self.db.transaction() as conn:
            await bind_in_transaction(conn, account_id, member_id, now)

    async def set_menu(self, account_id: int, menu: list[dict] | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE accounts SET menu = ? WHERE id = ?",
                (json.dumps(menu, ensure_ascii=False) if menu else None, account_id),
            )

    async def awaiting(self, account_id: int) -> Awaiting | None:
        row = await self.db.fetchone(
            "SELECT awaiting, awaiting_argument, awaiting_since FROM accounts WHERE id = ?",
            (account_id,),
        )
        return _awaiting(row) if row is not None else None

    async def set_awaiting(self, account_id: int, capability: str, argument: str,
                           now: datetime) -> None:
        await self.db.execute(
            "UPDATE accounts SET awaiting = ?, awaiting_argument = ?, awaiting_since = ?"
            " WHERE id = ?",
            (capability, argument, to_db_time(now), account_id),
        )

    async def clear_awaiting(self, account_id: int) -> None:
        await self.db.execute(
            "UPDATE accounts SET awaiting = NULL, awaiting_argument = NULL,"
            " awaiting_since = NULL WHERE id = ? AND awaiting IS NOT NULL",
            (account_id,),
        )


async def bind_in_transaction(conn, account_id: int, member_id: int, now: datetime) -> None:
    # A member keeps one account per channel: binding a new phone releases the old one.
    await conn.execute(
        "UPDATE accounts SET member_id = NULL, bound_at = NULL, menu = NULL, awaiting = NULL"
        " WHERE member_id = ? AND channel = (SELECT channel FROM accounts WHERE id = ?)"
        " AND id != ?",
        (member_id, account_id, account_id),
    )
    # the account that sends the code is the one in use: it becomes the member's latest
    others = await conn.fetchone(
        "SELECT max(last_seen_at) FROM accounts WHERE member_id = ? AND id != ?",
        (member_id, account_id),
    )
    await conn.execute(
        "UPDATE accounts SET member_id = ?, bound_at = ?, menu = NULL, awaiting = NULL,"
        " last_seen_at = ? WHERE id = ?",
        (member_id, to_db_time(now), _seen_stamp(now, others[0]), account_id),
    )
