"""The cell's files: the .xlsx summary and the .zip of printable reviews.

Pure: rows in, bytes out. The files are Party papers, so they are in Vietnamese whatever
the reader's chat language (like the printable review). The .xlsx sheets print as they
are (conversations/paperwork/sheets.py: A4 landscape, letterhead, signature block).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from conversations.core.text import clean_text, file_name_part
from conversations.forms import rating
from conversations.paperwork import sheets
from conversations.paperwork.heading import Heading, people

EXCELLENT, GOOD = "excellent", "good"
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
    "not_expected": "Không có trong danh sách đợt kiểm điểm (chuyển đến sau khi bắt đầu)",
    "removed": "Không còn trong danh sách đảng viên (giữ bản kiểm điểm đã nộp)",
}
REMOVED = "removed"  # the reason of a member taken off the list who had handed in
MEMBER_HEADERS = (
    "STT", "Họ và tên", "Mẫu", "Trạng thái", "Thời điểm nộp", "Điểm tiêu chí chung (/30)",
    "Điểm kết quả thực hiện nhiệm vụ (/70)", "Tổng điểm (/100)", "Cá nhân tự đề xuất",
    "Chi bộ đề xuất", "Đảng ủy quyết định", "Lý do (mức bị giới hạn, thay đổi)",
)
MEMBER_WIDTHS = (5, 24, 5, 16, 16, 9, 10, 8, 17, 17, 17, 32)
UNCONFIRMED = " (chưa xác nhận)"  # the cell's proposal while its list is being filled
ALARM = PatternFill("solid", fgColor="FFC7CE")
ALARM_FONT = Font(bold=True, color="9C0006")
DATE_FORMAT = "dd/mm/yyyy hh:mm"
OVER, WITHIN = "VƯỢT TỶ LỆ CHO PHÉP", "Đạt"
STAGES = ("Cá nhân tự đề xuất", "Chi bộ đề xuất", "Đảng ủy quyết định")


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
    cell_level: str | None = None     # the level key the cell proposes
    cell_confirmed: bool = False
    committee_level: str | None = None  # the level key the committee decided
    note: str = ""                    # why a level is capped or changed

    @property
    def total(self) -> int | None:
        if self.general is None and self.tasks is None:
            return None
        return (self.general or 0) + (self.tasks or 0)

    @property
    def proposed(self) -> str | None:
        """The level counts only once the review is handed in."""
        return self.level if self.status in ("submitted", "accepted") else None

    def at(self, stage: int) -> str | None:
        """The level key at a stage of the chain: 0 own, 1 the cell's, 2 the committee's."""
        return (self.proposed, self.cell_level, self.committee_level)[stage]


@dataclass(frozen=True)
class Quota:
    excellent: int
    good: int
    rule: rating.Quota = field(default_factory=rating.Quota, compare=False)

    @property
    def allowed(self) -> int:
        """How many «xuất sắc» the rule allows, in people (rounded down)."""
        return self.rule.allowed({EXCELLENT: self.excellent, GOOD: self.good})

    @property
    def exceeded(self) -> bool:
        return self.excellent > self.allowed

    def explained(self) -> str:
        """'tối đa 1 đồng chí (20% của 5 đồng chí «Hoàn thành tốt nhiệm vụ»)'."""
        base = self.good + (self.excellent if self.rule.base == "good_or_better" else 0)
        which = ("«Hoàn thành tốt nhiệm vụ» trở lên" if self.rule.base == "good_or_better"
                 else "«Hoàn thành tốt nhiệm vụ»")
        share = f"{float(self.rule.share) * 100:g}%"
        return f"tối đa {people(self.allowed)} ({share} của {people(base)} {which})"


def quota(rows: Sequence[ExportRow], stage: int = 0, rule: rating.Quota | None = None
          ) -> Quota:
    levels = [r.at(stage) for r in rows]
    return Quota(levels.count(EXCELLENT), levels.count(GOOD), rule or rating.Quota())


def status_text(row: ExportRow) -> str:
    if row.status == "excluded":
        return EXCLUDED_VI.get(row.reason or "", "Không kiểm điểm")
    return STATUS_VI[row.status]


def cell_xlsx(heading: Heading, rows: Sequence[ExportRow], levels: Sequence[tuple[str, str]],
              rule: rating.Quota | None = None) -> bytes:
    """Sheet 1: one row per member; sheet 2: counts per level and the quota check."""
    book = Workbook()
    _members_sheet(book.active, "Danh sách", heading, rows, levels)
    _counts_sheet(book.create_sheet("Tổng hợp"), heading, rows, levels, rule)
    return _save(book)


SUMMARY_HEADERS = ("Chi bộ", "Phải kiểm điểm", "Đã nộp", "Tỷ lệ nộp")
SUMMARY_TAIL = ("Kiểm tra tỷ lệ xuất sắc", "Xuất sắc tối đa (đồng chí)",
                "Chi bộ đã đề xuất", "Đảng ủy đã quyết định")


def committee_xlsx(heading: Heading, cells: Sequence[tuple[str, Sequence[ExportRow]]],
                   levels: Sequence[tuple[str, str]], rule: rating.Quota | None = None,
                   signers: Mapping[str, str] | None = None) -> bytes:
    """A summary sheet (one line per cell and a total line), then one sheet per cell,
    signed by the cell's secretary (`signers`: by cell name) where known."""
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    headers = (*SUMMARY_HEADERS, *(label for _key, label in levels), *SUMMARY_TAIL)
    top = sheets.letterhead(summary, heading, len(headers),
                            "TỔNG HỢP KIỂM ĐIỂM, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN",
                            f"Năm {heading.year} — tự đề xuất của đảng viên theo chi bộ")
    sheets.write_row(summary, top, headers)
    used: set[str] = {summary.title}
    for name, rows in cells:
        _summary_line(summary, name, rows, levels, rule)
        _members_sheet(book.create_sheet(), _sheet_name(name, used),
                       replace(heading, cell=name, signer=(signers or {}).get(name, "")),
                       rows, levels)
    _summary_line(summary, "Tổng cộng", [r for _name, rows in cells for r in rows], levels,
                  rule)
    for cell in summary[summary.max_row]:
        cell.font = sheets.BOLD
    sheets.table_style(summary, top, summary.max_row, len(headers))
    _alarms(summary, top, headers.index(SUMMARY_TAIL[0]) + 1)
    sheets.signature(summary, heading, len(headers))
    sheets.print_setup(summary, top, [24, 10, 9, 9, *([14] * len(levels)), 14, 11, 10, 11])
    return _save(book)


def _summary_line(sheet: Worksheet, name: str, rows: Sequence[ExportRow],
                  levels: Sequence[tuple[str, str]], rule: rating.Quota | None) -> None:
    expected = [r for r in rows if r.status != "excluded"]
    done = [r for r in expected if r.proposed is not None]
    share = len(done) / len(expected) if expected else 1.0
    proposed = [r.proposed for r in rows]
    check = quota(rows, 0, rule)
    sheets.append(sheet, [
        name, len(expected), len(done), share, *(proposed.count(key) for key, _ in levels),
        _quota_word(check), check.allowed, sum(1 for r in rows if r.cell_level),
        sum(1 for r in rows if r.committee_level)])
    sheet.cell(sheet.max_row, 4).number_format = "0%"


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

def _members_sheet(sheet: Worksheet, name: str, heading: Heading, rows: Sequence[ExportRow],
                   levels: Sequence[tuple[str, str]]) -> None:
    sheet.title = name
    label = dict(levels)
    top = sheets.letterhead(sheet, heading, len(MEMBER_HEADERS),
                            "DANH SÁCH KIỂM ĐIỂM, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN",
                            f"{heading.cell} — Năm {heading.year}")
    sheets.write_row(sheet, top, MEMBER_HEADERS)
    for n, row in enumerate(rows, start=1):
        cell_level = label.get(row.cell_level or "", "")
        if cell_level and not row.cell_confirmed:
            cell_level += UNCONFIRMED
        sheets.append(sheet, [
            n, row.full_name, row.form, status_text(row), row.submitted_at, row.general,
            row.tasks, row.total, row.level_label if row.proposed else None,
            cell_level or None, label.get(row.committee_level or ""), row.note or None])
        sheet.cell(sheet.max_row, 5).number_format = DATE_FORMAT
    sheets.table_style(sheet, top, sheet.max_row, len(MEMBER_HEADERS))
    sheets.signature(sheet, heading, len(MEMBER_HEADERS))
    sheets.print_setup(sheet, top, MEMBER_WIDTHS)


def _counts_sheet(sheet: Worksheet, heading: Heading, rows: Sequence[ExportRow],
                  levels: Sequence[tuple[str, str]], rule: rating.Quota | None) -> None:
    """Counts per level at each stage of the chain, then the «xuất sắc» quota at each."""
    width = 1 + len(STAGES)
    top = sheets.letterhead(sheet, heading, width, "TỔNG HỢP XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN",
                            f"{heading.cell} — Năm {heading.year}")
    sheets.write_row(sheet, top, ["Mức xếp loại", *STAGES])
    stages = range(len(STAGES))
    at = [[r.at(stage) for r in rows] for stage in stages]
    for key, label in levels:
        sheets.append(sheet, [label, *(at[stage].count(key) for stage in stages)])
    expected = [r for r in rows if r.status != "excluded"]
    sheets.append(sheet, ["Chưa nộp / chưa đề xuất / chưa quyết định",
                          *(sum(1 for r in expected if r.at(stage) is None)
                            for stage in stages)])
    sheets.append(sheet, ["Không kiểm điểm lần này", *([len(rows) - len(expected)] * 3)])
    checks = [quota(rows, stage, rule) for stage in stages]
    sheets.append(sheet, ["Số «Hoàn thành xuất sắc nhiệm vụ»", *(c.excellent for c in checks)])
    sheets.append(sheet, ["Tối đa được phép", *(c.explained() for c in checks)])
    sheets.append(sheet, ["Kết quả kiểm tra tỷ lệ", *(
        _quota_word(c) if any(at[stage]) else "—"
        for stage, c in zip(stages, checks, strict=True))])
    sheets.table_style(sheet, top, sheet.max_row, width)
    _alarms(sheet, sheet.max_row, *range(2, width + 1))
    sheets.signature(sheet, heading, width)
    sheets.print_setup(sheet, top, [46, 30, 30, 30])


def _quota_word(check: Quota) -> str:
    return OVER if check.exceeded else WITHIN


def _alarms(sheet: Worksheet, first_row: int, *columns: int) -> None:
    """The quota's verdicts over the limit stand out in red."""
    for row in range(first_row, sheet.max_row + 1):
        for column in columns:
            cell = sheet.cell(row, column)
            if cell.value == OVER:
                cell.fill, cell.font = ALARM, ALARM_FONT


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


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
