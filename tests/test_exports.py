"""The cell's files: .xlsx and .zip opened back with their libraries, the quota, the CLI."""

import asyncio
import io
import zipfile
from datetime import date, datetime

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from bot.cli import main
from bot.demo_reviews import sample_review
from conversations.paperwork.heading import Heading
from conversations.secretary.actions import SECRETARY as SR
from conversations.secretary.actions import CellFiles
from conversations.secretary.exports import MEMBER_HEADERS, ExportRow, Quota, cell_xlsx, quota
from tests.secretary_helpers import link

HEADING = Heading("Đảng ủy phường Thử Nghiệm", "Chi bộ 1", 2026, "", date(2026, 11, 23))
LEVELS = [("excellent", "Hoàn thành xuất sắc nhiệm vụ"), ("good", "Hoàn thành tốt nhiệm vụ"),
          ("done", "Hoàn thành nhiệm vụ"), ("not_done", "Không hoàn thành nhiệm vụ")]


@pytest.fixture
async def reviewed(repos, clock, forms, org):
    """Nhung proposes 'good' (85), Tuấn 'excellent' (92); Đức has not started."""
    await sample_review(repos, forms, org["Nguyễn Thị Hồng Nhung"], clock())
    clock.advance(minutes=30)
    await sample_review(repos, forms, org["Lê Minh Tuấn"], clock(), scores=(29, 63),
                        level="excellent")
    return org


def _sheet(content: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


def _table(content: bytes, name: str) -> list[tuple]:
    """The sheet's table: from its header row (the one repeated on every printed page)
    to the last row before the signature block."""
    sheet = load_workbook(io.BytesIO(content))[name]
    first = int(sheet.print_title_rows.split(":")[0].lstrip("$"))
    rows = list(sheet.iter_rows(min_row=first, values_only=True))
    end = next((n for n, row in enumerate(rows) if not any(v is not None for v in row)),
               len(rows))
    return rows[:end]


async def test_secretary_exports_the_cell_xlsx_and_zip(repos, clock, chat_factory, reviewed):
    secretary = chat_factory(await link(repos, clock, reviewed["Trần Văn Đức"]), "telegram")
    replies = await secretary.say("/export")
    xlsx, archive = (r.document for r in replies)
    assert xlsx.filename == "kiem-diem-2026-chi-bo-1.xlsx"
    assert archive.filename == "kiem-diem-2026-chi-bo-1.zip"
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["Danh sách", "Tổng hợp"]
    assert _table(xlsx.content, "Danh sách") == [
        MEMBER_HEADERS,
        (1, "Trần Văn Đức", "2A", "Chưa bắt đầu", None, None, None, None, None,
         None, None, None),
        (2, "Nguyễn Thị Hồng Nhung", "2B", "Đã nộp", datetime(2026, 11, 23, 9, 0), 27, 58, 85,
         "Hoàn thành tốt nhiệm vụ", None, None, None),
        (3, "Lê Minh Tuấn", "2C", "Đã nộp", datetime(2026, 11, 23, 9, 30), 29, 63, 92,
         "Hoàn thành xuất sắc nhiệm vụ", None, None, None),
    ]
    counts = _table(xlsx.content, "Tổng hợp")
    assert [row[:2] for row in counts[:7]] == [
        ("Mức xếp loại", "Cá nhân tự đề xuất"), ("Hoàn thành xuất sắc nhiệm vụ", 1),
        ("Hoàn thành tốt nhiệm vụ", 1), ("Hoàn thành nhiệm vụ", 0),
        ("Không hoàn thành nhiệm vụ", 0), ("Chưa nộp / chưa đề xuất / chưa quyết định", 1),
        ("Không kiểm điểm lần này", 0),
    ]
    assert counts[-2][:2] == ("Tối đa được phép",
                              "tối đa 0 đồng chí (20% của 1 đồng chí «Hoàn thành tốt nhiệm vụ»)")
    assert counts[-1] == ("Kết quả kiểm tra tỷ lệ", "VƯỢT TỶ LỆ CHO PHÉP", "—", "—")  # 1 > 0
    sheet = load_workbook(io.BytesIO(xlsx.content))["Tổng hợp"]
    flagged = next(c for c in sheet["B"] if c.value == "VƯỢT TỶ LỆ CHO PHÉP")
    assert flagged.fill.fgColor.rgb.endswith("FFC7CE")

    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        names = sorted(files.namelist())
        assert names == ["ban-kiem-diem-2026-Lê-Minh-Tuấn.docx",
                         "ban-kiem-diem-2026-Nguyễn-Thị-Hồng-Nhung.docx"]
        text = "\n".join(p.text for p in open_docx(io.BytesIO(files.read(names[1]))).paragraphs)
    assert "NGUYỄN THỊ HỒNG NHUNG" in text.upper()
    assert "- Tổng điểm: 85/100 điểm" in text


async def test_admin_exports_the_whole_committee(repos, clock, chat_factory, reviewed):
    admin = chat_factory(await link(repos, clock, reviewed["Bùi Thị Mai"]), "telegram")
    xlsx, archive = (r.document for r in await admin.say("/export"))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Tổng hợp", "Chi bộ 1", "Chi bộ 2"]
    summary = _table(xlsx.content, "Tổng hợp")
    assert _sheet(xlsx.content, "Tổng hợp")[1][0] == "ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM"
    assert summary[1] == ("Chi bộ 1", 3, 2, 2 / 3, 1, 1, 0, 0, "VƯỢT TỶ LỆ CHO PHÉP", 0, 0, 0)
    assert summary[2] == ("Chi bộ 2", 2, 0, 0, 0, 0, 0, 0, "Đạt", 0, 0, 0)
    assert summary[3] == ("Tổng cộng", 5, 2, 2 / 5, 1, 1, 0, 0, "VƯỢT TỶ LỆ CHO PHÉP", 0, 0, 0)
    assert [r[1] for r in _table(xlsx.content, "Chi bộ 2")[1:]] == ["Đặng Quốc Bảo",
                                                                     "Bùi Thị Mai"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        assert sorted(files.namelist()) == [
            "chi-bo-1/ban-kiem-diem-2026-Lê-Minh-Tuấn.docx",
            "chi-bo-1/ban-kiem-diem-2026-Nguyễn-Thị-Hồng-Nhung.docx"]
    # an admin may also take one cell's files
    cell2 = reviewed["Bùi Thị Mai"].cell_id
    assert [r.document.filename for r in await admin.press(SR.pack(CellFiles(cell2)))] == [
        "kiem-diem-2026-chi-bo-2.xlsx", "kiem-diem-2026-chi-bo-2.zip"]


@pytest.mark.parametrize(("excellent", "good", "exceeded"), [
    (0, 0, False), (1, 0, True), (1, 5, False), (2, 5, True), (2, 10, False), (3, 10, True),
])
def test_quota_at_most_twenty_percent_of_good(excellent, good, exceeded):
    assert Quota(excellent, good).exceeded is exceeded


def test_only_handed_in_reviews_count_for_the_quota():
    def row(status, level):
        return ExportRow("X", "2B", status, None, 27, 58, level)

    rows = [row("submitted", "excellent"), row("draft", "excellent"), row("returned", "good"),
            *(row("accepted", "good") for _ in range(5))]
    assert quota(rows) == Quota(1, 5)
    counts = _table(cell_xlsx(HEADING, rows, LEVELS), "Tổng hợp")
    assert counts[-1][:2] == ("Kết quả kiểm tra tỷ lệ", "Đạt")


async def _kiemdiem(db, *args: str) -> int:
    """In a thread: the command runs its own event loop, as it does from a shell."""
    return await asyncio.to_thread(main, ["--db", db.path, *args])


async def test_command_line_export_of_one_cell(tmp_path, db, capsys, reviewed):
    out = tmp_path / "out"
    code = await _kiemdiem(db, "export", "--out", str(out), "--cell", "Chi bộ 1")
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["kiem-diem-2026-chi-bo-1.xlsx",
                                                     "kiem-diem-2026-chi-bo-1.zip"]
    rows = _table((out / "kiem-diem-2026-chi-bo-1.xlsx").read_bytes(), "Danh sách")
    assert [r[1] for r in rows[1:]] == ["Trần Văn Đức", "Nguyễn Thị Hồng Nhung", "Lê Minh Tuấn"]

    code = await _kiemdiem(db, "export", "--out", str(out), "--cell", "Chi bộ 9")
    err = capsys.readouterr().err
    assert code == 2
    assert "Không có chi bộ nào tên «Chi bộ 9». Các chi bộ hiện có: Chi bộ 1, Chi bộ 2." in err

    code = await _kiemdiem(db, "export", "--out", str(out / "all"))
    assert code == 0
    assert sorted(p.name for p in (out / "all").iterdir()) == [
        "kiem-diem-2026-dang-uy-phuong-thu-nghiem.xlsx",
        "kiem-diem-2026-dang-uy-phuong-thu-nghiem.zip"]


async def test_command_line_export_without_submitted_reviews_writes_no_empty_zip(
        tmp_path, db, capsys, org):
    out = tmp_path / "out"
    code = await _kiemdiem(db, "export", "--out", str(out), "--cell", "Chi bộ 2")
    assert code == 0, capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["kiem-diem-2026-chi-bo-2.xlsx"]
    assert ("Chưa có bản kiểm điểm nào được nộp: không ghi tệp kiem-diem-2026-chi-bo-2.zip."
            in capsys.readouterr().out)
