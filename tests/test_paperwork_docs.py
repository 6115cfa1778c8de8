"""The papers sent up, opened back: the cell's Mẫu 01 draft and the committee's list of
results (.xlsx and .docx), in the chat (buttons and typed) and from `kiemdiem export`."""

import asyncio
import io
from datetime import date

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from bot.cli import main
from bot.demo_reviews import sample_review
from conversations.core import heavy
from conversations.paperwork.actions import PAPERWORK, CellReport, ResultsList
from storage.ratings import NewProposal
from tests.conftest import COMMITTEE, record
from tests.secretary_helpers import link

REFUSED = "Rất tiếc, đồng chí không mở được nội dung này."
HOSTILE = "=HYPERLINK(\"http://evil.example\")"


@pytest.fixture
async def decided(repos, clock, forms, org):
    """Chi bộ 1: Nhung 'good', Tuấn 'excellent' proposed by the cell and decided as proposed;
    Đức has not started. Chi bộ 2: a new member (not reviewed), nothing decided. A member
    named like a formula, undecided."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.set_place(committee.id, "Phường Thử Nghiệm")
    await repos.org.apply_import(committee.id, [
        record("Chi bộ 2", "Hồ Văn Mới", "1999-01-01", admitted_on=date(2026, 9, 1)),
        record("Chi bộ 1", HOSTILE, "1970-01-01", status="probationary")])
    nhung, tuan = org["Nguyễn Thị Hồng Nhung"], org["Lê Minh Tuấn"]
    await sample_review(repos, forms, nhung, clock())
    await sample_review(repos, forms, tuan, clock(), scores=(29, 63), level="excellent")
    cell = nhung.cell_id
    await repos.ratings.propose(cell, 2026, [NewProposal(nhung.id, "good"),
                                             NewProposal(tuan.id, "excellent")],
                                source="chat", by=None, now=clock())
    await repos.ratings.confirm_proposals(cell, 2026, clock())
    await repos.ratings.accept_cell(cell, 2026, by=None, now=clock())
    await repos.ratings.decide(tuan.id, 2026, cell, "excellent", reason="Sáng kiến cấp thành phố",
                               by=None, now=clock())
    await repos.ratings.rate_cell(cell, 2026, "good", comment="", by=None, now=clock())
    return org


def _paragraphs(content: bytes) -> list[str]:
    """Each paragraph's text, a line break inside it read as a space."""
    doc = open_docx(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                texts += [p.text for p in cell.paragraphs]
    return [text.replace("\n", " ") for text in texts]


def _table_rows(content: bytes, n: int) -> list[list[str]]:
    table = open_docx(io.BytesIO(content)).tables[n]
    return [[cell.text for cell in row.cells] for row in table.rows]


async def test_the_secretary_gets_the_mau01_draft_from_the_files(repos, clock, chat_factory,
                                                                  decided):
    secretary = chat_factory(await link(repos, clock, decided["Trần Văn Đức"]), "telegram")
    files = await secretary.say("/export")
    offered = [c.action for c in files[-1].flat_choices]
    assert offered == [PAPERWORK.pack(CellReport(decided["Trần Văn Đức"].cell_id))]
    [reply] = await secretary.press(offered[0])
    assert reply.document.filename == "bao-cao-kiem-diem-tap-the-2026-chi-bo-1.docx"
    texts = _paragraphs(reply.document.content)
    for expected in ("ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM", "CHI BỘ 1", "ĐẢNG CỘNG SẢN VIỆT NAM",
                     "Phường Thử Nghiệm, ngày 23 tháng 11 năm 2026", "Mẫu 01-HD KĐ.ĐG 2025",
                     "BÁO CÁO KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG TẬP THỂ", "NĂM 2026",
                     "I. ƯU ĐIỂM, KẾT QUẢ ĐẠT ĐƯỢC", "II. HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN",
                     "V. PHƯƠNG HƯỚNG, BIỆN PHÁP KHẮC PHỤC HẠN CHẾ, KHUYẾT ĐIỂM",
                     "VI. TỰ NHẬN MỨC XẾP LOẠI CHẤT LƯỢNG CỦA CHI BỘ", "T/M CHI ỦY", "BÍ THƯ"):
        assert expected in texts, expected
    assert "Đảng ủy đã xếp loại chi bộ: Hoàn thành tốt nhiệm vụ." in texts
    assert ("Tổng số đảng viên của chi bộ: 4 đồng chí (trong đó đảng viên dự bị: 1 đồng chí)."
            in texts)
    assert ("Số đảng viên phải kiểm điểm: 4 đồng chí; đã nộp bản kiểm điểm: 2 đồng chí; "
            "chưa nộp: 2 đồng chí." in texts)
    assert _table_rows(reply.document.content, 1) == [
        ["Mức xếp loại", "Cá nhân tự đề xuất", "Chi bộ đề xuất", "Đảng ủy quyết định"],
        ["Hoàn thành xuất sắc nhiệm vụ", "1", "1", "1"],
        ["Hoàn thành tốt nhiệm vụ", "1", "1", "1"],
        ["Hoàn thành nhiệm vụ", "0", "0", "0"],
        ["Không hoàn thành nhiệm vụ", "0", "0", "0"],
        ["Chưa nộp / chưa đề xuất / chưa quyết định", "2", "2", "2"],
    ]
    assert any(t.startswith("Tỷ lệ «Hoàn thành xuất sắc nhiệm vụ» (Chi bộ đề xuất): 1 đồng chí, "
                            "tối đa 0 đồng chí") and t.endswith("VƯỢT TỶ LỆ CHO PHÉP.")
               for t in texts)


async def test_the_reasons_for_not_reviewing_are_counted(repos, clock, chat_factory, decided):
    admin = chat_factory(await link(repos, clock, decided["Bùi Thị Mai"]), "telegram")
    cell2 = decided["Bùi Thị Mai"].cell_id
    [reply] = await admin.press(PAPERWORK.pack(CellReport(cell2)))
    assert ("Số đảng viên không kiểm điểm lần này: 1 đồng chí (vào Đảng chưa đủ 6 tháng: "
            "1 đồng chí)." in _paragraphs(reply.document.content))


async def test_nobody_gets_papers_outside_their_scope(repos, clock, chat_factory, decided):
    cell1 = decided["Trần Văn Đức"].cell_id
    other_secretary = chat_factory(await link(repos, clock, decided["Đặng Quốc Bảo"]), "telegram")
    member = chat_factory(await link(repos, clock, decided["Lê Minh Tuấn"]), "telegram")
    for chat in (other_secretary, member):
        [reply] = await chat.press(PAPERWORK.pack(CellReport(cell1)))
        assert reply.document is None and reply.text.startswith(REFUSED)
    secretary = chat_factory(await link(repos, clock, decided["Trần Văn Đức"]), "telegram")
    for chat in (secretary, member):
        [reply] = await chat.press(PAPERWORK.pack(ResultsList()))
        assert reply.document is None and reply.text.startswith(REFUSED)
    [reply] = await other_secretary.press(PAPERWORK.pack(CellReport(999)))
    assert reply.document is None and reply.text.startswith(REFUSED)


async def test_the_committee_list_of_results_by_cell_and_level(repos, clock, chat_factory,
                                                               decided):
    admin = chat_factory(await link(repos, clock, decided["Bùi Thị Mai"]), "telegram")
    files = await admin.say("/export")
    [offer] = files[-1].flat_choices
    xlsx, docx = (r.document for r in await admin.press(offer.action))
    assert xlsx.filename == "ket-qua-xep-loai-2026-dang-uy-phuong-thu-nghiem.xlsx"
    assert docx.filename == "ket-qua-xep-loai-2026-dang-uy-phuong-thu-nghiem.docx"

    book = load_workbook(io.BytesIO(xlsx.content))
    listing = book["Danh sách"]
    assert listing.print_title_rows == "$8:$8"
    rows = [r for r in listing.iter_rows(min_row=9, max_col=6, values_only=True)
            if isinstance(r[0], int)]
    assert rows == [
        (1, "Lê Minh Tuấn", "Chi bộ 1", "Hoàn thành xuất sắc nhiệm vụ",
         "Hoàn thành xuất sắc nhiệm vụ", "Sáng kiến cấp thành phố"),
        (2, "Nguyễn Thị Hồng Nhung", "Chi bộ 1", "Hoàn thành tốt nhiệm vụ",
         "Hoàn thành tốt nhiệm vụ", None),
        (3, HOSTILE, "Chi bộ 1", None, "Chưa có quyết định của Đảng ủy", None),
        (4, "Trần Văn Đức", "Chi bộ 1", None, "Chưa có quyết định của Đảng ủy", None),
        (5, "Đặng Quốc Bảo", "Chi bộ 2", None, "Chưa có quyết định của Đảng ủy", None),
        (6, "Bùi Thị Mai", "Chi bộ 2", None, "Chưa có quyết định của Đảng ủy", None),
        (7, "Hồ Văn Mới", "Chi bộ 2", None, "Không kiểm điểm", "Vào Đảng chưa đủ 6 tháng"),
    ]
    formula = next(c for row in listing.iter_rows() for c in row if c.value == HOSTILE)
    assert formula.data_type == "s" and formula.quotePrefix
    totals = {r[0]: r[1:] for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0]}
    assert totals["Chi bộ 1"][:8] == (1, 1, 0, 0, 2, 0, 4, "Hoàn thành tốt nhiệm vụ")
    assert totals["Chi bộ 2"][:8] == (0, 0, 0, 0, 2, 1, 3, None)
    assert totals["Tổng cộng"][:8] == (1, 1, 0, 0, 4, 1, 7, None)
    assert ("Tỷ lệ «Hoàn thành xuất sắc nhiệm vụ» (toàn đảng bộ, Đảng ủy quyết định): 1 đồng "
            "chí, tối đa 0 đồng chí (không quá 20% số «Hoàn thành tốt nhiệm vụ») — VƯỢT TỶ LỆ "
            "CHO PHÉP." in totals)

    texts = _paragraphs(docx.content)
    for expected in ("DANH SÁCH KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN",
                     "CHI BỘ 1 (4 đồng chí) — chi bộ xếp loại: Hoàn thành tốt nhiệm vụ",
                     "CHI BỘ 2 (3 đồng chí)",
                     "Hoàn thành xuất sắc nhiệm vụ: 1 đồng chí",
                     "Chưa có quyết định của Đảng ủy: 2 đồng chí",
                     "Không kiểm điểm: 1 đồng chí", "T/M ĐẢNG ỦY", HOSTILE):
        assert expected in texts, expected
    totals_table = _table_rows(docx.content, 2)
    assert totals_table[-1] == ["Tổng cộng", "1", "1", "0", "0", "4", "1", "7"]
    header = open_docx(io.BytesIO(docx.content)).tables[1].rows[0]._tr
    assert header.find(".//{*}tblHeader") is not None  # repeated on every page


async def test_papers_are_offered_and_taken_by_typing(repos, clock, chat_factory, decided):
    secretary = chat_factory(await link(repos, clock, decided["Trần Văn Đức"], "console"),
                             "console")
    await secretary.say("/export")
    [reply] = await secretary.say("mau01")
    assert reply.document.filename == "bao-cao-kiem-diem-tap-the-2026-chi-bo-1.docx"
    await secretary.say("/export")
    [reply] = await secretary.say("1")
    assert reply.document.filename.startswith("bao-cao-kiem-diem-tap-the")


async def _kiemdiem(db, *args: str) -> int:
    return await asyncio.to_thread(main, ["--db", db.path, *args])


async def test_command_line_writes_the_papers(tmp_path, db, capsys, decided):
    out = tmp_path / "papers"
    assert await _kiemdiem(db, "export", "--out", str(out), "--papers", "results") == 0
    assert await _kiemdiem(db, "export", "--out", str(out), "--papers", "report",
                           "--cell", "Chi bộ 2") == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "bao-cao-kiem-diem-tap-the-2026-chi-bo-2.docx",
        "ket-qua-xep-loai-2026-dang-uy-phuong-thu-nghiem.docx",
        "ket-qua-xep-loai-2026-dang-uy-phuong-thu-nghiem.xlsx"]
    assert await _kiemdiem(db, "export", "--out", str(out / "all"), "--papers", "report") == 0
    assert sorted(p.name for p in (out / "all").iterdir()) == [
        "bao-cao-kiem-diem-tap-the-2026-chi-bo-1.docx",
        "bao-cao-kiem-diem-tap-the-2026-chi-bo-2.docx"]
    capsys.readouterr()


async def test_a_command_ends_its_workers_before_it_returns(tmp_path, db, capsys, decided):
    """Left to the interpreter's exit, the pool's end may write to a closed pipe (EBADF:
    core/heavy.py close_shared_pool): the command closes the workers it used itself."""
    used = heavy.shared_pool()
    assert await _kiemdiem(db, "export", "--out", str(tmp_path), "--papers", "results") == 0
    assert used._executor is None and heavy._shared is None
    capsys.readouterr()


def _body(content: bytes) -> list:
    """The document's body in order: paragraphs and tables."""
    doc = open_docx(io.BytesIO(content))
    return list(doc.iter_inner_content())


async def test_mau01_breaks_its_title_and_keeps_the_signature_with_section_vi(
        repos, clock, chat_factory, decided):
    secretary = chat_factory(await link(repos, clock, decided["Trần Văn Đức"]), "telegram")
    [reply] = await secretary.press(PAPERWORK.pack(CellReport(decided["Trần Văn Đức"].cell_id)))
    body = _body(reply.document.content)
    texts = [getattr(item, "text", None) for item in body]
    assert "BÁO CÁO KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI\nCHẤT LƯỢNG TẬP THỂ" in texts
    section_vi = texts.index("VI. TỰ NHẬN MỨC XẾP LOẠI CHẤT LƯỢNG CỦA CHI BỘ")
    signature = next(n for n, item in enumerate(body) if n > section_vi and
                     not hasattr(item, "text"))
    # from the heading of VI to the signature, each paragraph keeps with the next: the
    # signature never starts a page of its own
    assert all(item.paragraph_format.keep_with_next for item in body[section_vi:signature])
    # the committee's rating is not part of the cell's own: only after the signature
    assert not any("Đảng ủy đã xếp loại" in (t or "") for t in texts[:signature])
    assert texts[signature + 1:] == ["Đảng ủy đã xếp loại chi bộ: Hoàn thành tốt nhiệm vụ."]
    signed = [p.text for cell in body[signature].rows[0].cells for p in cell.paragraphs]
    assert signed[-1] == "Trần Văn Đức" and "(Ký, ghi rõ họ tên)" not in signed


async def test_the_list_of_results_as_a_paper_to_sign(repos, clock, chat_factory, decided):
    nhung = decided["Nguyễn Thị Hồng Nhung"]
    await repos.ratings.decide(nhung.id, 2026, nhung.cell_id, "done",
                               reason="Chưa hoàn thành chỉ tiêu", by=None, now=clock())
    admin = chat_factory(await link(repos, clock, decided["Bùi Thị Mai"]), "telegram")
    _xlsx, docx = (r.document for r in await admin.press(PAPERWORK.pack(ResultsList())))
    body = _body(docx.content)
    letterhead = [p.text for p in body[0].rows[0].cells[0].paragraphs]
    assert letterhead[0] == "ĐẢNG ỦY\nPHƯỜNG THỬ NGHIỆM"  # broken after its body word
    listing = _table_rows(docx.content, 1)
    assert ["2", "Nguyễn Thị Hồng Nhung", "Hoàn thành tốt nhiệm vụ",
            "Đảng ủy quyết định khác đề xuất: Chưa hoàn thành chỉ tiêu"] in listing
    assert ["1", "Lê Minh Tuấn", "Hoàn thành xuất sắc nhiệm vụ",
            "Sáng kiến cấp thành phố"] in listing  # as proposed: the reason alone
    totals, quota, signature = body[-5], body[-3], body[-1]
    assert quota.text.endswith("— vượt tỷ lệ cho phép 1 đồng chí.") and "VƯỢT" not in quota.text
    # the totals, the quota and the signature stay on one page
    kept = [p for row in totals.rows for cell in row.cells for p in cell.paragraphs]
    assert all(p.paragraph_format.keep_with_next for p in [*kept, *body[-4:-1]])
    assert "(Ký, ghi rõ họ tên)" in [p.text for c in signature.rows[0].cells
                                      for p in c.paragraphs]  # the committee's: room to sign
