"""Small reads run on the event loop through a read-only connection; writes do not."""

import sqlite3

import pytest


async def test_reads_see_each_committed_write_and_cannot_write(db):
    await db.execute("INSERT INTO settings (key, value) VALUES ('k', 'one')")
    assert (await db.fetchone("SELECT value FROM settings WHERE key = 'k'"))["value"] == "one"
    async with db.transaction() as conn:
        await conn.execute("UPDATE settings SET value = 'two' WHERE key = 'k'")
        # not committed yet: readers still see the last committed value
        assert (await db.fetchone("SELECT value FROM settings WHERE key = 'k'"))[0] == "one"
    assert [r[0] for r in await db.fetchall("SELECT value FROM settings")] == ["two"]
    assert [r[0] for r in await db.fetchall_bulk("SELECT value FROM settings")] == ["two"]
    with pytest.raises(sqlite3.OperationalError):
        await db.fetchone("DELETE FROM settings RETURNING key")
