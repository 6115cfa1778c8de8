"""The .xlsx summaries as printed papers: page set-up, letterhead, signature, the chain of
levels per member with the reason a level is capped, the quota in people."""

import io

import pytest
from openpyxl import load_workbook

from bot.demo_reviews import sample_review
from conversations.review import steps as rs
from storage.ratings import NewProposal
from storage.reviews import Answer
from tests.secretary_helpers import link

DISCIPLINED = "Trong năm, đồng chí có bị xử lý kỷ luật không?"


@pytest.fixture
async def chain(repos, clock, forms, org):
    """Nhung proposes 'good' (85); Tuấn answered «Có» to the discipline question, so proposes
    'not_done'; the cell proposed and confirmed, the committee decided Nhung only."""
    nhung, tuan = org["Nguyễn Thị Hồng Nhung"], org["Lê Minh Tuấn"]
    await repos.org.set_place(nhung.committee_id, "Phường Thử Nghiệm")
    await sample_review(repos, forms, nhung, clock())
    review = await sample_review(repos, forms, tuan, clock(), level="not_done", submit=False)
    await repos.reviews.save(review.id, clock(), answer=(rs.DQ + "disciplined", Answer("yes")))
    await repos.reviews.submit(review.id, clock())
    cell = nhung.cell_id
    await repos.ratings.propose(cell, 2026, [
        NewProposal(nhung.id, "excellent", reason="Có sáng kiến được công nhận"),
        NewProposal(tuan.id, "not_done")], source="chat", by=None, now=clock())
    await repos.ratings.confirm_proposals(cell, 2026, clock())
    await repos.ratings.decide(nhung.id, 2026, cell, "good", reason="Vượt tỷ lệ xuất sắc",
                               by=None, now=clock())
    return org


async def _exported(repos, clock, chat_factory, member):
    """The .xlsx that /export gives this member, opened back."""
    chat = chat_factory(await link(repos, clock, member), "telegram")
    return load_workbook(io.BytesIO((await chat.say("/export"))[0].document.content))


def _texts(sheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]


async def test_the_cell_sheet_prints_on_a4_landscape_with_letterhead_and_signature(
        repos, clock, chat_factory, chain):
    for sheet in await _exported(repos, clock, chat_factory, chain["Trần Văn Đức"]):
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape")  # 9: A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        header_row = int(sheet.print_title_rows.split(":")[0].lstrip("$"))
        assert sheet.cell(header_row, 1).value in ("STT", "Mức xếp loại")
        texts = _texts(sheet)
        assert texts[:4] == ["ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM", "ĐẢNG CỘNG SẢN VIỆT NAM", "CHI BỘ 1",
                             "Phường Thử Nghiệm, ngày 23 tháng 11 năm 2026"]
        assert "Chi bộ 1 — Năm 2026" in texts
        assert {"T/M CHI ỦY", "BÍ THƯ", "Nơi nhận:"} <= set(texts)
        signed = next(c.row for c in sheet["A"] if c.value == "Nơi nhận:")
        assert signed > header_row


async def test_each_member_shows_own_cell_and_committee_levels_and_why_capped(
        repos, clock, chat_factory, chain):
    book = await _exported(repos, clock, chat_factory, chain["Trần Văn Đức"])
    rows = {row[1]: row[8:] for row in book["Danh sách"].iter_rows(values_only=True)
            if row[1]}
    assert rows["Nguyễn Thị Hồng Nhung"] == (
        "Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
        "Chi bộ: Có sáng kiến được công nhận\nĐảng ủy: Vượt tỷ lệ xuất sắc")
    assert rows["Lê Minh Tuấn"] == (
        "Không hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", None,
        f"Tối đa «Không hoàn thành nhiệm vụ»: trả lời «Có» ở câu «{DISCIPLINED}»")
    assert rows["Trần Văn Đức"] == (None, None, None, None)

    table = {row[0]: row[1:] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    assert table["Hoàn thành xuất sắc nhiệm vụ"] == (0, 1, 0)
    assert table["Hoàn thành tốt nhiệm vụ"] == (1, 0, 1)
    assert table["Tối đa được phép"][1] == (
        "tối đa 0 đồng chí (20% của 0 đồng chí «Hoàn thành tốt nhiệm vụ»)")
    assert table["Kết quả kiểm tra tỷ lệ"] == ("Đạt", "VƯỢT TỶ LỆ CHO PHÉP", "Đạt")


async def test_an_unconfirmed_cell_level_says_so(repos, clock, chat_factory, chain):
    nhung = chain["Nguyễn Thị Hồng Nhung"]
    await repos.ratings.propose(nhung.cell_id, 2026, [NewProposal(nhung.id, "done")],
                                source="chat", by=None, now=clock())
    book = await _exported(repos, clock, chat_factory, chain["Trần Văn Đức"])
    names = {row[1]: row[9] for row in book["Danh sách"].iter_rows(values_only=True)}
    assert names["Nguyễn Thị Hồng Nhung"] == "Hoàn thành nhiệm vụ (chưa xác nhận)"


async def test_the_committee_sheet_has_a_total_line_and_its_own_signature(
        repos, clock, chat_factory, chain):
    book = await _exported(repos, clock, chat_factory, chain["Bùi Thị Mai"])
    summary = book["Tổng hợp"]
    rows = {row[0]: row[1:] for row in summary.iter_rows(values_only=True) if row[0]}
    assert rows["Tổng cộng"][:3] == (5, 2, 2 / 5)
    assert rows["Tổng cộng"][-3:] == (0, 2, 1)  # allowed, proposed by cells, decided
    assert {"T/M ĐẢNG ỦY", "BÍ THƯ"} <= set(_texts(summary))
    assert "T/M CHI ỦY" not in _texts(summary)
    assert "T/M CHI ỦY" in _texts(book["Chi bộ 1"])


def _signed_by(sheet) -> str:
    """What is printed under «BÍ THƯ», four rows down: the name, or the hint to write it."""
    title = next(c for row in sheet.iter_rows() for c in row if c.value == "BÍ THƯ")
    return sheet.cell(title.row + 4, title.column).value


async def test_the_cell_papers_name_their_secretary_the_committee_leaves_room(
        repos, clock, chat_factory, chain):
    for sheet in await _exported(repos, clock, chat_factory, chain["Trần Văn Đức"]):
        assert _signed_by(sheet) == "Trần Văn Đức"
    book = await _exported(repos, clock, chat_factory, chain["Bùi Thị Mai"])
    assert _signed_by(book["Tổng hợp"]) == "(Ký, ghi rõ họ tên)"
    assert _signed_by(book["Chi bộ 1"]) == "Trần Văn Đức"
    assert _signed_by(book["Chi bộ 2"]) == "Đặng Quốc Bảo"
