"""Whole-database operations for administrators: an online backup of a SQLite file, and
the copy of a SQLite database into PostgreSQL (`kiemdiem backup`, `kiemdiem migrate-db`).

The copy reads SQLite table by table in foreign-key order (parents first), in batches
keyed on rowid, and writes each batch with one prepared statement on one PostgreSQL
connection; identity counters are then set past the copied ids and every table's row
count is compared. Both databases are at the same schema version (each is migrated when
opened), so their tables and columns are the same.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storage.db import SQLiteDatabase

if TYPE_CHECKING:  # asyncpg is loaded only when PostgreSQL is used
    from storage.pg import PgDatabase

# Bookkeeping each engine keeps for itself: never copied.
NOT_COPIED = {"schema_migrations", "sqlite_sequence"}
BATCH_ROWS = 1000


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size_bytes: int
    tables: int
    rows: int


def backup_sqlite(source: str, target: Path) -> BackupSummary:
    """SQLite's online backup API: a consistent copy even while the bot writes (blocking;
    run it in a thread). The copy is checked with `PRAGMA integrity_check`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    # read-only, by URI (as_uri quotes "?" and "#" a file name may hold)
    src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError(f"the copy in {partial} failed its integrity check")
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            tables = _tables(dst)
            rows = sum(dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return BackupSummary(target, target.stat().st_size, len(tables), rows)


def _tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    return [n for n in names if n not in NOT_COPIED]


async def copy_order(source: SQLiteDatabase) -> list[str]:
    """Every table to copy, each after the tables its foreign keys point to."""
    tables = [r[0] for r in await source.fetchall_bulk(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    tables = [t for t in tables if t not in NOT_COPIED]
    parents = {t: {r["table"] for r in await source.fetchall_bulk(
        f"PRAGMA foreign_key_list(\"{t}\")")} - {t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise RuntimeError("foreign keys form a cycle between: "
                               + ", ".join(t for t in tables if t not in ordered))
        ordered += ready
    return ordered


async def row_counts(db: SQLiteDatabase | PgDatabase, tables: list[str]) -> dict[str, int]:
    return {t: (await db.fetchone(f'SELECT count(*) FROM "{t}"'))[0] for t in tables}


class TargetNotEmptyError(RuntimeError):
    def __init__(self, filled: dict[str, int]) -> None:
        super().__init__(", ".join(f"{t} ({n})" for t, n in filled.items()))
        self.filled = filled


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows


async def copy_to_postgres(
    source: SQLiteDatabase, target: PgDatabase, *, replace: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> list[TableCopy]:
    """Copy every row of `source` into `target` (both migrated to the same version).

    A target that already holds rows is refused (TargetNotEmptyError) unless `replace`,
    which empties it first. Returns the row counts of both sides, table by table."""
    tables = await copy_order(source)
    filled = {t: n for t, n in (await row_counts(target, tables)).items() if n}
    if filled and not replace:
        raise TargetNotEmptyError(filled)
    async with target.pool.acquire() as conn, conn.transaction():
        if filled:
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                               + " RESTART IDENTITY CASCADE")
        for table in tables:
            columns = [r["name"] for r in await source.fetchall_bulk(
                f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            last = None
            while True:
                after = "" if last is None else "WHERE rowid > ?"
                batch = await source.fetchall_bulk(
                    f'SELECT rowid, {names} FROM "{table}" {after} ORDER BY rowid LIMIT ?',
                    (batch_rows,) if last is None else (last, batch_rows))
                if not batch:
                    break
                await conn.executemany(insert, [tuple(row)[1:] for row in batch])
                last = batch[-1][0]
        identity = {r[0] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.columns WHERE is_identity = 'YES'"
            " AND column_name = 'id' AND table_schema = current_schema()")}
        for table in tables:  # identity counters past the copied ids
            if table in identity:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), max(id))"
                    f' FROM "{table}" HAVING max(id) IS NOT NULL')
    before = await row_counts(source, tables)
    after = await row_counts(target, tables)
    return [TableCopy(t, before[t], after[t]) for t in tables]

