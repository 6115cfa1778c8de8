"""What every `storage.database.Database` implementation must do, written against the
interface only: each implementation's opener is in IMPLEMENTATIONS (SQLite, PostgreSQL).

The tests use two tables of the real schema (settings: key/value; committees: an id the
database assigns), so each implementation runs its own migrations first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from storage.database import Database, IntegrityError
from storage.db import open_database
from storage.migrate import migrations
from tests.conftest import new_pg_database

Opener = Callable[[], Awaitable[Database]]


def sqlite_opener(request: pytest.FixtureRequest, folder: Path) -> Opener:
    return lambda: open_database(folder / "conformance.sqlite3")


def postgres_opener(request: pytest.FixtureRequest, folder: Path) -> Opener:
    url: list[str] = []  # one fresh database, every connection to it

    async def open_one() -> Database:
        if not url:
            url.append(await new_pg_database(request))
        return await open_database(url[0])

    return open_one


IMPLEMENTATIONS = [pytest.param(sqlite_opener, id="sqlite"),
                   pytest.param(postgres_opener, id="postgresql")]

STAMP = "2026-01-01T00:00:00.000000Z"
INSERT_SETTING = "INSERT INTO settings (key, value) VALUES (?, ?)"


@pytest.fixture(params=IMPLEMENTATIONS)
async def opener(request, tmp_path) -> AsyncIterator[Opener]:
    """Opens connections to one fresh database; closes them all afterwards."""
    opened: list[Database] = []
    make = request.param(request, tmp_path)

    async def open_one() -> Database:
        opened.append(await make())
        return opened[-1]

    yield open_one
    for database in opened:
        await database.close()


@pytest.fixture
async def database(opener) -> Database:
    return await opener()


async def settings(database: Database) -> dict[str, str]:
    return {r["key"]: r["value"] for r in await database.fetchall("SELECT * FROM settings")}


async def test_a_transaction_keeps_every_statement_or_none(database):
    with pytest.raises(RuntimeError, match="boom"):
        async with database.transaction() as tx:
            await tx.execute(INSERT_SETTING, ("a", "1"))
            await tx.execute(INSERT_SETTING, ("b", "2"))
            raise RuntimeError("boom")
    assert await settings(database) == {}
    async with database.transaction() as tx:
        await tx.execute(INSERT_SETTING, ("a", "1"))
        await tx.execute(INSERT_SETTING, ("b", "2"))
    assert await settings(database) == {"a": "1", "b": "2"}


async def test_a_refused_statement_raises_integrity_error_and_undoes_the_rest(database):
    await database.execute(INSERT_SETTING, ("a", "1"))
    with pytest.raises(IntegrityError):
        async with database.transaction() as tx:
            await tx.execute(INSERT_SETTING, ("b", "2"))
            await tx.execute(INSERT_SETTING, ("a", "again"))
    with pytest.raises(IntegrityError):
        await database.execute(INSERT_SETTING, ("a", "again"))
    assert await settings(database) == {"a": "1"}
    async with database.transaction() as tx:  # the writer is free again
        await tx.execute(INSERT_SETTING, ("c", "3"))
    assert await settings(database) == {"a": "1", "c": "3"}


async def test_a_cancelled_transaction_is_rolled_back_and_frees_the_writer(database):
    inside = asyncio.Event()

    async def stuck() -> None:
        async with database.transaction() as tx:
            await tx.execute(INSERT_SETTING, ("a", "1"))
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await settings(database) == {}
    assert await database.execute(INSERT_SETTING, ("b", "2")) == 1


async def test_statements_return_the_rows_they_changed(database):
    async with database.transaction() as tx:
        assert await tx.executemany(INSERT_SETTING, [("a", "1"), ("b", "1"), ("c", "2")]) == 3
        assert await tx.executemany(
            INSERT_SETTING + " ON CONFLICT (key) DO NOTHING", [("a", "x"), ("d", "3"), ("b", "x")]
        ) == 1
        assert await tx.execute("UPDATE settings SET value = '9' WHERE value = '1'") == 2
        assert await tx.execute("UPDATE settings SET value = '0' WHERE key = 'none'") == 0
    assert await database.execute("DELETE FROM settings WHERE value = '9'") == 2
    assert await settings(database) == {"c": "2", "d": "3"}


async def test_inserts_return_the_ids_the_database_assigned(database):
    insert = "INSERT INTO committees (name, created_at) VALUES (?, ?) RETURNING id"
    async with database.transaction() as tx:
        first = (await tx.fetchone(insert, ("A", STAMP)))[0]
        second = (await tx.fetchone(insert, ("B", STAMP)))["id"]
        renamed = await tx.fetchall(
            "UPDATE committees SET place = 'Hà Nội' RETURNING id, name", ()
        )
    assert isinstance(first, int) and isinstance(second, int) and first != second
    assert sorted((r["id"], r[1]) for r in renamed) == sorted([(first, "A"), (second, "B")])
    row = await database.fetchone("SELECT name, place FROM committees WHERE id = ?", (second,))
    assert (row["name"], row[1]) == ("B", "Hà Nội")


@pytest.mark.parametrize("connections", [1, 2])
async def test_concurrent_writers_are_serialised(opener, connections):
    """Read-modify-write in each transaction: interleaved writers would lose updates."""
    databases = [await opener() for _ in range(connections)]
    await databases[0].execute(INSERT_SETTING, ("counter", "0"))

    async def increment(database: Database) -> None:
        async with database.transaction() as tx:
            row = await tx.fetchone("SELECT value FROM settings WHERE key = 'counter'")
            await asyncio.sleep(0)  # let the other writers run now, if they may
            await tx.execute("UPDATE settings SET value = ? WHERE key = 'counter'",
                             (str(int(row["value"]) + 1),))

    await asyncio.gather(*(increment(databases[n % connections]) for n in range(20)))
    assert (await settings(databases[-1]))["counter"] == "20"


async def test_reads_outside_a_transaction_see_committed_writes_only(database):
    await database.execute(INSERT_SETTING, ("k", "one"))
    async with database.transaction() as tx:
        await tx.execute("UPDATE settings SET value = 'two' WHERE key = 'k'")
        assert (await tx.fetchone("SELECT value FROM settings WHERE key = 'k'"))[0] == "two"
        assert (await database.fetchone("SELECT value FROM settings WHERE key = 'k'"))[0] == "one"
    query = "SELECT key, value FROM settings WHERE key = ?"
    assert (await database.fetchone(query, ("k",)))["value"] == "two"
    assert [tuple(r) for r in await database.fetchall(query, ("k",))] == [("k", "two")]
    assert [tuple(r) for r in await database.fetchall_bulk(query, ("k",))] == [("k", "two")]
    assert await database.fetchone(query, ("missing",)) is None


async def test_every_migration_is_applied_and_recorded(database):
    known = migrations()
    assert await database.schema_version() == known[-1][0]
    rows = await database.fetchall("SELECT version, name FROM schema_migrations ORDER BY 1")
    assert [(r[0], r[1]) for r in rows] == [(v, name) for v, name, _ in known]


async def test_reads_made_inside_many_waiting_transactions_still_run(database):
    """More writers than connections, each reading outside its transaction while inside
    it: the waiting writers must not hold every connection the reads need."""
    async def write(n: int) -> None:
        async with database.transaction() as tx:
            await tx.execute(INSERT_SETTING, (f"k{n}", "v"))
            await database.fetchone("SELECT count(*) FROM settings")

    async with asyncio.timeout(60):  # a guard against a hang, not a measure
        await asyncio.gather(*(write(n) for n in range(30)))
    assert len(await settings(database)) == 30
