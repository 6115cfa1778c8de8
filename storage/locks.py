"""Locks between the processes that share one database.

SQLite serves one process per database file (the single writer connection, the sender's
start-up release): `LocalLocks` grants everything. PostgreSQL may be shared by several bot
processes: `PgSessionLocks` holds session-level advisory locks on one connection of its own,
so a process that dies (SIGKILL, the machine lost) lets go of every lock at once, when the
server sees its connection close; no lease to wait for. Used for "one process serves this
chat" (handlers/inbox.py) and "one process runs this scheduled job" (bot/schedule.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from storage.database import DatabaseUnavailable, Locks

if TYPE_CHECKING:
    import asyncpg


log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def held(locks: Locks, key: str) -> AsyncIterator[bool]:
    """`async with held(locks, "job:x") as mine:` — mine is False while another process
    holds the lock (then do nothing); the lock is let go after the block."""
    if not await locks.try_lock(key):
        yield False
        return
    try:
        yield True
    finally:
        try:
            await locks.unlock(key)
        except Exception:  # a lost connection let go of it already
            log.warning("%s: the lock went with its connection", key)


class LocalLocks:
    """One process per database: every lock is granted (callers keep their own order)."""

    shared = False

    async def try_lock(self, key: str) -> bool:
        return True

    async def unlock(self, key: str) -> None:
        return None

    async def close(self) -> None:
        return None


def lock_id(key: str) -> int:
    """A name as the signed 64-bit key PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                          signed=True)


class PgSessionLocks:
    """Advisory locks on one dedicated connection (opened at the first use)."""

    shared = True

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: asyncpg.Connection | None = None
        self._guard = asyncio.Lock()  # one query at a time on the connection

    async def try_lock(self, key: str) -> bool:
        return bool(await self._call("SELECT pg_try_advisory_lock($1)", key, connect=True))

    async def unlock(self, key: str) -> None:
        await self._call("SELECT pg_advisory_unlock($1)", key, connect=False)

    async def _call(self, sql: str, key: str, *, connect: bool) -> object:
        import asyncpg  # loaded only with PostgreSQL

        from storage.pg import unavailable

        async with self._guard:
            try:
                if self._conn is None or self._conn.is_closed():
                    if not connect:  # the locks went with the connection that held them
                        log.warning("%s: the lock was lost with its connection", key)
                        return None
                    self._conn = await asyncpg.connect(self._url)
                return await self._conn.fetchval(sql, lock_id(key))
            except Exception as exc:
                if not unavailable(exc):
                    raise
                await self._drop()
                raise DatabaseUnavailable(f"advisory lock: {type(exc).__name__}") from exc

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        async with self._guard:
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    await asyncio.wait_for(conn.close(), 5)
                except Exception:
                    conn.terminate()
