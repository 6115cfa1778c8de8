"""The printable copy's layout: the letterhead fits, the signature block never splits."""

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn

from conversations.review.printable import review_docx
from storage.models import Member
from storage.reviews import Answer, Review


def _member(code: str) -> Member:
    return Member(id=1, committee_id=1, cell_id=1, cell_name="Chi bộ Khu phố 1",
                  full_name="Lê Minh Tuấn", birth_date=date(1950, 11, 20), form=code,
                  party_post="", other_posts="", workplace="Hưu trí", admitted_on=None,
                  status="active", language="vi", roles=frozenset())


@pytest.mark.parametrize("code", ["2A", "2B", "2C"])
def test_letterhead_and_signature_layout(code, forms):
    form = forms.get(forms.default_version, code)
    # (2B's annex left empty: with entries it is one more table, after the signature)
    answers = {item.key: Answer("Nội dung.") for item in form.text_items if item.kind != "list"}
    review = Review(1, 1, 2026, form.version, code, "submitted", "summary", False, False,
                    "good", None, datetime(2026, 11, 23, tzinfo=UTC),
                    datetime(2026, 11, 23, tzinfo=UTC), answers)
    content = review_docx(form, _member(code), "Đảng ủy phường Hòa Bình", review,
                          signed_on=date(2026, 11, 23), place="Phường Hòa Bình")
    doc = open_docx(io.BytesIO(content))
    letterhead, signature = doc.tables[0], doc.tables[-1]
    for table in (letterhead, signature):
        assert [round(c.width.cm, 1) for c in table.columns] == [7.0, 9.0]
        assert table.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    right = [p.text for p in letterhead.rows[0].cells[1].paragraphs]
    assert right == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Phường Hòa Bình, ngày 23 tháng 11 năm 2026"]
    headings = [p for p in doc.paragraphs if p.text in {s.title("vi") for s in form.sections}]
    assert len(headings) == len(form.sections)
    assert all(p.paragraph_format.keep_with_next for p in headings)
    ticks = [p for p in doc.paragraphs if p.text[:1] in "☒☐" and p.text]
    assert len(ticks) == len(form.levels) and all(p.paragraph_format.keep_with_next for p in ticks)
