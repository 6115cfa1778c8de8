"""Writes on the event loop's own connection (no trip to aiosqlite's thread) while the lock
is free; aiosqlite's thread when another process holds it; bulk inserts on a thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from storage.db import BULK_ROWS, open_database


@pytest.fixture
async def sqlite_db(tmp_path):
    db = await open_database(tmp_path / "writer.sqlite3")
    yield db
    await db.close()


@pytest.fixture
def thread_trips(sqlite_db, monkeypatch):
    """Counts the calls handed to aiosqlite's thread."""
    trips: list[str] = []
    hand_over = sqlite_db.conn._execute

    async def counted(fn, *args, **kwargs):
        trips.append(getattr(fn, "__name__", "?"))
        return await hand_over(fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_db.conn, "_execute", counted)
    return trips


async def test_a_transaction_and_a_statement_take_no_trip_to_the_thread(sqlite_db,
                                                                        thread_trips):
    async with sqlite_db.transaction() as tx:
        await tx.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        row = await tx.fetchone("SELECT value FROM settings WHERE key = 'a'")
        await tx.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                             [("b", "2"), ("c", "3")])
    await sqlite_db.execute("UPDATE settings SET value = '9' WHERE key = 'c'")
    assert row["value"] == "1"
    assert thread_trips == []
    values = await sqlite_db.fetchall("SELECT key, value FROM settings ORDER BY key")
    assert [tuple(r) for r in values] == [("a", "1"), ("b", "2"), ("c", "9")]


async def test_a_bulk_insert_runs_on_a_thread_not_on_the_loop(sqlite_db):
    read_in: set[int] = set()

    class Rows(list):
        def __iter__(self):
            read_in.add(threading.get_ident())  # where SQLite takes the rows
            return super().__iter__()

    async with sqlite_db.transaction() as tx:
        added = await tx.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                                     Rows((f"k{n}", str(n)) for n in range(BULK_ROWS + 1)))
    assert added == BULK_ROWS + 1
    row = await sqlite_db.fetchone("SELECT count(*) FROM settings")
    assert row[0] == BULK_ROWS + 1
    assert read_in and threading.get_ident() not in read_in


async def test_a_lock_held_by_another_process_is_waited_for_off_the_loop(sqlite_db):
    other = sqlite3.connect(sqlite_db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO settings (key, value) VALUES ('other', 'x')")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with sqlite_db.transaction() as tx:
            await tx.execute("INSERT INTO settings (key, value) VALUES ('mine', 'y')")

    ticker = asyncio.create_task(ticking())
    writing = asyncio.create_task(write())
    while ticks < 5:  # noqa: ASYNC110 (the loop keeps running while the write waits)
        await asyncio.sleep(0.01)
    assert not writing.done()
    other.execute("COMMIT")
    await writing
    ticker.cancel()
    other.close()
    keys = [r[0] for r in await sqlite_db.fetchall("SELECT key FROM settings ORDER BY key")]
    assert keys == ["mine", "other"]


async def test_cancelled_while_waiting_for_the_lock_leaves_the_writer_usable(sqlite_db):
    other = sqlite3.connect(sqlite_db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with sqlite_db.transaction() as tx:
            await tx.execute("INSERT INTO settings (key, value) VALUES ('never', '1')")

    writing = asyncio.create_task(write())
    while not sqlite_db._write_lock.locked():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # by now its BEGIN waits on aiosqlite's thread for the lock
    writing.cancel()
    other.execute("COMMIT")  # the waiting BEGIN goes through now, after the cancel
    with pytest.raises(asyncio.CancelledError):
        await writing
    other.close()
    # the BEGIN was undone: later writes work (were refused: "cannot start a transaction
    # within a transaction", on every write until a restart)
    async with sqlite_db.transaction() as tx:
        await tx.execute("INSERT INTO settings (key, value) VALUES ('later', '2')")
    await sqlite_db.execute("UPDATE settings SET value = '3' WHERE key = 'later'")
    rows = await sqlite_db.fetchall("SELECT key, value FROM settings")
    assert [tuple(r) for r in rows] == [("later", "3")]
