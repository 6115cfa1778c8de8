"""`kiemdiem backup` and `kiemdiem member forget` on a real SQLite file."""

from __future__ import annotations

import asyncio
import io
import sqlite3

import pytest

from bot.cli import main
from conversations.onboarding.invitations import display_code
from tests.data_helpers import CELL_COMMENT, NHUNG, RETURN_COMMENT, fill


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "kiemdiem.sqlite3"
    return path, asyncio.run(fill(path))


def _counts(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_backup_is_consistent_while_a_writer_holds_the_database(filled, tmp_path, capsys):
    path, _ = filled
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the running bot, in the middle of a transaction
    writer.execute("INSERT INTO settings (key, value) VALUES ('uncommitted', 'x')")
    try:
        assert main(["--db", str(path), "backup", str(tmp_path / "saved" / "copy.sqlite3")]) == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    out = capsys.readouterr().out
    copy = tmp_path / "saved" / "copy.sqlite3"
    assert str(copy.resolve()) in out and "bảng" in out and "kB" in out
    assert _counts(copy) == _counts(path)
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT count(*) FROM settings WHERE key = 'uncommitted'"
                            ).fetchone()[0] == 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == 5
    finally:
        conn.close()
    assert not (tmp_path / "saved" / "copy.sqlite3.part").exists()


def test_backup_refuses_to_overwrite_the_database_itself(filled, capsys):
    path, _ = filled
    assert main(["--db", str(path), "backup", str(path)]) == 2
    assert "kiemdiem:" in capsys.readouterr().err
    assert _counts(path)["members"] == 5


def test_backup_of_postgresql_prints_the_pg_dump_command_without_the_password(capsys):
    url = "postgresql://kd:s3cret-pw@db.example:5433/kiemdiem"
    assert main(["--db", url, "backup", "/backups/kd.dump"]) == 0
    out = capsys.readouterr().out
    assert ("pg_dump --format=custom --file=/backups/kd.dump --host=db.example --port=5433"
            " --username=kd --dbname=kiemdiem") in out
    assert "PGPASSWORD" in out and "~/.pgpass" in out
    assert "s3cret" not in out


def _everything(path) -> str:
    """Every value of every row, as one text to search."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return "\n".join(repr(tuple(row)) for t in tables
                         for row in conn.execute(f'SELECT * FROM "{t}"'))
    finally:
        conn.close()


def _figures(path) -> list[tuple]:
    """What a cell's figures count: members per cell and form, reviews by status and level."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT m.cell_id, m.form, r.status, r.level, count(*) FROM members m"
            " LEFT JOIN reviews r ON r.member_id = m.id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ).fetchall() + conn.execute(
            "SELECT campaign_id, cell_id, count(*) FROM campaign_members GROUP BY 1, 2"
        ).fetchall()
    finally:
        conn.close()


def test_forget_shows_first_and_deletes_nothing_without_confirmation(filled, monkeypatch,
                                                                     capsys):
    path, nhung = filled
    before = _everything(path)
    monkeypatch.setattr("sys.stdin", io.StringIO("không\n"))
    assert main(["--db", str(path), "member", "forget", "--code",
                 display_code(nhung["code"]).lower()]) == 1
    out = capsys.readouterr().out
    assert NHUNG in out and "sinh ngày 02/07/1985" in out and "Chi bộ 1" in out
    assert "XOA" in out and "Không xóa gì" in out
    assert _everything(path) == before


def test_forget_deletes_the_personal_data_keeps_the_figures_and_records_it(filled, monkeypatch,
                                                                          capsys):
    path, nhung = filled
    figures = _figures(path)
    assert all(nhung[k] in _everything(path) for k in ("name", "born", "answer", "code"))
    assert CELL_COMMENT in _everything(path)
    monkeypatch.setattr("sys.stdin", io.StringIO("xoa\n"))
    assert main(["--db", str(path), "member", "forget", "--name", NHUNG,
                 "--born", "02/07/1985", "--by", "Văn phòng Đảng ủy"]) == 0
    assert "Đã xóa" in capsys.readouterr().out
    left = _everything(path)
    for personal in (nhung["name"], nhung["born"], nhung["answer"], nhung["code"],
                     RETURN_COMMENT, CELL_COMMENT, f"'{nhung['chat_id']}'"):
        assert personal not in left
    assert _figures(path) == figures
    conn = sqlite3.connect(path)
    try:
        erasure = conn.execute("SELECT * FROM member_erasures").fetchall()
        accounts = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
    finally:
        conn.close()
    assert len(erasure) == 1
    assert erasure[0][1] == int(nhung["id"])
    assert erasure[0][3:] == ("Văn phòng Đảng ủy", f"kiemdiem member forget --id {nhung['id']}")
    assert accounts == 4  # the others keep theirs


def test_forget_by_id_with_yes_for_scripts_and_unknown_members(filled, capsys):
    path, nhung = filled
    db = ["--db", str(path), "member", "forget"]
    assert main([*db, "--id", "999", "--yes"]) == 2
    assert "Không có đảng viên này" in capsys.readouterr().err
    assert main([*db, "--name", NHUNG, "--yes"]) == 2
    assert "--born" in capsys.readouterr().err
    assert main([*db, "--code", "not-a-code", "--yes"]) == 2
    assert main([*db, "--id", nhung["id"], "--yes"]) == 0
    assert nhung["name"] not in _everything(path)
    assert main([*db, "--id", nhung["id"], "--yes"]) == 0  # again: said, and done again
    assert "đã được xóa một lần" in capsys.readouterr().out


def test_the_database_may_be_named_after_the_command(filled, tmp_path, capsys, monkeypatch):
    """`kiemdiem backup b.sqlite3 --db x` as well as `kiemdiem --db x backup b.sqlite3`; the
    later one wins when both are given."""
    path, nhung = filled
    copy = tmp_path / "after.sqlite3"
    assert main(["backup", str(copy), "--db", str(path)]) == 0
    assert _counts(copy) == _counts(path)
    monkeypatch.setattr("sys.stdin", io.StringIO("không\n"))
    assert main(["--db", str(tmp_path / "none.sqlite3"), "member", "forget", "--id",
                 nhung["id"], "--db", str(path)]) == 1  # shown, then not confirmed
    assert NHUNG in capsys.readouterr().out
