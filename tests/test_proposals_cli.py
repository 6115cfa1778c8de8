"""`kiemdiem proposals export|import` on a real database file (the real clock)."""

from __future__ import annotations

import asyncio

import openpyxl

from bot.cli import main
from conversations.forms.rating import review_year
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG
from tests.rating_helpers import NO_REVIEW, chain_org


def _people(db_path, forms):
    async def setup():
        db = await open_database(db_path)
        try:
            repos = Repos.of(db)
            committee = await repos.org.ensure_committee(COMMITTEE)
            await repos.org.apply_import(committee.id, ORG)
            return await chain_org(repos, forms, utc_now)
        finally:
            await db.close()
    return asyncio.run(setup())


def _proposals(db_path, cell_id):
    async def read():
        db = await open_database(db_path)
        try:
            return await Repos.of(db).ratings.proposals(
                cell_id, review_year(utc_now().date()))
        finally:
            await db.close()
    return asyncio.run(read())


def test_export_fill_import_and_confirm(tmp_path, capsys, forms):
    db = tmp_path / "k.sqlite3"
    people = _people(db, forms)
    cell_id = people["Trần Văn Đức"].cell_id
    sheet_path = tmp_path / "de-xuat.xlsx"

    def run(*args):
        code = main(["--db", str(db), "proposals", *args, "--cell", "chi bộ 1",
                     "--committee", COMMITTEE])
        return code, capsys.readouterr()

    code, out = run("export", str(sheet_path))
    assert code == 0 and "danh sách của Chi bộ 1, 10 đồng chí" in out.out
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    for row in range(3, sheet.max_row + 1):
        own = sheet.cell(row, 3).value
        sheet.cell(row, 4).value = own or "Hoàn thành nhiệm vụ"
        if sheet.cell(row, 2).value == "Phan Văn An":
            sheet.cell(row, 4).value = "Hoàn thành xuất sắc nhiệm vụ"
    book.save(sheet_path)

    code, out = run("import", str(sheet_path))  # the reason is missing: nothing recorded
    assert code == 2 and "cột F" in out.err and "Phan Văn An" in out.err
    assert _proposals(db, cell_id) == {}

    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, 2).value == "Phan Văn An":
            sheet.cell(row, 6).value = "Sáng kiến cấp thành phố"
    book.save(sheet_path)
    code, out = run("import", str(sheet_path))
    assert code == 0 and "cho 10 đồng chí" in out.out and "Chưa gửi đảng ủy" in out.out
    assert "Vượt tỷ lệ 1 đồng chí." in out.out
    code, out = run("import", str(sheet_path), "--confirm")
    assert code == 2 and "--over-quota" in out.err
    assert not any(p.confirmed for p in _proposals(db, cell_id).values())
    code, out = run("import", str(sheet_path), "--confirm", "--over-quota")
    assert code == 0 and "Đã xác nhận và gửi đảng ủy." in out.out
    proposals = _proposals(db, cell_id)
    assert all(p.confirmed and p.source == "sheet" for p in proposals.values())
    assert proposals[people[NO_REVIEW].id].level == "done"


def test_unknown_cell_and_missing_file(tmp_path, capsys, forms):
    db = tmp_path / "k.sqlite3"
    _people(db, forms)
    assert main(["--db", str(db), "proposals", "export", str(tmp_path / "x.xlsx"),
                 "--cell", "Chi bộ 9", "--committee", COMMITTEE]) == 2
    assert "Không có chi bộ nào tên “Chi bộ 9”." in capsys.readouterr().err
    assert main(["--db", str(db), "proposals", "import", str(tmp_path / "none.xlsx"),
                 "--cell", "Chi bộ 1", "--committee", COMMITTEE]) == 2
    assert "none.xlsx" in capsys.readouterr().err


def test_a_file_cannot_change_a_decided_members_proposal(tmp_path, capsys, forms):
    """The chat warns and tells the committee when a decided member's proposal changes;
    the command line cannot, so it refuses and records nothing."""
    db = tmp_path / "k.sqlite3"
    people = _people(db, forms)
    duc = people["Trần Văn Đức"]
    year = review_year(utc_now().date())
    sheet_path = tmp_path / "de-xuat.xlsx"
    args = ["--cell", "chi bộ 1", "--committee", COMMITTEE]
    assert main(["--db", str(db), "proposals", "export", str(sheet_path), *args]) == 0
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, 4).value = "Hoàn thành nhiệm vụ"
    book.save(sheet_path)
    assert main(["--db", str(db), "proposals", "import", str(sheet_path), *args]) == 0

    async def decide():
        database = await open_database(db)
        try:
            await Repos.of(database).ratings.decide(duc.id, year, duc.cell_id, "done",
                                                    reason="", by=None, now=utc_now())
        finally:
            await database.close()
    asyncio.run(decide())
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, 2).value == duc.full_name:
            sheet.cell(row, 4).value = "Hoàn thành tốt nhiệm vụ"
    book.save(sheet_path)
    capsys.readouterr()
    assert main(["--db", str(db), "proposals", "import", str(sheet_path), *args]) == 2
    err = capsys.readouterr().err
    assert duc.full_name in err and "/proposals" in err
    assert _proposals(db, duc.cell_id)[duc.id].level == "done"  # nothing recorded
