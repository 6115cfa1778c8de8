"""Chat accounts (one per channel user) and their binding to members."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, from_db_time, to_db_time
from storage.models import Account


@dataclass(frozen=True)
class Awaiting:
    """Who the account's next typed message goes to, and since when."""

    capability: str     # e.g. 'secretary', 'campaigns', 'broadcasts'
    argument: str       # what for, as the capability wrote it (a review id, a draft's step)
    since: datetime


def _account(row) -> Account:
    return Account(
        id=row["id"],
        channel=row["channel"],
        external_id=row["external_id"],
        chat_id=row["chat_id"],
        member_id=row["member_id"],
        language=row["language"],
    )


class AccountRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel: str, external_id: str) -> Account | None:
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        return _account(row) if row else None

    async def ensure(self, channel: str, external_id: str, chat_id: str, now: datetime) -> Account:
        """The account for this channel user, created on first contact."""
        account = await self.get(channel, external_id)
        if account is not None and account.chat_id == chat_id:
            return account
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO accounts (channel, external_id, chat_id, created_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (channel, external_id) DO UPDATE SET chat_id = excluded.chat_id",
                (channel, external_id, chat_id, to_db_time(now)),
            )
        account = await self.get(channel, external_id)
        assert account is not None
        return account

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

    async def menu(self, account_id: int) -> list[dict] | None:
        row = await self.db.fetchone("SELECT menu FROM accounts WHERE id = ?", (account_id,))
        return json.loads(row["menu"]) if row and row["menu"] else None

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
        if row is None or row["awaiting"] is None:
            return None
        since = from_db_time(row["awaiting_since"])
        assert since is not None
        return Awaiting(row["awaiting"], row["awaiting_argument"] or "", since)

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
    await conn.execute(
        "UPDATE accounts SET member_id = ?, bound_at = ?, menu = NULL, awaiting = NULL"
        " WHERE id = ?",
        (member_id, to_db_time(now), account_id),
    )
