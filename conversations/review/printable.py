"""The printable self-review (.docx), laid out like the official form, for signing.

The document is always in Vietnamese: it is the Party paper the member signs.
"""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from conversations.core.i18n import document_date
from conversations.core.replies import Document
from conversations.core.text import clean_text, file_name_part
from conversations.forms.kinds import kind_of, points
from conversations.forms.library import FormDef, FormLibrary
from conversations.forms.rating import verdict
from conversations.review import steps as rs
from storage.models import Committee, Member
from storage.reviews import Review

FONT = "Times New Roman"
CHECKED, UNCHECKED = "☒", "☐"
HEADER_LABELS = {
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "party_post": "Chức vụ Đảng",
    "other_posts": "Chức vụ chính quyền, đoàn thể",
    "workplace": "Đơn vị công tác",
    "cell": "Chi bộ",
}
DOTS = "…………………"
DRAFT_MARK = "BẢN NHÁP – KHÔNG DÙNG ĐỂ KÝ, NỘP"
DRAFT_NOTE = ("Đây là bản nháp để đồng chí đọc lại trước khi nộp. Bản để ký được gửi khi "
              "đồng chí nộp bản kiểm điểm.")
LEVEL_SECTION = "B.II"  # where the proposed level is ticked
LETTERHEAD_WIDTHS = (Cm(7), Cm(9))  # the text width is 16 cm; the date line needs 9


def review_document(forms: FormLibrary, member: Member, committee: Committee | None,
                    review: Review, caption: str = "") -> Document:
    """The printable .docx of a member's review, signed on the day it was submitted."""
    form = forms.get(review.form_version, review.form_code)
    zone = ZoneInfo(committee.timezone if committee else "Asia/Ho_Chi_Minh")
    signed_on = (review.submitted_at or review.updated_at).astimezone(zone).date()
    draft = review.editable  # not submitted yet: for reading, never for signing
    content = review_docx(form, member, committee.name if committee else "", review,
                          signed_on=signed_on, place=committee.place if committee else "",
                          draft=draft)
    name = "ban-nhap-kiem-diem" if draft else "ban-kiem-diem"
    filename = file_name_part(f"{name}-{review.year} {member.full_name}") + ".docx"
    return Document(filename, content, caption)


def review_docx(
    form: FormDef, member: Member, committee: str, review: Review, *,
    signed_on: date, place: str = "", draft: bool = False,
) -> bytes:
    doc = new_document()
    _page_and_font(doc)
    if draft:
        _draft_marks(doc)
    _letterhead(doc, committee, member.cell_name, place, signed_on)
    _title(doc, form, review.year)
    _header_fields(doc, form, member)
    page = _Page(doc)
    _part_a(doc, form, review, page)
    _part_b(doc, form, review, page)
    if draft:
        _para(doc, DRAFT_NOTE, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=12)
    else:
        _signature(doc, member.full_name)
    page.print_annex()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_and_font(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(3)


def _draft_marks(doc) -> None:
    """«BẢN NHÁP» at the top of every page and above the title."""
    header = doc.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_run(DRAFT_MARK).bold = True
    _para(doc, DRAFT_MARK, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)


def _para(doc_or_cell, text: str = "", *, bold=False, italic=False, size=None,
          align=None, indent=False, keep=False, before=None):
    """A paragraph; `keep` holds it on the page of the next one (headings, signature)."""
    paragraph = doc_or_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if before is not None:
        paragraph.paragraph_format.space_before = Pt(before)
    run = paragraph.add_run(clean_text(text))  # rows stored before input was cleaned
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return paragraph


def _two_columns(doc):
    """A borderless two-column table of fixed widths whose row never splits over pages."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    row = table.rows[0]
    for column, cell, width in zip(table.columns, row.cells, LETTERHEAD_WIDTHS, strict=True):
        column.width = cell.width = width  # LibreOffice reads the column, Word the cell
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return row.cells


def _letterhead(doc, committee: str, cell: str, place: str, signed_on: date) -> None:
    left, right = _two_columns(doc)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].alignment = center
    left.paragraphs[0].add_run(clean_text(committee.upper())).font.size = Pt(12)
    _para(left, cell.upper(), bold=True, size=12, align=center)
    _para(left, "*", align=center)
    right.paragraphs[0].alignment = center
    heading = right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    heading.bold, heading.underline = True, True
    _para(right, f"{place or DOTS}, {document_date(signed_on)}", italic=True, size=12,
          align=center)


def _title(doc, form: FormDef, year: int) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc)
    _para(doc, form.title_vi, bold=True, size=14, align=center)
    _para(doc, f"Năm {year}", bold=True, size=14, align=center)
    _para(doc, form.subtitle("vi"), italic=True, align=center)
    _para(doc, form.name("vi"), italic=True, size=11, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _header_fields(doc, form: FormDef, member: Member) -> None:
    values = {
        "full_name": member.full_name,
        "birth_date": member.birth_date.strftime("%d/%m/%Y"),
        "party_post": member.party_post,
        "other_posts": member.other_posts,
        "workplace": member.workplace,
        "cell": member.cell_name,
    }
    for field in form.header_fields:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"- {HEADER_LABELS.get(field, field)}: ")
        paragraph.add_run(clean_text(values.get(field) or DOTS)).bold = field == "full_name"


def _answer_paragraphs(doc, text: str) -> None:
    for line in text.splitlines() or [""]:
        if line.strip():
            _para(doc, line.strip(), indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


class _Page:
    """Where an item's kind prints it (conversations/forms/kinds.py `Page`)."""

    blank = DOTS

    def __init__(self, doc) -> None:
        self.doc = doc
        self.annex: list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = []

    def heading(self, text: str) -> None:
        _para(self.doc, text, bold=True, italic=True, keep=True)

    def paragraphs(self, text: str) -> None:
        _answer_paragraphs(self.doc, text)

    def note(self, text: str) -> None:
        _para(self.doc, text, indent=True)

    def line(self, text: str) -> None:
        _para(self.doc, text, indent=False)

    def table(self, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        self.annex.append((title, header, rows))

    def print_annex(self) -> None:
        """The tables of list items, after the signature under «PHỤ LỤC»."""
        if not self.annex:
            return
        heading = _para(self.doc, "PHỤ LỤC", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        heading.paragraph_format.page_break_before = True  # an annex page of its own
        for title, header, rows in self.annex:
            _para(self.doc, title, bold=True, keep=True)
            table = self.doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            table.autofit = False
            widths = _annex_widths(len(header))
            for column, cell, width in zip(table.columns, table.rows[0].cells, widths,
                                           strict=True):
                column.width = cell.width = width  # LibreOffice reads the column, Word the cell
            # the header row repeats on every page the table runs over
            table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.paragraphs[0].add_run(clean_text(text))


def _annex_widths(columns: int) -> list:
    """A narrow «STT» column, then the text columns sharing 16 cm (the first twice as wide)."""
    if columns < 2:
        return [Cm(16)] * columns
    shares = [2] + [1] * (columns - 2)
    unit = 14.5 / sum(shares)
    return [Cm(1.5)] + [Cm(unit * share) for share in shares]


def _part_a(doc, form: FormDef, review: Review, page: _Page) -> None:
    _para(doc, form.parts["A"]("vi"), bold=True, keep=True, before=6)
    for section in form.sections:
        if section.part != "A":
            continue
        _para(doc, section.title("vi"), bold=True, keep=True)
        for item in section.items:
            kind_of(item).print(page, item, review.answers.get(item.key))


def _part_b(doc, form: FormDef, review: Review, page: _Page) -> None:
    _para(doc, form.parts["B"]("vi"), bold=True, keep=True, before=6)
    v = verdict(form, rs.scores(form, review), rs.disqualified(form, review))
    for section in form.sections:
        if section.part != "B":
            continue
        _para(doc, section.title("vi"), bold=True, keep=True)
        for item in section.items:
            kind_of(item).print(page, item, review.answers.get(item.key))
        if section.items:
            _para(doc, f"- Tổng điểm: {points(v.total)}/100 điểm", bold=True)
        if section.key == LEVEL_SECTION:
            for level in form.levels:
                mark = CHECKED if level.key == review.level else UNCHECKED
                # the ticks stay on the page of the signature below them
                _para(doc, f"{mark} {level.label('vi')}", indent=True, keep=True)


def _signature(doc, full_name: str) -> None:
    _para(doc, keep=True)
    _left, right = _two_columns(doc)
    center = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].alignment = center
    right.paragraphs[0].paragraph_format.keep_with_next = True
    right.paragraphs[0].add_run("NGƯỜI TỰ KIỂM ĐIỂM").bold = True
    _para(right, "(Ký, ghi rõ họ tên)", italic=True, align=center, keep=True)
    for _ in range(3):
        _para(right, keep=True)
    _para(right, full_name, bold=True, align=center)
