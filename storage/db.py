"""The SQLite implementation of `storage.database.Database`: one aiosqlite connection per
process (WAL, foreign keys, busy timeout) and a read-only connection for small reads.

Writes go through `transaction()`, a `BEGIN IMMEDIATE` transaction serialised by an
asyncio lock: the write lock is taken at the start so two processes on one file never
deadlock half-way, and coroutines of this process never interleave their transactions.
Every statement is one trip to aiosqlite's thread (a cursor would take three: execute,
fetch, close); the hand-over between threads is most of the cost of a small query.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import (
    Database,
    DatabaseUnavailable,
    IntegrityError,
    Row,
    SchemaTooNewError,
    from_db_time,
    to_db_time,
    utc_now,
)
from storage.locks import LocalLocks
from storage.migrate import migrate, migrations
from storage.urls import is_postgres_url

# Re-exported: bot/, handlers/ and tests import them from here.
__all__ = ["Database", "IntegrityError", "SQLiteDatabase", "SchemaTooNewError", "from_db_time",
           "migrations", "open_database", "to_db_time", "utc_now"]

BUSY_TIMEOUT_MS = 5000
# sqlite3.OperationalError texts of a database that cannot take this for now
_UNAVAILABLE = ("locked", "busy", "disk is full", "disk i/o", "readonly", "read-only")


class OperationalError(DatabaseUnavailable, sqlite3.OperationalError):
    """SQLite cannot take this now (locked past the busy timeout, full, read-only, I/O):
    the interface's DatabaseUnavailable, still a sqlite3.OperationalError by its type."""


@contextmanager
def _errors() -> Iterator[None]:
    """sqlite3's errors as the interface's: IntegrityError, DatabaseUnavailable."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        if isinstance(exc, DatabaseUnavailable) or not any(
                word in str(exc).lower() for word in _UNAVAILABLE):
            raise
        raise OperationalError(str(exc)) from exc


class SQLiteTransaction:
    """The statements of one `BEGIN IMMEDIATE` transaction on the writer connection."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return (await self._conn.execute(sql, tuple(params))).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        # sqlite3 sums the changes of every row (0 for a row skipped by ON CONFLICT)
        return (await self._conn.executemany(sql, rows)).rowcount

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # execute_fetchall steps the statement to its end, so `INSERT … RETURNING` is done
        return next(iter(await self._conn.execute_fetchall(sql, tuple(params))), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))


class SQLiteDatabase:
    dialect = "sqlite"
    locks = LocalLocks()  # one process per database file

    def __init__(self, conn: aiosqlite.Connection, path: str,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout_ms = int(busy_timeout_ms)
        self._write_lock = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None
        self._transaction = SQLiteTransaction(conn)

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
        reader.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        reader.execute("PRAGMA foreign_keys = ON")  # same settings as the writer
        self._reader = reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteTransaction]:
        # A failed statement undoes the whole transaction, as on PostgreSQL: catch
        # IntegrityError outside the block, never inside it.
        with _errors():
            async with self._write_lock:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._transaction
                except BaseException:
                    await self.conn.rollback()
                    raise
                else:
                    await self.conn.commit()

    # The old name, for code written before the interface (main's accounts.py gained
    # `async with db.write() as conn: await conn.execute(…)` meanwhile): the same
    # transaction. Remove once no branch uses it.
    write = transaction

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        # It still waits for the write lock, so it never lands inside another coroutine's
        # open transaction on this connection.
        async with self._write_lock:
            with _errors():
                return (await self.conn.execute(sql, tuple(params))).rowcount

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with _errors():
            if self._reader is not None:
                return self._reader.execute(sql, tuple(params)).fetchone()
            rows = await self.conn.execute_fetchall(sql, tuple(params))
            return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with _errors():
            if self._reader is not None:
                return self._reader.execute(sql, tuple(params)).fetchall()
        return await self.fetchall_bulk(sql, params)

    async def fetchall_bulk(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with _errors():
            return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def schema_version(self) -> int:
        """The newest recorded migration, or, for a database made before
        `schema_migrations` existed, its `PRAGMA user_version`."""
        legacy = await self.fetchone("PRAGMA user_version")
        has_table = await self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        recorded = None
        if has_table:
            recorded = await self.fetchone("SELECT max(version) FROM schema_migrations")
        return max(legacy[0] if legacy else 0, (recorded[0] if recorded else None) or 0)

    async def apply_migration(self, version: int, name: str, sql: str, now: datetime) -> None:
        # executescript() commits first, so the statements, the record and the version
        # bump are wrapped in one explicit transaction inside the script itself. The
        # user_version is kept in step so that older kiemdiem releases, which read only
        # that, still refuse a database this one upgraded.
        quoted = name.replace("'", "''")
        async with self._write_lock:
            try:
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\n;"
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    f" VALUES ({int(version)}, '{quoted}', '{to_db_time(now)}');\n"
                    f"PRAGMA user_version = {int(version)};\nCOMMIT;"
                )
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.rollback()
                raise

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        await self.conn.close()


async def open_database(
    path: str | Path, *, upto: int | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> SQLiteDatabase:
    """Open (creating if needed) and upgrade the database; `upto` is for tests only.
    A postgresql:// URL opens PostgreSQL instead (storage/pg.py).

    `busy_timeout_ms`: how long a write waits for another process's lock before the
    person is told to send again (KIEMDIEM_BUSY_TIMEOUT_MS)."""
    path = str(path)
    if is_postgres_url(path):
        from storage.pg import open_pg_database  # asyncpg is loaded only when used

        return await open_pg_database(path, upto=upto)  # type: ignore[return-value]
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        db = SQLiteDatabase(conn, path, busy_timeout_ms)
        await migrate(db, path, utc_now(), upto)
        db.open_reader()
    except BaseException:
        await conn.close()
        raise
    return db
