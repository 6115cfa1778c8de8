"""One aiosqlite connection per process: WAL, foreign keys, busy timeout, migrations.

Writes go through `Database.write()`, a `BEGIN IMMEDIATE` transaction serialised by an
asyncio lock: the write lock is taken at the start so two processes on one file never
deadlock half-way, and coroutines of this process never interleave their transactions.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer kiemdiem than this one."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db_time(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO strings that sort as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage; pass an aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)  # reads the trailing Z as UTC; strptime is slow


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every numbered migration, in order."""
    found = []
    folder = resources.files("storage") / "migrations"
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name}: expected number {expected:04d}")
    return found


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None

    def open_reader(self) -> None:
        """A second, read-only connection used from the event loop itself.

        A small read on a WAL database takes microseconds, far less than the hand-over to
        aiosqlite's thread and back; it never waits for writers and sees every committed
        write. Big reads (whole committees) go through `fetchall_bulk` on the thread.
        """
        if self.path == ":memory:":
            return
        reader = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                 check_same_thread=False)
        reader.row_factory = sqlite3.Row
        reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        reader.execute("PRAGMA foreign_keys = ON")  # same settings as the writer
        self._reader = reader

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def write_one(self, sql: str, params: Iterable[Any] = ()) -> int:
        """A single statement, atomic on its own: one trip instead of begin/execute/commit.

        It still waits for the write lock, so it never lands inside another coroutine's
        open transaction on this connection. Returns the number of rows changed.
        """
        async with self._write_lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return cursor.rowcount

    # One trip to aiosqlite's thread per query (a cursor would take three: execute,
    # fetch, close); the hand-over between threads is most of the cost of a small query.
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        if self._reader is not None:
            return self._reader.execute(sql, tuple(params)).fetchone()
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """A few rows (one member's, one cell's): read on the event loop."""
        if self._reader is not None:
            return self._reader.execute(sql, tuple(params)).fetchall()
        return await self.fetchall_bulk(sql, params)

    async def fetchall_bulk(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Many rows (a committee, a campaign): read on the database thread."""
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        await self.conn.close()


async def _migrate(db: Database, upto: int | None) -> None:
    known = migrations()
    latest = known[-1][0] if known else 0
    current = await db.schema_version()
    if current > latest:
        raise SchemaTooNewError(
            f"The database {db.path} has schema version {current}, but this kiemdiem knows "
            f"versions up to {latest}. Upgrade kiemdiem (or use a backup made by this version)."
        )
    target = latest if upto is None else min(upto, latest)
    for version, _name, sql in known:
        if current < version <= target:
            # executescript() commits first, so the statements and the version bump are
            # wrapped in one explicit transaction inside the script itself.
            try:
                await db.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                )
            except BaseException:
                if db.conn.in_transaction:
                    await db.conn.rollback()
                raise


async def open_database(path: str | Path, *, upto: int | None = None) -> Database:
    """Open (creating if needed) and upgrade the database; `upto` is for tests only."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        db = Database(conn, path)
        await _migrate(db, upto)
        db.open_reader()
    except BaseException:
        await conn.close()
        raise
    return db
