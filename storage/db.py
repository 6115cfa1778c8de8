"""The SQLite implementation of `storage.database.Database`: one aiosqlite connection per
process (WAL, foreign keys, busy timeout), a writer used from the event loop itself and a
read-only connection for small reads.

Writes go through `transaction()`, a `BEGIN IMMEDIATE` transaction serialised by an
asyncio lock: the write lock is taken at the start so two processes on one file never
deadlock half-way, and coroutines of this process never interleave their transactions.

A small write takes microseconds of SQLite, while each trip to aiosqlite's thread costs
up to the GIL's switch interval (5 ms) when the event loop is busy: at a deadline evening
those trips queued every writer behind the lock for seconds (bench/deadline.py). So a
transaction runs on the loop's own connection (`_direct`) whenever the write lock is free
at once (busy timeout 0): the loop never waits for a lock there. When another process
holds it (an import, `kiemdiem broadcast`), the transaction runs on aiosqlite's thread,
which waits up to the busy timeout. Bulk `executemany` goes to a thread either way, and
the WAL is checkpointed on a thread of its own, never inside a commit on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
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


BULK_ROWS = 50  # an executemany of more rows runs on a thread, not on the event loop
CHECKPOINT_EVERY = 200  # commits on the loop between two checkpoints (on a thread)


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


class DirectTransaction:
    """The same statements on the event loop's own connection, without a thread hop."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        rows = rows if isinstance(rows, list) else list(rows)
        if len(rows) <= BULK_ROWS:
            return self._conn.executemany(sql, rows).rowcount
        work = asyncio.ensure_future(asyncio.to_thread(self._conn.executemany, sql, rows))
        try:
            return (await asyncio.shield(work)).rowcount
        except asyncio.CancelledError:  # the connection is the thread's until it is done
            with contextlib.suppress(Exception):
                await work
            raise

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._conn.execute(sql, tuple(params)).fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._conn.execute(sql, tuple(params)).fetchall()


def _lock_held_elsewhere(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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
        self._direct: sqlite3.Connection | None = None
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        self._commits = 0
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

    def open_direct_writer(self) -> None:
        """The event loop's own writer (see the module's docstring): it never waits for
        a lock (busy timeout 0) and never checkpoints in a commit."""
        if self.path == ":memory:":
            return
        direct = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        direct.row_factory = sqlite3.Row
        direct.execute("PRAGMA busy_timeout = 0")
        direct.execute("PRAGMA foreign_keys = ON")
        direct.execute("PRAGMA synchronous = NORMAL")
        direct.execute("PRAGMA wal_autocheckpoint = 0")
        self._direct = direct

    def _begin_direct(self) -> sqlite3.Connection | None:
        """The loop's writer in a new transaction, or None when another process holds
        the write lock (then the thread waits for it instead)."""
        direct = self._direct
        if direct is None:
            return None
        try:
            direct.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _lock_held_elsewhere(exc):
                return None
            raise
        return direct

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteTransaction | DirectTransaction]:
        # A failed statement undoes the whole transaction, as on PostgreSQL: catch
        # IntegrityError outside the block, never inside it.
        with _errors():
            async with self._write_lock:
                # one turn of the loop for the others, as a thread hop gave: a coroutine
                # writing many times in a row must not keep every other chat waiting
                await asyncio.sleep(0)
                direct = self._begin_direct()
                if direct is not None:
                    try:
                        yield DirectTransaction(direct)
                        direct.commit()
                    except BaseException:
                        if direct.in_transaction:
                            direct.rollback()
                        raise
                    self._committed()
                    return
                await self._begin_on_thread()
                try:
                    yield self._transaction
                except BaseException:
                    await self.conn.rollback()
                    raise
                else:
                    await self.conn.commit()

    async def _begin_on_thread(self) -> None:
        """BEGIN on aiosqlite's thread. Cancelled while it waits for the lock, the BEGIN
        still happens on the thread: it is undone then, or the connection would stay in
        a transaction and refuse every later write ("cannot start a transaction within a
        transaction")."""
        begin = asyncio.ensure_future(self.conn.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await begin
                await self.conn.rollback()
            raise

    def _committed(self) -> None:
        """Every CHECKPOINT_EVERY commits, a passive checkpoint on a thread (the loop's
        writer never checkpoints itself, so the WAL would otherwise only grow)."""
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY or (
                self._checkpointing is not None and not self._checkpointing.done()):
            return
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self.path, isolation_level=None,
                                                 check_same_thread=False)
        self._checkpointing = asyncio.ensure_future(asyncio.to_thread(
            self._checkpointer.execute, "PRAGMA wal_checkpoint(PASSIVE)"))

    # The old name, for code written before the interface (main's accounts.py gained
    # `async with db.write() as conn: await conn.execute(…)` meanwhile): the same
    # transaction. Remove once no branch uses it.
    write = transaction

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        # It still waits for the write lock, so it never lands inside another coroutine's
        # open transaction on this connection.
        async with self._write_lock:
            await asyncio.sleep(0)  # one turn for the others, as in transaction()
            with _errors():
                if self._direct is not None:
                    try:
                        return self._direct.execute(sql, tuple(params)).rowcount
                    except sqlite3.OperationalError as exc:
                        if not _lock_held_elsewhere(exc):
                            raise
                        # another process holds the lock: the thread waits for it
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
        if self._checkpointing is not None:
            with contextlib.suppress(Exception):
                await self._checkpointing
        for name in ("_reader", "_direct", "_checkpointer"):
            connection = getattr(self, name)
            if connection is not None:
                connection.close()
                setattr(self, name, None)
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
        db.open_direct_writer()
    except BaseException:
        await conn.close()
        raise
    return db
