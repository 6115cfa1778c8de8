"""The printable from prototypes (docx_template.py) is the python-docx document, exactly."""

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document as open_docx

from conversations.review.docx_template import run_text_xml
from conversations.review.printable import review_docx, review_docx_by_python_docx
from storage.models import Member
from storage.reviews import Answer, Review

HOSTILE = ("<w:t>&amp; </w:t>]]> \"quoted\" 'single' a > b < c & d 😀👍🏽 Việt Nam \t tab\t"
           "  trailing  \n\n  second line\r\nthird\x01\x08\x1f\x7f line\x0b soft break "
           "\ue0000\ue001 (our marker characters) ")
VERY_LONG = "Đồng chí luôn giữ vững lập trường chính trị & <kỷ luật>. " * 400  # ~23,000 chars
LIST = "Báo cáo <năm>; đúng hạn; tốt\nViệc & khác; chậm\n ;;;; \nChỉ một mục\na; b; c; d; e"


def _member(code: str) -> Member:
    return Member(id=1, committee_id=1, cell_id=1, cell_name="Chi bộ <Khu phố> & 1",
                  full_name="  Lê <Minh> & Tuấn 😀 ", birth_date=date(1950, 11, 20), form=code,
                  party_post="", other_posts="Tổ trưởng\tdân phố", workplace="Hưu trí",
                  admitted_on=None, status="active", language="vi", roles=frozenset())


def _hostile_review(form, status: str) -> Review:
    answers = {}
    for n, item in enumerate(form.items):
        if item.kind == "score":
            answers[item.key] = Answer("", 12.5 if n % 2 else None)
        elif item.kind == "choice":
            answers[item.key] = Answer(item.options[-1].key)
        elif item.kind == "list":
            answers[item.key] = Answer(LIST)
        else:  # empty, skipped, hostile, very long, in turn
            answers[item.key] = [Answer(""), Answer("", skipped=True), Answer(HOSTILE),
                                 Answer(VERY_LONG)][n % 4]
    stamp = datetime(2026, 11, 23, tzinfo=UTC)
    return Review(1, 1, 2026, form.version, form.code, status, "summary", False, False,
                  "excellent", None, stamp, stamp, answers)


def _paragraph_texts(content: bytes) -> list[str]:
    """Every paragraph's text, in the body and in each table cell, in document order."""
    doc = open_docx(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
    texts += [p.text for p in doc.sections[0].header.paragraphs]
    return texts


@pytest.mark.parametrize("draft", [False, True], ids=["to-sign", "draft"])
@pytest.mark.parametrize("code", ["2A", "2B", "2C"])
def test_the_spliced_document_is_the_python_docx_one(forms, code, draft):
    form = forms.get(forms.default_version, code)
    review = _hostile_review(form, "draft" if draft else "submitted")
    args = (form, _member(code), "Đảng ủy <phường> & Hòa Bình", review)
    options = {"signed_on": date(2026, 11, 23), "place": "Phường <A> & B", "draft": draft}
    reference = review_docx_by_python_docx(*args, **options)
    spliced = review_docx(*args, **options)
    assert _paragraph_texts(spliced) == _paragraph_texts(reference)
    texts = _paragraph_texts(spliced)
    assert any("a > b < c & d 😀👍🏽" in text for text in texts)
    assert any(text.startswith("Đồng chí luôn") and len(text) > 20_000 for text in texts)
    assert not any("\x01" in text or "\x7f" in text for text in texts)
    # not only the same text: the same parts, byte for byte
    with zipfile.ZipFile(io.BytesIO(reference)) as ours, \
            zipfile.ZipFile(io.BytesIO(spliced)) as theirs:
        assert theirs.testzip() is None
        assert theirs.namelist() == ours.namelist()
        for name in ours.namelist():
            assert theirs.read(name) == ours.read(name), name


def test_run_text_as_python_docx_writes_it():
    assert run_text_xml("") == ""
    assert run_text_xml("a & <b>") == "<w:t>a &amp; &lt;b&gt;</w:t>"
    assert run_text_xml(" x\ty\nz ") == ('<w:t xml:space="preserve"> x</w:t><w:tab/><w:t>y</w:t>'
                                         '<w:br/><w:t xml:space="preserve">z </w:t>')
    assert run_text_xml("a\x00b\ud800c") == "<w:t>abc</w:t>"
