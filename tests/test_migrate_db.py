"""`kiemdiem migrate-db`: a filled SQLite database copied into the throwaway PostgreSQL
(tests/pg_server.py), counted table by table, then used by the bot's repositories."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.cli import main
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from storage.db import open_database, utc_now
from storage.forget import forget_member
from storage.repos import Repos
from storage.transfer import copy_to_postgres
from tests.conftest import COMMITTEE, Chat, Clock
from tests.data_helpers import NHUNG, RETURN_COMMENT, fill
from tests.pg_server import fresh_database


def _sqlite_rows(path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def _use_the_copy(url: str, nhung: dict[str, str]) -> None:
    db = await open_database(url)
    try:
        repos = Repos.of(db)
        committee = (await repos.org.committees())[0]
        assert committee.name == COMMITTEE
        people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
        assert len(people) == 5
        review = await repos.reviews.of_member(int(nhung["id"]), 2026)
        assert review.status == "returned" and review.return_comment == RETURN_COMMENT
        assert nhung["answer"] in [a.text for a in review.answers.values()]
        assert len(await repos.outbox.of_ref("broadcast", 1)) == 5
        # the identity counters were moved past the copied ids
        added = await repos.org.ensure_committee("Đảng ủy xã Mới")
        assert added.id == committee.id + 1
        # the dialogue runs on the copy: Nhung's chat account still finds her
        assistant = Assistant(repos, load_forms(BUILTIN_FORMS_DIR), AssistantConfig(), Clock())
        chat = Chat(assistant, f"u{nhung['id']}", "telegram")
        await chat.say("/start")
        assert "Nhung" in chat.text
    finally:
        await db.close()


async def _forget_on_the_copy(url: str, nhung: dict[str, str]) -> None:
    db = await open_database(url)
    try:
        await forget_member(db, int(nhung["id"]), utc_now(), "test", "kiemdiem member forget")
        row = await db.fetchone("SELECT full_name, birth_date FROM members WHERE id = ?",
                                (int(nhung["id"]),))
        assert (row["full_name"], row["birth_date"]) == (f"#{nhung['id']}", "1900-01-01")
        assert await db.fetchone("SELECT 1 FROM invites WHERE code = ?", (nhung["code"],)) is None
        assert (await db.fetchone("SELECT count(*) FROM member_erasures"))[0] == 1
    finally:
        await db.close()


def test_migrate_db_copies_everything_and_the_bot_runs_on_the_copy(pg_server, tmp_path,
                                                                   capsys, request):
    source = tmp_path / "kiemdiem.sqlite3"
    nhung = asyncio.run(fill(source))
    request.addfinalizer(lambda: pg_server.drop_database("migrate_target"))
    url = asyncio.run(fresh_database(pg_server, "migrate_target", migrated=False))
    assert main(["--db", str(source), "migrate-db", "--to", url]) == 0
    out = capsys.readouterr().out
    for table, count in _sqlite_rows(source, "SELECT 'answers', count(*) FROM answers UNION ALL"
                                     " SELECT 'members', count(*) FROM members"):
        assert any(line.split()[:4] == [table, str(count), "→", str(count)]
                   for line in out.splitlines()), out
    assert "KIEMDIEM_DATABASE_URL" in out
    tables = out.split("Đã chép")[0]
    assert tables.count(" ok") >= 20 and "KHÁC" not in tables
    # parents before children
    assert out.index("committees ") < out.index("cells ") < out.index("members ")
    assert out.index("reviews ") < out.index("answers ")
    asyncio.run(_use_the_copy(url, nhung))
    assert NHUNG in _sqlite_rows(source, "SELECT group_concat(full_name) FROM members")[0][0]

    # a second copy into the filled database is refused, unless asked to replace
    assert main(["--db", str(source), "migrate-db", "--to", url]) == 2
    err = capsys.readouterr().err
    assert "đã có dữ liệu" in err and "members (5)" in err and "--replace" in err
    assert main(["--db", str(source), "migrate-db", "--to", url, "--replace"]) == 0
    capsys.readouterr()
    asyncio.run(_use_the_copy(url, nhung))
    asyncio.run(_forget_on_the_copy(url, nhung))  # the erasure's SQL on PostgreSQL too


def test_migrate_db_needs_a_sqlite_source_and_a_postgresql_target(tmp_path, capsys):
    source = str(tmp_path / "none.sqlite3")
    assert main(["--db", source, "migrate-db", "--to", "postgresql://h/db"]) == 2
    assert "không tìm thấy tệp cơ sở dữ liệu" in capsys.readouterr().err
    assert main(["--db", source, "migrate-db", "--to", "mysql://h/db"]) == 2
    assert "postgresql://" in capsys.readouterr().err


async def test_small_batches_copy_every_row_once(pg_server, tmp_path, request):
    source_path = tmp_path / "kiemdiem.sqlite3"
    await fill(source_path)
    request.addfinalizer(lambda: pg_server.drop_database("migrate_batches"))
    url = await fresh_database(pg_server, "migrate_batches")
    source, target = await open_database(source_path), await open_database(url)
    try:
        copies = await copy_to_postgres(source, target, batch_rows=7)
        answers = await target.fetchall("SELECT review_id, item_key FROM answers")
    finally:
        await source.close()
        await target.close()
    assert all(c.ok for c in copies)
    assert {c.table: c.target_rows for c in copies}["answers"] > 7 * 3  # several batches
    assert len(set(map(tuple, answers))) == len(answers)


def test_an_unreachable_target_is_one_line_without_the_password(tmp_path, capsys):
    source = tmp_path / "kiemdiem.sqlite3"
    asyncio.run(fill(source))
    url = "postgresql://kd:Very-Secret-77@127.0.0.1:1/kiemdiem"
    assert main(["--db", str(source), "migrate-db", "--to", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiemdiem: Không kết nối được tới postgresql://kd:***@127.0.0.1:1/")
    assert "Very-Secret-77" not in err and "Traceback" not in err
