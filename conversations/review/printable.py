"""The printable self-review (.docx), laid out like the official form, for signing.

The document is always in Vietnamese: it is the Party paper the member signs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from conversations.core.i18n import document_date
from conversations.core.replies import Document
from conversations.core.text import file_name_part
from conversations.core.zones import DEFAULT_TIMEZONE
from conversations.forms.kinds import kind_of, points
from conversations.forms.library import FormDef, FormLibrary
from conversations.forms.rating import verdict
from conversations.review import steps as rs
from conversations.review.docx_template import SplicingWriter, package
from conversations.review.docx_writer import (
    CENTER,
    DRAFT_MARK,
    JUSTIFY,
    RIGHT,
    DocxWriter,
    skeleton_document,
)
from storage.models import Committee, Member
from storage.reviews import Review

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
DRAFT_NOTE = ("Đây là bản nháp để đồng chí đọc lại trước khi nộp. Bản để ký được gửi khi "
              "đồng chí nộp bản kiểm điểm.")
LEVEL_SECTION = "B.II"  # where the proposed level is ticked


def review_document(forms: FormLibrary, member: Member, committee: Committee | None,
                    review: Review, caption: str = "") -> Document:
    """The printable .docx of a member's review, signed on the day it was submitted."""
    form = forms.get(review.form_version, review.form_code)
    zone = ZoneInfo(committee.timezone if committee else DEFAULT_TIMEZONE)
    signed_on = (review.submitted_at or review.updated_at).astimezone(zone).date()
    draft = review.editable  # not submitted yet: for reading, never for signing
    content = review_docx(form, member, committee.name if committee else "", review,
                          signed_on=signed_on, place=committee.place if committee else "",
                          draft=draft)
    name = "ban-nhap-kiem-diem" if draft else "ban-kiem-diem"
    filename = file_name_part(f"{name}-{review.year} {member.full_name}") + ".docx"
    return Document(filename, content, caption)


def review_documents(forms: FormLibrary, committee: Committee | None,
                     reviews: Sequence[tuple[str, Member, Review]]
                     ) -> list[tuple[str, str, bytes]]:
    """(folder, member, review) -> (folder, file name, .docx): a page of an export, in a
    worker process (conversations/core/heavy.py)."""
    documents = []
    for folder, member, review in reviews:
        document = review_document(forms, member, committee, review)
        documents.append((folder, document.filename, document.content))
    return documents


def warm_up() -> None:
    """In a new worker: the packages of both kinds of printable, made before they are
    needed (conversations/core/heavy.py `WorkerPool.start`)."""
    package(False)
    package(True)


def review_docx(
    form: FormDef, member: Member, committee: str, review: Review, *,
    signed_on: date, place: str = "", draft: bool = False,
) -> bytes:
    """The document from the prototypes of docx_template.py (a few ms)."""
    writer = SplicingWriter()
    lay_out(writer, form, member, committee, review, signed_on=signed_on, place=place,
            draft=draft)
    return package(draft).document("".join(writer.body))


def review_docx_by_python_docx(
    form: FormDef, member: Member, committee: str, review: Review, *,
    signed_on: date, place: str = "", draft: bool = False,
) -> bytes:
    """The same document built by python-docx throughout (~50 ms): the reference."""
    doc = skeleton_document(draft)
    lay_out(DocxWriter(doc), form, member, committee, review, signed_on=signed_on,
            place=place, draft=draft)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def lay_out(writer: Writer, form: FormDef, member: Member, committee: str, review: Review,
            *, signed_on: date, place: str, draft: bool) -> None:
    """The printable, top to bottom, as calls to a writer."""
    if draft:
        writer.para(DRAFT_MARK, bold=True, size=14, align=CENTER)
    writer.letterhead(committee.upper(), member.cell_name.upper(),
                      f"{place or DOTS}, {document_date(signed_on)}")
    _title(writer, form, review.year)
    _header_fields(writer, form, member)
    page = _Page(writer)
    _part_a(writer, form, review, page)
    _part_b(writer, form, review, page)
    if draft:
        writer.para(DRAFT_NOTE, italic=True, align=CENTER, before=12)
    else:
        writer.signature(member.full_name)
    page.print_annex()


class Writer(Protocol):
    """What the layout calls: docx_writer.DocxWriter or docx_template.SplicingWriter."""

    def para(self, text: str = "", **fmt: Any) -> None: ...
    def field(self, label: str, value: str, *, bold: bool) -> None: ...
    def letterhead(self, committee: str, cell: str, date_line: str) -> None: ...
    def signature(self, full_name: str) -> None: ...
    def annex_table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None: ...


def _title(writer: Writer, form: FormDef, year: int) -> None:
    writer.para()
    writer.para(form.title_vi, bold=True, size=14, align=CENTER)
    writer.para(f"Năm {year}", bold=True, size=14, align=CENTER)
    writer.para(form.subtitle("vi"), italic=True, align=CENTER)
    writer.para(form.name("vi"), italic=True, size=11, align=RIGHT)


def _header_fields(writer: Writer, form: FormDef, member: Member) -> None:
    values = {
        "full_name": member.full_name,
        "birth_date": member.birth_date.strftime("%d/%m/%Y"),
        "party_post": member.party_post,
        "other_posts": member.other_posts,
        "workplace": member.workplace,
        "cell": member.cell_name,
    }
    for field in form.header_fields:
        writer.field(f"- {HEADER_LABELS.get(field, field)}: ", values.get(field) or DOTS,
                     bold=field == "full_name")


class _Page:
    """Where an item's kind prints it (conversations/forms/kinds.py `Page`)."""

    blank = DOTS

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.annex: list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = []

    def heading(self, text: str) -> None:
        self.writer.para(text, bold=True, italic=True, keep=True)

    def paragraphs(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            if line.strip():
                self.writer.para(line.strip(), indent=True, align=JUSTIFY)

    def note(self, text: str) -> None:
        self.writer.para(text, indent=True)

    def line(self, text: str) -> None:
        self.writer.para(text, indent=False)

    def table(self, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        self.annex.append((title, header, rows))

    def print_annex(self) -> None:
        """The tables of list items, after the signature under «PHỤ LỤC», a page of its own."""
        if not self.annex:
            return
        self.writer.para("PHỤ LỤC", bold=True, align=CENTER, page_break=True)
        for title, header, rows in self.annex:
            self.writer.para(title, bold=True, keep=True)
            self.writer.annex_table(header, rows)


def _part_a(writer: Writer, form: FormDef, review: Review, page: _Page) -> None:
    writer.para(form.parts["A"]("vi"), bold=True, keep=True, before=6)
    for section in form.sections:
        if section.part != "A":
            continue
        writer.para(section.title("vi"), bold=True, keep=True)
        for item in section.items:
            kind_of(item).print(page, item, review.answers.get(item.key))


def _part_b(writer: Writer, form: FormDef, review: Review, page: _Page) -> None:
    writer.para(form.parts["B"]("vi"), bold=True, keep=True, before=6)
    v = verdict(form, rs.scores(form, review), rs.disqualified(form, review))
    for section in form.sections:
        if section.part != "B":
            continue
        writer.para(section.title("vi"), bold=True, keep=True)
        for item in section.items:
            kind_of(item).print(page, item, review.answers.get(item.key))
        if section.items:
            writer.para(f"- Tổng điểm: {points(v.total)}/100 điểm", bold=True)
        if section.key == LEVEL_SECTION:
            for level in form.levels:
                mark = CHECKED if level.key == review.level else UNCHECKED
                # the ticks stay on the page of the signature below them
                writer.para(f"{mark} {level.label('vi')}", indent=True, keep=True)
