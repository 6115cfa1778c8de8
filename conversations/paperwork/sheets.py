"""How an .xlsx paper prints as it is: A4 landscape, scaled to the page width, the table's
header row on every page, the letterhead and title above the table, the signature block
below it. Text goes in as written, never as a formula, whoever typed it."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from conversations.core.text import clean_text, looks_like_formula
from conversations.paperwork.heading import COUNTRY_PARTY, Heading

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
ITALIC = Font(italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LINE_HEIGHT = 15  # points, a line of the default 11-point font


def append(sheet: Worksheet, values: Sequence[object]) -> None:
    """A row of the sheet; text shows as written: cleaned of what .xlsx cannot hold, and
    never a formula, whoever typed the name (a leading =, +, - or @ stays text)."""
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        _as_text(cell)


def write_row(sheet: Worksheet, row: int, values: Sequence[object]) -> None:
    """Values from column A of a given row (the next `append` goes below it)."""
    for column, value in enumerate(values, start=1):
        _as_text(sheet.cell(row, column, clean_text(value) if isinstance(value, str)
                            else value))


def _as_text(cell) -> None:
    if isinstance(cell.value, str) and looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _put(sheet: Worksheet, row: int, first: int, last: int, text: str, font: Font,
         align: Alignment = CENTER) -> None:
    """Text across columns first..last of a row (merged when wider than one column)."""
    cell = sheet.cell(row, first, clean_text(text))
    _as_text(cell)
    cell.font, cell.alignment = font, align
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def letterhead(sheet: Worksheet, heading: Heading, width: int, title: str, subtitle: str
               ) -> int:
    """The issuer (left) and the Party with place and date (right), then the title.
    Writes from row 1 and returns the row where the table's header goes."""
    split = max(1, width // 2 - 1)
    upper, issuer = heading.issuer
    _put(sheet, 1, 1, split, upper, Font(size=11))
    _put(sheet, 1, split + 1, width, COUNTRY_PARTY, Font(bold=True, underline="single"))
    _put(sheet, 2, 1, split, issuer, BOLD)
    _put(sheet, 2, split + 1, width, heading.dated, ITALIC)
    _put(sheet, 3, 1, split, "*", Font())
    _put(sheet, 5, 1, width, title, TITLE)
    _put(sheet, 6, 1, width, subtitle, Font(bold=True, size=12))
    for row in (5, 6):
        sheet.row_dimensions[row].height = 20
    return 8


def sentence(sheet: Worksheet, text: str, width: int) -> None:
    """A line of text below the table, across its width (room for two lines)."""
    row = sheet.max_row + 2
    _put(sheet, row, 1, width, text, Font(), Alignment(horizontal="left", wrap_text=True))
    sheet.row_dimensions[row].height = 2 * LINE_HEIGHT


def signature(sheet: Worksheet, heading: Heading, width: int) -> None:
    """Below the table: who receives it (left), who signs it (right), room to sign and
    the signer's name when known."""
    top = sheet.max_row + 2
    split = max(1, width // 2 - 1)
    on_behalf, title = heading.signature
    _put(sheet, top, split + 1, width, on_behalf, BOLD)
    _put(sheet, top + 1, split + 1, width, title, BOLD)
    if heading.signer:
        _put(sheet, top + 5, split + 1, width, heading.signer, BOLD)
    else:
        _put(sheet, top + 5, split + 1, width, "(Ký, ghi rõ họ tên)", ITALIC)
    _put(sheet, top, 1, split, "Nơi nhận:", Font(bold=True, italic=True, underline="single"),
         Alignment(horizontal="left"))
    for n, line in enumerate(heading.recipients, start=1):
        _put(sheet, top + n, 1, split, line, Font(size=10), Alignment(horizontal="left"))


def table_style(sheet: Worksheet, header_row: int, last_row: int, width: int) -> None:
    """Grid lines, a bold wrapped header and wrapped cells: a long name or reason grows the
    row downwards instead of running into the next column."""
    for row in sheet.iter_rows(min_row=header_row, max_row=last_row, max_col=width):
        for cell in row:
            cell.border = GRID
            cell.alignment = WRAP if cell.row > header_row else CENTER
            if cell.row == header_row:
                cell.font = BOLD


def fit_rows(sheet: Worksheet, first_row: int, last_row: int) -> None:
    """Row heights for the wrapped text, set here: neither LibreOffice nor Excel grows a
    row of a generated file to its text when opening it, so long cells would overlap."""
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row):
        lines = 1
        for cell in row:
            if cell.value is None or cell.coordinate in sheet.merged_cells:
                continue
            per_line = max(1, int((widths.get(cell.column_letter) or 10) * 1.1) - 1)
            text = str(cell.value)
            lines = max(lines, sum(-(-len(part) // per_line) or 1
                                   for part in text.split("\n")))
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = LINE_HEIGHT * lines


def print_setup(sheet: Worksheet, header_row: int, widths: Sequence[float]) -> None:
    """A4 landscape, every column on one page width (as many pages down as needed), the
    header row repeated on each page, page numbers in the footer."""
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3,
                                     footer=0.3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    fit_rows(sheet, header_row, sheet.max_row)
    sheet.oddFooter.center.text = "Trang &P/&N"
    sheet.freeze_panes = sheet.cell(header_row + 1, 1).coordinate
