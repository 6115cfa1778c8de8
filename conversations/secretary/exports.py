"""The cell's files: the .xlsx summary and the .zip of printable reviews.

Pure: rows in, bytes out. The files are Party papers, so they are in Vietnamese whatever
the reader's chat language (like the printable review).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from conversations.core.text import clean_text, file_name_part, looks_like_formula

EXCELLENT, GOOD = "excellent", "good"
QUOTA_PERCENT = 20  # "xuất sắc" at most 20% of "hoàn thành tốt" (Quy định 366)
STATUS_VI = {
    "submitted": "Đã nộp",
    "accepted": "Đã tiếp nhận",
    "returned": "Trả lại để bổ sung, chỉnh sửa",
    "draft": "Đang làm",
    "not_started": "Chưa bắt đầu",
}
EXCLUDED_VI = {
    "exempted": "Không kiểm điểm (miễn sinh hoạt)",
    "suspended": "Không kiểm điểm (đình chỉ sinh hoạt)",
    "new": "Không kiểm điểm (vào Đảng chưa đủ 6 tháng)",
    "removed": "Không còn trong danh sách đảng viên (giữ bản kiểm điểm đã nộp)",
}
REMOVED = "removed"  # the reason of a member taken off the list who had handed in
MEMBER_HEADERS = (
    "STT", "Họ và tên", "Mẫu", "Trạng thái", "Thời điểm nộp", "Điểm tiêu chí chung (/30)",
    "Điểm kết quả thực hiện nhiệm vụ (/70)", "Tổng điểm (/100)", "Đề xuất xếp loại",
)
BOLD = Font(bold=True)
ALARM = PatternFill("solid", fgColor="FFC7CE")
ALARM_FONT = Font(bold=True, color="9C0006")
DATE_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class ExportRow:
    full_name: str
    form: str
    status: str                       # a review status, 'not_started', or 'excluded'
    submitted_at: datetime | None     # local time of the committee, naive (as Excel keeps it)
    general: int | None
    tasks: int | None
    level: str | None                 # proposed level key (submitted reviews only)
    reason: str | None = None         # why excluded
    level_label: str = ""             # the level as the form names it (Vietnamese)

    @property
    def total(self) -> int | None:
        if self.general is None and self.tasks is None:
            return None
        return (self.general or 0) + (self.tasks or 0)

    @property
    def proposed(self) -> str | None:
        """The level counts only once the review is handed in."""
        return self.level if self.status in ("submitted", "accepted") else None


@dataclass(frozen=True)
class Quota:
    excellent: int
    good: int

    @property
    def allowed(self) -> float:
        return self.good * QUOTA_PERCENT / 100

    @property
    def exceeded(self) -> bool:
        return self.excellent * 100 > self.good * QUOTA_PERCENT


def quota(rows: Sequence[ExportRow]) -> Quota:
    proposed = [r.proposed for r in rows]
    return Quota(proposed.count(EXCELLENT), proposed.count(GOOD))


def status_text(row: ExportRow) -> str:
    if row.status == "excluded":
        return EXCLUDED_VI.get(row.reason or "", "Không kiểm điểm")
    return STATUS_VI[row.status]


def cell_xlsx(title: str, rows: Sequence[ExportRow], levels: Sequence[tuple[str, str]]
              ) -> bytes:
    """Sheet 1: one row per member; sheet 2: counts per level and the quota check."""
    book = Workbook()
    _members_sheet(book.active, "Danh sách", title, rows)
    _counts_sheet(book.create_sheet("Tổng hợp"), title, rows, levels)
    return _save(book)


def committee_xlsx(title: str, cells: Sequence[tuple[str, Sequence[ExportRow]]],
                   levels: Sequence[tuple[str, str]]) -> bytes:
    """A summary sheet (one line per cell), then one sheet per cell."""
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    _append(summary, [title])
    summary["A1"].font = BOLD
    _append(summary, ["Chi bộ", "Phải kiểm điểm", "Đã nộp", "Tỷ lệ nộp",
                      *(label for _key, label in levels), "Kiểm tra tỷ lệ xuất sắc"])
    _bold_row(summary, 2)
    used: set[str] = {summary.title}
    for name, rows in cells:
        expected = [r for r in rows if r.status != "excluded"]
        done = [r for r in expected if r.proposed is not None]
        share = len(done) / len(expected) if expected else 1.0
        proposed = [r.proposed for r in rows]
        check = quota(rows)
        _append(summary, [name, len(expected), len(done), share,
                          *(proposed.count(key) for key, _label in levels), _quota_word(check)])
        summary.cell(summary.max_row, 4).number_format = "0%"
        if check.exceeded:
            _alarm(summary.cell(summary.max_row, summary.max_column))
        _members_sheet(book.create_sheet(), _sheet_name(name, used), name, rows)
    _widths(summary, [34, 16, 10, 10, *([14] * len(levels)), 28])
    return _save(book)


def docx_zip(files: Sequence[tuple[str, str, bytes]]) -> bytes:
    """(folder, file name, content) -> a .zip whose entries unpack anywhere: each part of
    a path made safe (no "..", no separators from a name, nothing Windows refuses),
    and no two entries alike, even to a system that ignores case. Entries are stored, not
    deflated: a .docx is already a deflated zip, so compressing it again costs CPU (the
    GIL, while everyone else waits) for almost no bytes."""
    out = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for folder, name, content in files:
            archive.writestr(_entry_name(folder, name, used), content)
    return out.getvalue()


def _entry_name(folder: str, name: str, used: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = file_name_part(suffix, 10)
    suffix = "." + suffix if suffix else ""
    stem = file_name_part(stem) or "tai-lieu"
    prefix = (file_name_part(folder) or "chi-bo") + "/" if folder.strip("/ ") else ""
    candidate, n = prefix + stem + suffix, 2
    while candidate.casefold() in used:
        candidate, n = f"{prefix}{stem}-{n}{suffix}", n + 1
    used.add(candidate.casefold())
    return candidate


# sheets

def _members_sheet(sheet: Worksheet, name: str, title: str, rows: Sequence[ExportRow]) -> None:
    sheet.title = name
    _append(sheet, MEMBER_HEADERS)
    _bold_row(sheet, 1)
    for n, row in enumerate(rows, start=1):
        _append(sheet, [n, row.full_name, row.form, status_text(row), row.submitted_at,
                        row.general, row.tasks, row.total,
                        row.level_label if row.proposed else None])
        sheet.cell(sheet.max_row, 5).number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    _widths(sheet, [6, 30, 7, 34, 18, 14, 16, 12, 32])
    sheet.oddHeader.center.text = clean_text(title).replace("&", "&&")  # & starts a code


def _counts_sheet(sheet: Worksheet, title: str, rows: Sequence[ExportRow],
                  levels: Sequence[tuple[str, str]]) -> None:
    _append(sheet, [title])
    sheet["A1"].font = BOLD
    _append(sheet, ["Mức xếp loại đề xuất", "Số đảng viên"])
    _bold_row(sheet, 2)
    proposed = [r.proposed for r in rows]
    for key, label in levels:
        _append(sheet, [label, proposed.count(key)])
    expected = [r for r in rows if r.status != "excluded"]
    _append(sheet, ["Chưa nộp", sum(1 for r in expected if r.proposed is None)])
    _append(sheet, ["Không kiểm điểm lần này", len(rows) - len(expected)])
    _append(sheet, [])
    check = quota(rows)
    _append(sheet, ["Kiểm tra tỷ lệ: số «Hoàn thành xuất sắc nhiệm vụ» không vượt quá "
                    f"{QUOTA_PERCENT}% số «Hoàn thành tốt nhiệm vụ»"])
    sheet.cell(sheet.max_row, 1).font = BOLD
    _append(sheet, ["Số đề xuất xuất sắc", check.excellent])
    _append(sheet, [f"Tối đa được phép ({QUOTA_PERCENT}% của {check.good} đề xuất «Hoàn thành "
                    "tốt nhiệm vụ»)", check.allowed])
    _append(sheet, ["Kết quả", _quota_word(check)])
    if check.exceeded:
        _alarm(sheet.cell(sheet.max_row, 2))
    _widths(sheet, [60, 16])


def _quota_word(check: Quota) -> str:
    return "VƯỢT TỶ LỆ CHO PHÉP" if check.exceeded else "Đạt"


def _alarm(cell) -> None:
    cell.fill = ALARM
    cell.font = ALARM_FONT


def _bold_row(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for n, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + n)].width = width


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _BAD_SHEET_CHARS.sub(" ", clean_text(name)).strip().strip("'")[:31] or "Chi bộ"
    candidate, n = base, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    """A row of the sheet; text shows as written: cleaned of what .xlsx cannot hold, and
    never a formula, whoever typed the name (a leading =, +, - or @ stays text)."""
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
