"""PostgreSQL beside SQLite: the SQL translated at the boundary, its own migrations in step
with SQLite's, chosen by KIEMDIEM_DATABASE_URL, and the password never shown.

Behaviour shared with SQLite is in tests/test_database.py (both implementations) and in
the suite run with KIEMDIEM_TEST_PG=1 (see the Makefile)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.cli import main
from bot.config import Settings
from handlers.redact import redact
from storage.db import SchemaTooNewError, migrations, open_database
from storage.pg import PgDatabase, translate
from storage.urls import masked
from tests.pg_server import fresh_database
from tests.test_cli import MEMBERS

STAMP = "2026-01-01T00:00:00.000000Z"
_database_names = itertools.count(1)


def test_placeholders_are_numbered_outside_string_literals():
    assert translate("SELECT ? WHERE a = '?' AND b = ? AND c = 'it''s ?'") == (
        "SELECT $1 WHERE a = '?' AND b = $2 AND c = 'it''s ?'"
    )


def test_sqlite_functions_get_their_postgresql_names():
    assert translate("SELECT group_concat(mr.role) AS roles") == (
        "SELECT string_agg(CAST(mr.role AS TEXT), ',') AS roles"
    )
    assert translate("trim(a.text, ' ' || char(9, 10, 13)) != ''") == (
        "btrim(a.text, ' ' || chr(9) || chr(10) || chr(13)) != ''"
    )
    assert translate("count(*), sum(r.status IN ('submitted', 'accepted')) AS n") == (
        "count(*), count(*) FILTER (WHERE r.status IN ('submitted', 'accepted')) AS n"
    )


def test_both_engines_have_the_same_numbered_migrations():
    names = [name for _, name, _ in migrations()]
    assert names == [name for _, name, _ in migrations("postgresql")]
    assert all("json_extract" not in sql and "WITHOUT ROWID" not in sql
               for _, _, sql in migrations("postgresql"))


async def new_empty_database(pg_server, request) -> str:
    name = f"empty_{next(_database_names)}"
    request.addfinalizer(lambda: pg_server.drop_database(name))
    return await fresh_database(pg_server, name, migrated=False)


async def test_an_older_schema_is_upgraded_keeping_its_data(pg_server, request):
    url = await new_empty_database(pg_server, request)
    old = await open_database(url, upto=10)
    assert await old.schema_version() == 10
    await old.execute("INSERT INTO committees (name, created_at) VALUES (?, ?)", ("A", STAMP))
    await old.close()
    db = await open_database(url)
    try:
        assert await db.schema_version() == migrations()[-1][0]
        assert (await db.fetchone("SELECT name FROM committees"))["name"] == "A"
        # 0011 changed a constraint in place: the new status is accepted
        await db.execute(
            "INSERT INTO outbox (dedup_key, kind, payload, status, not_before, created_at,"
            " updated_at) VALUES ('k', 'alert', '{}', 'expired', ?, ?, ?)", (STAMP,) * 3)
    finally:
        await db.close()


async def test_a_newer_schema_is_refused_without_showing_the_password(pg_server, request):
    url = await new_empty_database(pg_server, request)
    db = await open_database(url)
    await db.execute("INSERT INTO schema_migrations (version, name, applied_at)"
                     " VALUES (999, '0999_future.sql', ?)", (STAMP,))
    await db.close()
    # trust authentication ignores the password, so it can be any
    with_password = url.replace(f"{pg_server.user}@", f"{pg_server.user}:Secret-Pass-42@")
    with pytest.raises(SchemaTooNewError, match="999") as refused:
        await open_database(with_password)
    assert "Secret-Pass-42" not in str(refused.value)
    assert f"{pg_server.user}:***@" in str(refused.value)


def test_the_url_setting_chooses_postgresql_and_masks_the_password(monkeypatch):
    url = "postgresql://kiemdiem:Pw-in-the-url-7@db.example:5432/kiemdiem"
    monkeypatch.setenv("KIEMDIEM_DATABASE_URL", url)
    monkeypatch.setenv("KIEMDIEM_DB", "ignored.sqlite3")
    settings = Settings.from_env()
    assert settings.db_path == url
    assert settings.database_label == "postgresql://kiemdiem:***@db.example:5432/kiemdiem"
    assert "Pw-in-the-url-7" not in redact(f"connecting to {url} failed: password Pw-in-the-url-7")
    assert Settings.from_env("local.sqlite3").db_path == "local.sqlite3"  # --db still wins
    monkeypatch.delenv("KIEMDIEM_DATABASE_URL")
    assert Settings.from_env().db_path == "ignored.sqlite3"


def test_a_url_of_another_engine_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("KIEMDIEM_DATABASE_URL", "mysql://u:hidden-pass@h/db")
    with pytest.raises(SystemExit, match="KIEMDIEM_DATABASE_URL") as refused:
        Settings.from_env()
    assert "hidden-pass" not in str(refused.value)
    assert masked("postgresql://u@h/db") == "postgresql://u@h/db"


async def test_the_command_imports_members_into_postgresql(pg_server, request, tmp_path,
                                                           capsys, monkeypatch):
    url = await new_empty_database(pg_server, request)
    monkeypatch.setenv("KIEMDIEM_DATABASE_URL", url)
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    # the command runs its own event loop: run it from a worker thread
    code = await asyncio.to_thread(main, ["import", str(members), "--committee", "Đảng ủy A"])
    assert code == 0, capsys.readouterr().err
    assert "thêm mới 3" in capsys.readouterr().out
    db = await open_database(url)
    try:
        assert isinstance(db, PgDatabase)
        assert (await db.fetchone("SELECT count(*) FROM members"))[0] == 3
    finally:
        await db.close()
