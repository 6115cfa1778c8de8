import sqlite3

import pytest

from storage.db import SchemaTooNewError, migrations, open_database


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
    async with old.write() as conn:
        await conn.execute(
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
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO committees (name, created_at) VALUES (?, ?)",
                    ("X", "2025-01-01T00:00:00.000000Z"),
                )
                raise RuntimeError("boom")
        assert (await db.fetchone("SELECT count(*) FROM committees"))[0] == 0
    finally:
        await db.close()
