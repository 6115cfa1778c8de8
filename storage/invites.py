"""Invitation codes and the wrong-code counter that slows down guessing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.accounts import bind_in_transaction
from storage.database import Database, Row, from_db_time, to_db_time
from storage.models import Invite


class Redeem(enum.Enum):
    BOUND = "bound"
    ALREADY_BOUND = "already_bound"        # this account already belongs to that member
    OTHER_MEMBER = "other_member"          # this account belongs to someone else
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Released:
    """A chat account that a redeemed code unlinked from its member (the old phone)."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class RedeemResult:
    outcome: Redeem
    member_id: int | None = None
    released: tuple[Released, ...] = ()  # accounts the binding took the member from
    issued_by: int | None = None         # who issued the code (None: the command line)


def _invite(row: Row) -> Invite:
    return Invite(
        code=row["code"],
        member_id=row["member_id"],
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        used_at=from_db_time(row["used_at"]),
        revoked_at=from_db_time(row["revoked_at"]),
    )


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def issue(
        self, member_id: int, code: str, now: datetime, ttl: timedelta,
        issued_by: int | None = None,
    ) -> Invite:
        """A fresh code for the member; their earlier unused codes stop working."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE invites SET revoked_at = ? WHERE member_id = ?"
                " AND used_at IS NULL AND revoked_at IS NULL",
                (to_db_time(now), member_id),
            )
            await tx.execute(
                "INSERT INTO invites (code, member_id, created_at, expires_at, issued_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (code, member_id, to_db_time(now), to_db_time(now + ttl), issued_by),
            )
        invite = await self.get(code)
        assert invite is not None
        return invite

    async def get(self, code: str) -> Invite | None:
        row = await self.db.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
        return _invite(row) if row else None

    async def usable_for_members(self, member_ids: list[int], now: datetime) -> dict[int, Invite]:
        """The newest code of each member that can still be used."""
        if not member_ids:
            return {}
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            f"SELECT * FROM invites WHERE member_id IN ({marks}) AND used_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at",
            (*member_ids, to_db_time(now)),
        )
        return {row["member_id"]: _invite(row) for row in rows}

    async def redeem(self, code: str, account_id: int, now: datetime) -> RedeemResult:
        """Check the code and bind the account in one transaction."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
            if row is None:
                return RedeemResult(Redeem.UNKNOWN)
            invite = _invite(row)
            bound_to = (await tx.fetchone(
                "SELECT member_id FROM accounts WHERE id = ?", (account_id,)
            ))[0]
            if bound_to == invite.member_id:
                return RedeemResult(Redeem.ALREADY_BOUND, invite.member_id)
            if invite.used_at is not None:
                return RedeemResult(Redeem.USED, invite.member_id)
            if invite.revoked_at is not None:
                return RedeemResult(Redeem.REVOKED, invite.member_id)
            if invite.expires_at <= now:
                return RedeemResult(Redeem.EXPIRED, invite.member_id)
            if bound_to is not None:
                return RedeemResult(Redeem.OTHER_MEMBER, bound_to)
            await tx.execute(
                "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ?",
                (to_db_time(now), account_id, code),
            )
            rows = await tx.fetchall(  # the accounts the binding below releases
                "SELECT channel, chat_id FROM accounts WHERE member_id = ? AND id != ?"
                " AND channel = (SELECT channel FROM accounts WHERE id = ?)",
                (invite.member_id, account_id, account_id),
            )
            released = tuple(Released(r["channel"], r["chat_id"]) for r in rows)
            await bind_in_transaction(tx, account_id, invite.member_id, now)
        return RedeemResult(Redeem.BOUND, invite.member_id, released, row["issued_by"])

    # slowing down wrong codes

    async def locked_until(self, channel: str, external_id: str, now: datetime) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT locked_until FROM invite_failures WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        until = from_db_time(row["locked_until"]) if row else None
        return until if until and until > now else None

    async def record_failure(
        self, channel: str, external_id: str, now: datetime, *,
        free_tries: int, window: timedelta, base_lock: timedelta, max_lock: timedelta,
    ) -> datetime | None:
        """Count a wrong code; returns the lock's end once the free tries are used up.

        Each wrong code past `free_tries` in the window doubles the lock, up to `max_lock`.
        """
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT failures, window_start FROM invite_failures"
                " WHERE channel = ? AND external_id = ?",
                (channel, external_id),
            )
            failures = 1
            window_start = now
            if row is not None and from_db_time(row["window_start"]) + window > now:
                failures = row["failures"] + 1
                window_start = from_db_time(row["window_start"])
            locked_until = None
            if failures >= free_tries:
                lock = min(base_lock * (2 ** (failures - free_tries)), max_lock)
                locked_until = now + lock
                # the window lasts at least as long as the lock, so it keeps growing
                window_start = max(window_start, locked_until - window)
            await tx.execute(
                "INSERT INTO invite_failures (channel, external_id, failures, window_start,"
                " locked_until) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (channel, external_id) DO UPDATE SET failures = excluded.failures,"
                " window_start = excluded.window_start, locked_until = excluded.locked_until",
                (channel, external_id, failures, to_db_time(window_start),
                 to_db_time(locked_until) if locked_until else None),
            )
        return locked_until

    # the overall limit per channel

    async def channel_locked_until(self, channel: str, now: datetime) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT locked_until FROM invite_channel_failures WHERE channel = ?", (channel,)
        )
        until = from_db_time(row["locked_until"]) if row else None
        return until if until and until > now else None

    async def record_channel_failure(
        self, channel: str, now: datetime, *, limit: int, window: timedelta, lock: timedelta,
    ) -> datetime | None:
        """Count a wrong code from any account of the channel; at `limit` in one window,
        the channel refuses codes until the returned time."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT failures, window_start FROM invite_channel_failures WHERE channel = ?",
                (channel,),
            )
            failures, window_start = 1, now
            if row is not None and from_db_time(row["window_start"]) + window > now:
                failures, window_start = row["failures"] + 1, from_db_time(row["window_start"])
            locked_until = now + lock if failures >= limit else None
            if locked_until:
                failures, window_start = 0, locked_until  # counting starts again after it
            await tx.execute(
                "INSERT INTO invite_channel_failures (channel, failures, window_start,"
                " locked_until) VALUES (?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET"
                " failures = excluded.failures, window_start = excluded.window_start, locked_until"
                " = coalesce(excluded.locked_until, invite_channel_failures.locked_until)",
                (channel, failures, to_db_time(window_start),
                 to_db_time(locked_until) if locked_until else None),
            )
        return locked_until

    async def clear_failures(self, channel: str, external_id: str) -> None:
        await self.db.execute(
            "DELETE FROM invite_failures WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
