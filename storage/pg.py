"""The PostgreSQL implementation of `storage.database.Database` (asyncpg), chosen when
KIEMDIEM_DATABASE_URL is a postgresql:// URL.

The repositories' SQL is written once, for SQLite; `translate` rewrites the few
constructs PostgreSQL spells differently at this boundary (once per statement text,
cached). Migrations are not translated: DDL differs in more ways (identity columns,
BYTEA, constraints altered in place instead of tables rebuilt), so migrations/pg/ holds
PostgreSQL scripts with the same numbers and names.

Writers are serialised as on SQLite: every write transaction first takes one
transaction-scoped advisory lock, so a read-modify-write inside `transaction()` never
loses an update, in this process or another.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from storage.database import DatabaseUnavailable, IntegrityError, Row, to_db_time, utc_now
from storage.locks import PgSessionLocks
from storage.migrate import migrate
from storage.urls import masked

# The key of the advisory lock every write transaction holds (any constant will do;
# this one spells "kiemdiem").
WRITE_LOCK_KEY = 0x6B69656D6469656D
BEGIN_WRITE = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"

_STRING_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?")
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(([^()]*)\)", re.IGNORECASE)
_TRIM = re.compile(r"\btrim\(", re.IGNORECASE)
_CHAR = re.compile(r"\bchar\(([\d,\s]+)\)", re.IGNORECASE)
_SUM_OF_TEST = re.compile(r"\bsum\(([\w.]+\s+(?:NOT\s+)?IN\s*\([^()]*\))\)", re.IGNORECASE)


def _numbered_marks(sql: str) -> str:
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)  # a string literal, kept as it is
        count += 1
        return f"${count}"

    return _STRING_OR_MARK.sub(number, sql)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's spelling of our repositories' SQL → PostgreSQL's."""
    sql = _GROUP_CONCAT.sub(r"string_agg(CAST(\1 AS TEXT), ',')", sql)
    sql = _TRIM.sub("btrim(", sql)
    sql = _CHAR.sub(lambda m: " || ".join(f"chr({c.strip()})" for c in m.group(1).split(",")),
                    sql)
    sql = _SUM_OF_TEST.sub(r"count(*) FILTER (WHERE \1)", sql)
    return _numbered_marks(sql)


def _changed(status: str) -> int:
    """Rows changed, from a command tag: 'INSERT 0 3', 'UPDATE 2', 'SELECT 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def _setup_connection(conn: asyncpg.Connection) -> None:
    # Text columns accept what SQLite accepted: numbers and dates written as text
    # (an id kept in `awaiting_argument`, an ISO date).
    await conn.set_type_codec("text", schema="pg_catalog", format="text",
                              encoder=str, decoder=lambda text: text)


# "Cannot take this now": the server unreachable or gone, too many connections, a disk
# full, an administrator's shutdown, a serialization failure or deadlock (the transaction
# was undone; the person sends again, as after SQLite's "database is locked").
_UNAVAILABLE = (OSError, TimeoutError, asyncpg.PostgresConnectionError,
                asyncpg.InsufficientResourcesError, asyncpg.OperatorInterventionError,
                asyncpg.SerializationError, asyncpg.DeadlockDetectedError,
                asyncpg.ReadOnlySQLTransactionError)


def unavailable(exc: BaseException) -> bool:
    # asyncpg's InterfaceError when the connection was lost under us: "connection is
    # closed", or the pool took the dead connection back ("released back to the pool")
    return isinstance(exc, _UNAVAILABLE) or (
        isinstance(exc, asyncpg.InterfaceError)
        and any(words in str(exc) for words in ("closed", "released back to the pool")))


def _translated(exc: BaseException) -> BaseException:
    """asyncpg's errors as the interface's (storage/database.py), others as they are."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(str(exc))
    if unavailable(exc):
        return DatabaseUnavailable(type(exc).__name__)
    return exc


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raised = _translated(exc)
        if raised is exc:
            raise
        raise raised from exc


class PgTransaction:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self._conn.execute(translate(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        # asyncpg's executemany reports no counts; the statement is prepared once anyway
        statement = translate(sql)
        return sum([_changed(await self._conn.execute(statement, *row)) for row in rows])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._conn.fetchrow(translate(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._conn.fetch(translate(sql), *params)


class PgDatabase:
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.path = url  # what opens it again (as SQLiteDatabase.path); holds the password
        self.label = masked(url)  # what may be shown
        self.locks = PgSessionLocks(url)  # several processes may share this database
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTransaction]:
        # One writer per process waits for the advisory lock: the others wait here without
        # a connection, so reads made inside a transaction always find a free one.
        with _errors():
            async with self._write_lock, self.pool.acquire() as conn:
                await conn.execute(BEGIN_WRITE)
                try:
                    yield PgTransaction(conn)
                except BaseException:
                    await self._rollback(conn)
                    raise
                else:
                    try:
                        await conn.execute("COMMIT")
                    except BaseException:  # a deferred constraint refused at commit
                        await self._rollback(conn)
                        raise

    write = transaction  # the old name, as on SQLiteDatabase

    @staticmethod
    async def _rollback(conn: asyncpg.Connection) -> None:
        try:
            await conn.execute("ROLLBACK")
        except BaseException:
            with suppress(asyncpg.InterfaceError):  # lost already: the pool took it back
                conn.terminate()  # the pool replaces it; the server undoes the transaction
            raise

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        # In a write transaction of its own, so it waits for (and never slips inside)
        # another writer's read-modify-write, as on SQLite.
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with _errors():
            return await self.pool.fetchrow(translate(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with _errors():
            return await self.pool.fetch(translate(sql), *params)

    fetchall_bulk = fetchall

    async def schema_version(self) -> int:
        if await self.pool.fetchval("SELECT to_regclass('schema_migrations')") is None:
            return 0
        return await self.pool.fetchval("SELECT max(version) FROM schema_migrations") or 0

    async def apply_migration(self, version: int, name: str, sql: str, now: datetime) -> None:
        async with self.transaction() as tx:
            await tx._conn.execute(sql)  # the script as it is: several statements, no `?`
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, to_db_time(now)),
            )

    async def close(self) -> None:
        await self.locks.close()  # this process's advisory locks go with it
        await self.pool.close()


async def open_pg_database(url: str, *, upto: int | None = None,
                           max_connections: int = 10) -> PgDatabase:
    """Connect (a pool) and upgrade the schema; `upto` is for tests only."""
    with _errors():
        pool = await asyncpg.create_pool(url, min_size=1, max_size=max_connections,
                                         init=_setup_connection)
    db = PgDatabase(pool, url)
    try:
        await migrate(db, db.label, utc_now(), upto, dialect=PgDatabase.dialect)
    except BaseException:
        await pool.close()
        raise
    return db
