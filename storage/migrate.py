"""Numbered migrations, recorded in `schema_migrations` so any engine can run them.

Each applied script leaves a row (version, name, applied_at). A database made before the
table existed only has SQLite's `PRAGMA user_version`; its implementation reports that
number as its schema version, and the first start records those versions here.
"""

from __future__ import annotations

import re
from datetime import datetime
from importlib import resources

from storage.database import Database, SchemaTooNewError, to_db_time

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)"""


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every numbered migration, in order. PostgreSQL's
    scripts (`dialect="postgresql"`) are in migrations/pg/, with the same numbers and names."""
    found = []
    folder = resources.files("storage") / "migrations"
    if dialect == "postgresql":
        folder = folder / "pg"
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name}: expected number {expected:04d}")
    return found


async def migrate(db: Database, where: str, now: datetime, upto: int | None = None,
                  dialect: str = "sqlite") -> None:
    """Apply the migrations this database lacks; refuse one newer than the code.
    `where` names the database in the error; `upto` is for tests only."""
    known = migrations(dialect)
    latest = known[-1][0] if known else 0
    current = await db.schema_version()
    if current > latest:
        raise SchemaTooNewError(
            f"The database {where} has schema version {current}, but this kiemdiem knows "
            f"versions up to {latest}. Upgrade kiemdiem (or use a backup made by this version)."
        )
    await db.execute(MIGRATIONS_TABLE)
    recorded = {row[0] for row in await db.fetchall("SELECT version FROM schema_migrations")}
    adopted = [(v, name, to_db_time(now)) for v, name, _ in known
               if v <= current and v not in recorded]
    if adopted:  # applied before the table existed
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
                " ON CONFLICT (version) DO NOTHING", adopted,
            )
    target = latest if upto is None else min(upto, latest)
    for version, name, sql in known:
        if current < version <= target:
            await db.apply_migration(version, name, sql, now)
