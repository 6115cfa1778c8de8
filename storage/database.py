"""What the repositories need from a database, whatever engine is underneath.

storage/db.py implements it on SQLite, storage/pg.py on PostgreSQL (asyncpg, chosen by a
postgresql:// URL), without the repositories' callers knowing. Repositories write portable SQL
where it is cheap (`ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING id`), and the points an
implementation must translate or provide are these:

- placeholders: repositories write `?`; asyncpg wants `$1, $2, …` (translate once per
  statement text and cache it; `?` never appears inside our string literals);
- upserts: `ON CONFLICT (cols) DO UPDATE SET … = excluded.…` is the same on both, but
  PostgreSQL needs the conflict target to be a unique index it can infer;
- types: timestamps are stored as UTC ISO text (`to_db_time`), dates as ISO text and
  booleans as 0/1 integers, so the same columns work as TEXT/INTEGER on PostgreSQL;
- functions: `group_concat` (PostgreSQL: `string_agg`), `trim(x, chars)` and `char()`
  (PostgreSQL: `btrim`, `chr`), boolean sums like `sum(status IN (…))` (PostgreSQL:
  `count(*) FILTER (WHERE …)`) — few and all in storage/;
- engine settings: PRAGMA (journal mode, foreign keys, busy timeout) is SQLite's own and
  lives only in storage/db.py; the migration scripts in storage/migrations/ are SQLite
  DDL, so PostgreSQL gets its own numbered scripts with the same numbers and names;
- `executemany` returns the number of rows changed (asyncpg returns nothing: sum the
  statuses, or insert from `unnest` arrays).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Protocol


class Row(Protocol):
    """One result row, read by column name or position (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class IntegrityError(Exception):
    """A constraint refused a write (unique, foreign key, check); the transaction is undone."""


class DatabaseUnavailable(Exception):
    """The database cannot take this now, for a reason outside the request: SQLite locked
    past the busy timeout, full, read-only; PostgreSQL unreachable, the connection lost,
    too many connections, a serialization failure or deadlock. Nothing of the transaction
    was kept: the same request may simply be made again in a moment."""


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer kiemdiem than this one."""


class Transaction(Protocol):
    """Statements inside one write transaction: all of them are kept, or none."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement per row; returns the number of rows changed in total."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query (or of `INSERT … RETURNING id`), seeing this
        transaction's own writes."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Locks(Protocol):
    """Named locks held by this process against the other processes on the database (see
    storage/locks.py). `shared` is False where one process is all there can be (SQLite):
    every lock is then granted at once."""

    shared: bool

    async def try_lock(self, key: str) -> bool:
        """Take the lock unless another process holds it; never waits."""
        ...

    async def unlock(self, key: str) -> None: ...


class Database(Protocol):
    dialect: str  # "sqlite" or "postgresql"
    locks: Locks  # coordination between the processes sharing this database

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises
        (or is cancelled). Writers are serialised: one transaction at a time."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement, atomic on its own (cheaper than a one-statement transaction);
        returns the number of rows changed."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """A small read outside any transaction: sees every committed write."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A few rows (one member's, one cell's)."""
        ...

    async def fetchall_bulk(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Many rows (a committee, a campaign): may be read off the event loop."""
        ...

    async def schema_version(self) -> int:
        """The newest migration applied to this database (0: none)."""
        ...

    async def apply_migration(self, version: int, name: str, sql: str, now: datetime) -> None:
        """Run one migration script and record it in `schema_migrations`, atomically."""
        ...

    async def close(self) -> None: ...


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
