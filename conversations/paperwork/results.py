"""The list of results the committee sends up: members by the level it decided, per cell,
with totals, as .xlsx and as a printable .docx. A member without a decision yet is listed
as such (with the cell's proposal beside it), never given a guessed level. Pure."""

from __future__ import annotations

import io
from collections.abc import Iterator

from openpyxl import Workbook

from conversations.paperwork import sheets
from conversations.paperwork.figures import NO_DECISION, CellResults, Results, quota_line
from conversations.paperwork.heading import people
from conversations.paperwork.paper import Paper

TITLE = "DANH SÁCH KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN"
NOT_REVIEWED = "Không kiểm điểm"
LIST_HEADERS = ("STT", "Họ và tên", "Chi bộ", "Chi bộ đề xuất", "Đảng ủy quyết định",
                "Ghi chú")
CELL_RATED = "Đảng ủy xếp loại chi bộ"
TOTAL_TAIL = ("Chưa có quyết định", "Không kiểm điểm", "Tổng số đảng viên")
# the levels as the totals table on paper heads its narrow columns
SHORT = {"excellent": "Hoàn thành xuất sắc", "good": "Hoàn thành tốt", "done": "Hoàn thành",
         "not_done": "Không hoàn thành"}


def _label(results: Results, key: str | None, missing: str = "") -> str:
    return dict(results.levels).get(key or "", missing)


def _groups(results: Results, cell: CellResults) -> Iterator[tuple[str, list]]:
    """(group title, its lines): each decided level with members, the undecided, the
    not reviewed."""
    for key, label in results.levels:
        lines = [line for line in cell.lines if line.level == key]
        if lines:
            yield label, lines
    undecided = [line for line in cell.lines if line.level is None]
    if undecided:
        yield NO_DECISION, undecided
    if cell.not_reviewed:
        yield NOT_REVIEWED, list(cell.not_reviewed)


def _totals(results: Results, short: bool = False) -> tuple[list[str], list[list[object]]]:
    headers = ["Tên chi bộ", *(SHORT.get(key, label) if short else label
                               for key, label in results.levels), *TOTAL_TAIL]
    rows: list[list[object]] = []
    for cell in results.cells:
        rows.append([cell.cell, *(cell.count(key) for key, _ in results.levels),
                     cell.count(None), len(cell.not_reviewed),
                     len(cell.lines) + len(cell.not_reviewed)])
    rows.append(["Tổng cộng", *(sum(r[n] for r in rows) for n in range(1, len(headers)))])
    return headers, rows


def _cell_title(results: Results, cell: CellResults) -> str:
    """'CHI BỘ 1 (4 đồng chí)', with the committee's level for the cell once given."""
    size = people(len(cell.lines) + len(cell.not_reviewed))
    rated = _label(results, cell.rating)
    return f"{cell.cell.upper()} ({size})" + (f" — chi bộ xếp loại: {rated}" if rated else "")


def _quota(results: Results, plain: bool = False) -> str:
    return quota_line("toàn đảng bộ, Đảng ủy quyết định", results.rule, results.decided,
                      plain=plain)


def results_xlsx(results: Results) -> bytes:
    """Sheet 1: every member by cell and level; sheet 2: counts per cell with the total."""
    heading = results.heading
    book = Workbook()
    listing = book.active
    listing.title = "Danh sách"
    top = sheets.letterhead(listing, heading, len(LIST_HEADERS), TITLE, f"Năm {heading.year}")
    sheets.write_row(listing, top, LIST_HEADERS)
    n = 0
    for cell in results.cells:
        for group, lines in _groups(results, cell):
            for line in lines:
                n += 1
                decided = NOT_REVIEWED if group == NOT_REVIEWED else _label(
                    results, line.level, NO_DECISION)
                sheets.append(listing, [n, line.full_name, cell.cell,
                                        _label(results, line.cell_level) or None, decided,
                                        line.note or None])
    sheets.table_style(listing, top, listing.max_row, len(LIST_HEADERS))
    sheets.signature(listing, heading, len(LIST_HEADERS))
    sheets.print_setup(listing, top, (6, 28, 22, 26, 30, 40))

    counts = book.create_sheet("Tổng hợp")
    headers, rows = _totals(results)
    headers.append(CELL_RATED)
    for row, cell in zip(rows, results.cells, strict=False):  # the total line has none
        row.append(_label(results, cell.rating) or None)
    top = sheets.letterhead(counts, heading, len(headers), TITLE, f"Năm {heading.year} — "
                            "tổng hợp theo chi bộ")
    sheets.write_row(counts, top, headers)
    for row in rows:
        sheets.append(counts, row)
    for cell in counts[counts.max_row]:
        cell.font = sheets.BOLD
    sheets.table_style(counts, top, counts.max_row, len(headers))
    sheets.sentence(counts, _quota(results), len(headers))
    sheets.signature(counts, heading, len(headers))
    sheets.print_setup(counts, top, [28, *([14] * (len(headers) - 2)), 22])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_docx(results: Results) -> bytes:
    heading = results.heading
    paper = Paper()
    paper.letterhead(heading)
    paper.title(TITLE, f"NĂM {heading.year}")
    rows: list[list[object]] = []
    merged, n = set(), 0
    for cell in results.cells:
        merged.add(len(rows))
        rows.append([_cell_title(results, cell)])
        for group, lines in _groups(results, cell):
            merged.add(len(rows))
            rows.append([f"{group}: {people(len(lines))}"])
            for line in lines:
                n += 1
                rows.append([n, line.full_name, _label(results, line.cell_level), line.note])
    paper.table(["STT", "Họ và tên", "Chi bộ đề xuất", "Ghi chú"], rows, (1.2, 5.3, 5.5, 4.5),
                merged_rows=frozenset(merged))
    # the totals, the quota and the signature stay on one page: never a last page with
    # only the signature
    paper.heading("TỔNG HỢP THEO CHI BỘ")
    headers, totals = _totals(results, short=True)
    widths = (3.4, *([1.87] * (len(headers) - 1)))
    paper.table(headers, totals, widths, bold_rows=frozenset({len(totals) - 1}), size=11,
                keep=True)
    paper.text(_quota(results, plain=True), indent=True, keep=True)
    paper.signature(heading)
    return paper.save()
