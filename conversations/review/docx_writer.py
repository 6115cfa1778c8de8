"""The printable's building blocks in python-docx: the page, a paragraph, the tables.

`DocxWriter` is what the layout (printable.py) calls. It writes python-docx objects, and
is used for two things: the reference document (built the slow way, ~50 ms, for tests)
and the prototypes of docx_template.py, built once per form with markers where the text
goes, into which each member's text is then spliced.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from conversations.core.text import clean_text

FONT = "Times New Roman"
DRAFT_MARK = "BẢN NHÁP – KHÔNG DÙNG ĐỂ KÝ, NỘP"
LETTERHEAD_WIDTHS = (Cm(7), Cm(9))  # the text width is 16 cm; the date line needs 9
CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT,
                          WD_ALIGN_PARAGRAPH.JUSTIFY)


def skeleton_document(draft: bool):
    """A python-docx document with the page, the font and (drafts) the page header set,
    and an empty body: what every printable of a form shares."""
    doc = new_document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(3)
    if draft:  # «BẢN NHÁP» at the top of every page
        header = doc.sections[0].header.paragraphs[0]
        header.alignment = CENTER
        header.add_run(DRAFT_MARK).bold = True
    return doc


class DocxWriter:
    """Paragraphs and tables appended to a python-docx document's body."""

    def __init__(self, doc) -> None:
        self.doc = doc

    def para(self, text: str = "", *, bold: bool = False, italic: bool = False,
             size: int | None = None, align=None, indent: bool = False, keep: bool = False,
             before: int | None = None, page_break: bool = False) -> None:
        """A paragraph; `keep` holds it on the page of the next one (headings, signature)."""
        _paragraph(self.doc, text, bold=bold, italic=italic, size=size, align=align,
                   indent=indent, keep=keep, before=before, page_break=page_break)

    def field(self, label: str, value: str, *, bold: bool) -> None:
        """«- Họ và tên: value» of the header."""
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(clean_text(label))
        paragraph.add_run(clean_text(value)).bold = bold

    def letterhead(self, committee: str, cell: str, date_line: str) -> None:
        left, right = self._two_columns()
        left.paragraphs[0].alignment = CENTER
        left.paragraphs[0].add_run(clean_text(committee)).font.size = Pt(12)
        _paragraph(left, cell, bold=True, size=12, align=CENTER)
        _paragraph(left, "*", align=CENTER)
        right.paragraphs[0].alignment = CENTER
        heading = right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
        heading.bold, heading.underline = True, True
        _paragraph(right, date_line, italic=True, size=12, align=CENTER)

    def signature(self, full_name: str) -> None:
        _paragraph(self.doc, keep=True)
        _left, right = self._two_columns()
        right.paragraphs[0].alignment = CENTER
        right.paragraphs[0].paragraph_format.keep_with_next = True
        right.paragraphs[0].add_run("NGƯỜI TỰ KIỂM ĐIỂM").bold = True
        _paragraph(right, "(Ký, ghi rõ họ tên)", italic=True, align=CENTER, keep=True)
        for _ in range(3):
            _paragraph(right, keep=True)
        _paragraph(right, full_name, bold=True, align=CENTER)

    def annex_table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table of the annex: a bold header row repeated on every page it runs over."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.autofit = False
        widths = _annex_widths(len(header))
        for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
            column.width = cell.width = width  # LibreOffice reads the column, Word the cell
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(clean_text(text)).bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.paragraphs[0].add_run(clean_text(text))

    def _two_columns(self):
        """A borderless two-column table of fixed widths whose row never splits over pages."""
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        row = table.rows[0]
        for column, cell, width in zip(table.columns, row.cells, LETTERHEAD_WIDTHS, strict=True):
            column.width = cell.width = width  # LibreOffice reads the column, Word the cell
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        return row.cells


def _paragraph(doc_or_cell, text: str = "", *, bold=False, italic=False, size=None,
               align=None, indent=False, keep=False, before=None, page_break=False) -> None:
    paragraph = doc_or_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if before is not None:
        paragraph.paragraph_format.space_before = Pt(before)
    if page_break:
        paragraph.paragraph_format.page_break_before = True
    run = paragraph.add_run(clean_text(text))  # rows stored before input was cleaned
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)


def _annex_widths(columns: int) -> list:
    """A narrow «STT» column, then the text columns sharing 16 cm (the first twice as wide)."""
    if columns < 2:
        return [Cm(16)] * columns
    shares = [2] + [1] * (columns - 2)
    unit = 14.5 / sum(shares)
    return [Cm(1.5)] + [Cm(unit * share) for share in shares]
