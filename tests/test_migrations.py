import sqlite3
from pathlib import Path

import pytest

from storage.db import SchemaTooNewError, migrations, open_database


def legacy_database(path: Path, upto: int) -> None:
    """A database as kiemdiem made it before `schema_migrations`: each script and the
    version in PRAGMA user_version, nothing else."""
    conn = sqlite3.connect(path, isolation_level=None)
    for version, _name, sql in migrations()[:upto]:
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
    conn.execute("INSERT INTO committees (name, created_at) VALUES ('Đảng ủy A', 'x')")
    conn.close()


async def recorded(db) -> list[tuple[int, str]]:
    rows = await db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    return [(r["version"], r["name"]) for r in rows]


async def test_fresh_database_gets_every_migration_and_pragmas(tmp_path):
    db = await open_database(tmp_path / "fresh.sqlite3")
    try:
        assert await db.schema_version() == migrations()[-1][0]
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] >= 1000
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert {"committees", "cells", "members", "accounts", "invites"} <= tables
    finally:
        await db.close()


async def test_older_database_is_upgraded_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = await open_database(path, upto=1)
    assert await old.schema_version() == 1
    async with old.transaction() as tx:
        await tx.execute(
            "INSERT INTO committees (name, created_at) VALUES (?, ?)",
            ("Đảng ủy A", "2025-01-01T00:00:00.000000Z"),
        )
    await old.close()

    db = await open_database(path)
    try:
        assert await db.schema_version() == migrations()[-1][0] > 1
        row = await db.fetchone("SELECT name FROM committees")
        assert row["name"] == "Đảng ủy A"
        await db.fetchone("SELECT count(*) FROM invites")  # the later table exists
    finally:
        await db.close()


async def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(SchemaTooNewError, match=r"999.*Upgrade kiemdiem"):
        await open_database(path)


async def test_write_transaction_rolls_back_on_error(tmp_path):
    db = await open_database(tmp_path / "t.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO committees (name, created_at) VALUES (?, ?)",
                    ("X", "2025-01-01T00:00:00.000000Z"),
                )
                raise RuntimeError("boom")
        assert (await db.fetchone("SELECT count(*) FROM committees"))[0] == 0
    finally:
        await db.close()


@pytest.mark.parametrize("made_upto", [1, len(migrations())])
async def test_database_made_before_the_migrations_table_is_adopted(tmp_path, made_upto):
    path = tmp_path / "legacy.sqlite3"
    legacy_database(path, made_upto)
    known = migrations()
    db = await open_database(path)
    try:
        assert await db.schema_version() == known[-1][0]
        assert await recorded(db) == [(v, name) for v, name, _ in known]
        assert (await db.fetchone("PRAGMA user_version"))[0] == known[-1][0]
        assert (await db.fetchone("SELECT name FROM committees"))[0] == "Đảng ủy A"
    finally:
        await db.close()
    again = await open_database(path)  # a second start changes nothing
    try:
        assert await recorded(again) == [(v, name) for v, name, _ in known]
    finally:
        await again.close()


async def test_database_recording_a_newer_migration_is_refused(tmp_path):
    path = tmp_path / "newer.sqlite3"
    db = await open_database(path)
    await db.execute("INSERT INTO schema_migrations VALUES (999, '0999_future.sql', 'x')")
    await db.close()
    with pytest.raises(SchemaTooNewError, match=r"999.*Upgrade kiemdiem"):
        await open_database(path)
