"""The papers as printed: each .xlsx and .docx rendered to PDF by LibreOffice, then read
back page by page (pdftotext): the page count, and every table's first and last column
header on the same page wherever the table is printed (no column pushed onto a page of
its own). `make test-print` installs LibreOffice and runs this; plain `make test` skips it.

With KIEMDIEM_PRINT_OUT set, the first page of the committee's list of results, of a
cell's Mẫu 01 draft and of the two summaries are also written there as PNG, for people to
look at."""

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.demo_reviews import sample_review
from conversations.paperwork.gather import cell_report, committee_results
from conversations.review import steps as rs
from conversations.secretary.files import cell_files, committee_files
from storage.ratings import NewProposal
from storage.reviews import Answer
from tests.conftest import COMMITTEE, record

pytestmark = [
    pytest.mark.print,
    pytest.mark.skipif(os.environ.get("KIEMDIEM_TEST_PRINT") != "1",
                       reason="renders with LibreOffice: run `make test-print`"),
]

GIVEN = ("Văn", "Thị", "Minh", "Quốc", "Thu", "Hồng", "Đức", "Ngọc")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
CELLS = {"Chi bộ Khu phố 1": 42, "Chi bộ Khu phố 2": 14,
         "Chi bộ Trường Tiểu học Nguyễn Văn Trỗi phường Thử Nghiệm": 9}


@dataclass(frozen=True)
class Table:
    """A table as pdftotext shows its header: a word of the first and of the last column."""
    first: str
    last: str


# the tables of each paper, by a word of their first and last header that no other text of
# the paper carries
MEMBERS = Table("STT", "Lý do")
CELL_COUNTS = Table("Mức xếp loại", "Đảng ủy")
CELL_SUMMARY = Table("Phải kiểm", "Đảng ủy đã")
RESULTS = Table("STT", "Ghi chú")
RESULT_TOTALS = Table("Tên chi bộ", "Tổng số")
# what the last page of a .docx shows beside the signature block
WITH_SIGNATURE = {"mau01": "TỰ NHẬN MỨC XẾP LOẠI", "results.docx": "TỔNG HỢP THEO CHI BỘ"}


def _name(n: int) -> str:
    return f"{FAMILY[n % 10]} {GIVEN[n % 8]} {GIVEN[(n // 8) % 8]} Thử Nghiệm Số {n + 1}"


@pytest.fixture
async def committee(repos, clock, forms):
    """Three cells (42, 14 and 9 members, a long cell name): most have handed in, every
    seventh answered «Có» to the discipline question; the first cell's proposals are
    confirmed and accepted by the committee, one changed with a reason."""
    found = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.set_place(found.id, "Phường Thử Nghiệm")
    n, records = 0, []
    for cell, size in CELLS.items():
        for _ in range(size):
            roles = ("secretary",) if n in (0, 42, 56) else ("admin",) if n == 1 else ()
            admitted = date(2026, 9, 1) if n % 13 == 12 else None
            records.append(record(cell, _name(n), f"19{60 + n % 30}-01-01", "2B", *roles,
                                  admitted_on=admitted))
            n += 1
    await repos.org.apply_import(found.id, records)
    members = await repos.org.members_of_committee(found.id)
    for member in members[: len(members) - 6]:
        level = "not_done" if member.id % 7 == 0 else ("excellent" if member.id % 5 == 0
                                                       else "good")
        review = await sample_review(repos, forms, member, clock(), level=level, submit=False)
        if member.id % 7 == 0:
            await repos.reviews.save(review.id, clock(),
                                     answer=(rs.DQ + "disciplined", Answer("yes")))
        await repos.reviews.submit(review.id, clock())
    first = [m for m in members if m.cell_id == members[0].cell_id]
    await repos.ratings.propose(members[0].cell_id, 2026, [
        NewProposal(m.id, "good", reason="Chi bộ thống nhất đề nghị" if m.id % 5 == 0 else "")
        for m in first], source="chat", by=None, now=clock())
    await repos.ratings.confirm_proposals(members[0].cell_id, 2026, clock())
    await repos.ratings.accept_cell(members[0].cell_id, 2026, by=None, now=clock())
    await repos.ratings.decide(first[3].id, 2026, first[3].cell_id, "excellent",
                               reason="Có sáng kiến được công nhận cấp thành phố",
                               by=None, now=clock())
    return await repos.org.committee(found.id)


def _pdf(path: Path, folder: Path) -> Path:
    """LibreOffice's PDF of a file, with a profile of its own (another soffice may run)."""
    out = folder / path.suffix.lstrip(".")
    subprocess.run(
        [shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{folder}/lo",
         "--headless", "--convert-to", "pdf", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=170)
    pdf = out / (path.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {path.name}"
    return pdf


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _check(pdf: Path, tables: list[Table], *, every_page: bool) -> list[str]:
    """Wherever a table's header is printed, its last column's header is beside its first
    (a header cell may wrap over a few lines); on a spreadsheet, whose header row repeats,
    every page shows one: a column pushed onto a page of its own would show neither."""
    pages = _pages(pdf)
    for n, page in enumerate(pages, start=1):
        lines = page.splitlines()
        found = 0
        for i, line in enumerate(lines):
            for table in tables:
                if table.first in line:
                    found += 1
                    window = "\n".join(lines[max(0, i - 3): i + 4])
                    assert table.last in window, (
                        f"{pdf.name} page {n}: «{table.last}» not beside «{table.first}»")
        if every_page:
            assert found, f"{pdf.name} page {n} has no table header: a column split off?"
    return pages


def _first_page_png(pdf: Path, name: str) -> None:
    where = os.environ.get("KIEMDIEM_PRINT_OUT")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(Path(where) / name)], check=True, timeout=60)


async def test_every_paper_prints_with_whole_tables(repos, forms, clock, committee, tmp_path):
    now = clock()
    cells = await repos.org.cells(committee.id)
    big = next(c for c in cells if c.name == "Chi bộ Khu phố 1")
    files = {
        "cell": (await cell_files(repos, forms, big, now))[0],
        "committee": (await committee_files(repos, forms, committee, now))[0],
        "mau01": await cell_report(repos, forms, big, now),
    }
    files["results.xlsx"], files["results.docx"] = await committee_results(
        repos, forms, committee, now)
    checks = {  # tables, every page, at most this many pages
        "cell": ([MEMBERS, CELL_COUNTS], True, 5),
        "committee": ([CELL_SUMMARY, MEMBERS], True, 10),
        "mau01": ([CELL_COUNTS], False, 4),
        "results.xlsx": ([RESULTS, RESULT_TOTALS], True, 5),
        "results.docx": ([RESULTS, RESULT_TOTALS], False, 6),
    }
    report = []
    for key, document in files.items():
        path = tmp_path / document.filename
        path.write_bytes(document.content)
        pdf = _pdf(path, tmp_path)
        tables, every_page, most = checks[key]
        pages = _check(pdf, tables, every_page=every_page)
        assert 1 <= len(pages) <= most, f"{document.filename}: {len(pages)} pages"
        if key in WITH_SIGNATURE:  # the signature never alone on the last page
            assert WITH_SIGNATURE[key] in pages[-1], f"{document.filename}: last page"
        report.append(f"{document.filename}: {len(pages)} pages, tables whole on each")
    print("\n" + "\n".join(report))
    _first_page_png(tmp_path / "docx" / (Path(files["results.docx"].filename).stem + ".pdf"),
                    "ket-qua-xep-loai")
    _first_page_png(tmp_path / "docx" / (Path(files["mau01"].filename).stem + ".pdf"),
                    "mau01-chi-bo-khu-pho-1")
    for key in ("cell", "committee"):
        _first_page_png(tmp_path / "xlsx" / (Path(files[key].filename).stem + ".pdf"),
                        f"tong-hop-{key}")
