"""A .docx Party paper: A4 with the margins of administrative documents, Times New Roman,
the letterhead (issuer left; the Party, place and date right), tables of fixed widths
whose header row repeats on every page, and the signature block."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

from conversations.core.text import clean_text
from conversations.paperwork.heading import COUNTRY_PARTY, Heading, letterhead_lines

FONT = "Times New Roman"
# The letterhead's left column, and how many capitals of 12 points fit on one of its lines
# (about 0.32 cm each in bold, 0.26 cm plain): a longer name breaks after its body word.
LETTERHEAD_LEFT_CM = 7.0
FITS_BOLD, FITS_PLAIN = 21, 25
CENTER, LEFT, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT,
                                WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY)


class Paper:
    """One document being written, top to bottom."""

    def __init__(self, *, landscape: bool = False) -> None:
        self.doc = new_document()
        section = self.doc.sections[0]
        short, long = Cm(21), Cm(29.7)
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        self.width_cm = (29.7 if landscape else 21) - 4.5  # between the margins
        style = self.doc.styles["Normal"]
        style.font.name, style.font.size = FONT, Pt(13)
        style.element.rPr.rFonts.set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", FONT)
        style.paragraph_format.space_after = Pt(3)

    def text(self, text: str = "", *, bold: bool = False, italic: bool = False,
             size: float | None = None, align=JUSTIFY, indent: bool = False,
             keep: bool = False, where=None):
        """A paragraph (in a table cell when `where` is one); `keep` holds it on the page
        of the next paragraph (headings, the signature block)."""
        paragraph = (where or self.doc).add_paragraph()
        paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.paragraph_format.keep_with_next = keep
        run = paragraph.add_run(clean_text(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        return paragraph

    def heading(self, text: str) -> None:
        self.text(text, bold=True, keep=True, align=LEFT).paragraph_format.space_before = Pt(6)

    def room(self, lines: int = 3) -> None:
        """Dotted lines for the secretary to complete by hand or in Word."""
        for _ in range(lines):
            self.text("." * 180, align=LEFT, size=10)  # about the text width

    def _columns(self, widths: Sequence[float]) -> tuple:
        """A borderless table of one row, columns in cm, that never splits over pages."""
        table = self.doc.add_table(rows=1, cols=len(widths))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        row = table.rows[0]
        for column, cell, width in zip(table.columns, row.cells, widths, strict=True):
            column.width = cell.width = Cm(width)  # LibreOffice reads the column, Word the cell
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in row.cells:
            cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
        return row.cells

    def letterhead(self, heading: Heading, form_code: str = "") -> None:
        left, right = self._columns((LETTERHEAD_LEFT_CM, self.width_cm - LETTERHEAD_LEFT_CM))
        upper, issuer = heading.issuer
        if upper:
            self.text(letterhead_lines(upper, FITS_PLAIN), size=12, align=CENTER, where=left)
        self.text(letterhead_lines(issuer, FITS_BOLD), bold=True, size=12, align=CENTER,
                  where=left)
        self.text("*", align=CENTER, where=left)
        party = self.text(COUNTRY_PARTY, bold=True, size=14, align=CENTER, where=right)
        party.runs[0].underline = True
        self.text(heading.dated, italic=True, size=12, align=CENTER, where=right)
        if form_code:
            self.text(form_code, italic=True, size=11, align=RIGHT, where=right)

    def title(self, *lines: str, note: str = "") -> None:
        """Centred bold lines; a line's "\\n" is where it breaks, not the page's edge."""
        self.text()
        for line in lines:
            self.text(line, bold=True, size=14, align=CENTER, keep=True)
        if note:
            self.text(note, italic=True, align=CENTER)
        self.text()

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]],
              widths: Sequence[float], *, bold_rows: frozenset[int] = frozenset(),
              merged_rows: frozenset[int] = frozenset(), size: float = 12,
              keep: bool = False) -> None:
        """A grid with its header row repeated on every page; rows never split. A merged
        row is one text across the whole width (a group's title). `keep`: the whole table
        stays on the page of what follows it (a short table, then a sentence, a signature)."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        header = table.rows[0]
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        self._fill(header, headers, widths, bold=True, align=CENTER, size=size)
        for n, values in enumerate(rows):
            row = table.add_row()
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            if n in merged_rows:
                merged = row.cells[0].merge(row.cells[-1])
                run = merged.paragraphs[0].add_run(clean_text(str(values[0])))
                run.bold, run.font.size = True, Pt(size)
                continue
            self._fill(row, values, widths, bold=n in bold_rows, size=size)
        if keep:
            for cell in (c for row in table.rows for c in row.cells):
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
        self.text(keep=keep)

    @staticmethod
    def _fill(row, values: Sequence[object], widths: Sequence[float], *, bold: bool,
              size: float, align=LEFT) -> None:
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = Cm(width)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = CENTER if isinstance(value, int) else align
            run = paragraph.add_run(clean_text("" if value is None else str(value)))
            run.bold, run.font.size = bold, Pt(size)

    def signature(self, heading: Heading) -> None:
        """Recipients (left) and who signs (right), kept together on one page."""
        self.text(keep=True)
        left, right = self._columns((7, self.width_cm - 7))
        recipients = self.text("Nơi nhận:", bold=True, italic=True, size=12, align=LEFT,
                               where=left)
        recipients.runs[0].underline = True
        for line in heading.recipients:
            self.text(line, size=11, align=LEFT, where=left)
        on_behalf, title = heading.signature
        self.text(on_behalf, bold=True, align=CENTER, where=right)
        self.text(title, bold=True, align=CENTER, where=right)
        for _ in range(3):
            self.text(where=right)
        if heading.signer:
            self.text(heading.signer, bold=True, align=CENTER, where=right)
        else:
            self.text("(Ký, ghi rõ họ tên)", italic=True, size=12, align=CENTER, where=right)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
