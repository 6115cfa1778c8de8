"""The cell's proposals as an .xlsx round-trip in chat: the list out (levels to pick from,
no formula from a hostile name), filled and sent back, every row checked, the quota
warning, then confirmed."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from conversations.core.replies import Incoming, IncomingDocument, Kind
from conversations.ratings.actions import ConfirmList, SheetIn, SheetOut
from tests.conftest import COMMITTEE, Chat, record
from tests.rating_helpers import NO_REVIEW, chain_org, pack
from tests.secretary_helpers import link

LEVELS = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
          "Không hoàn thành nhiệm vụ"]


@pytest.fixture
async def people(repos, forms, clock, org):
    return await chain_org(repos, forms, clock)


@pytest.fixture
async def secretary(assistant, repos, clock, people) -> Chat:
    return Chat(assistant, await link(repos, clock, people["Trần Văn Đức"]), "telegram")


async def send_file(chat: Chat, content: bytes, name: str = "de-xuat.xlsx") -> str:
    async def fetch() -> bytes:
        return content
    chat.last = await chat.assistant.handle(Incoming(
        chat.channel, chat.user_id, chat.user_id, Kind.UNSUPPORTED,
        document=IncomingDocument("FILE1", name, len(content), fetch)))
    return chat.text


async def sheet_of(chat: Chat, cell_id: int) -> openpyxl.Workbook:
    replies = await chat.press(pack(SheetOut(cell_id)))
    [document] = [r.document for r in replies if r.document]
    assert document.filename == "de-xuat-2026-Chi-bộ-1.xlsx"
    return openpyxl.load_workbook(io.BytesIO(document.content))


def save(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_by_name(sheet) -> dict[str, int]:
    return {sheet.cell(row, 2).value: row for row in range(3, sheet.max_row + 1)}


async def test_filled_sheet_is_recorded_with_the_quota_warning_then_confirmed(
        secretary, repos, people):
    cell_id = people["Trần Văn Đức"].cell_id
    book = await sheet_of(secretary, cell_id)
    sheet = book.active
    assert [c.value for c in sheet[2]] == [
        "Mã số", "Họ và tên", "Mức tự đề xuất", "Mức chi bộ đề xuất", "Nhận xét của chi ủy",
        "Lý do (khi cao hơn mức tự đề xuất)"]
    [validation] = sheet.data_validations.dataValidation
    assert validation.formula1 == '"' + ",".join(LEVELS) + '"'
    assert str(validation.sqref) == "D3:D12"
    rows = rows_by_name(sheet)
    assert len(rows) == 10 and sheet.cell(rows[NO_REVIEW], 3).value is None
    assert sheet.cell(rows["Phan Văn An"], 3).value == "Hoàn thành tốt nhiệm vụ"

    for row in rows.values():
        sheet.cell(row, 4).value = sheet.cell(row, 3).value
    sheet.cell(rows[NO_REVIEW], 4).value = "hoàn thành nhiệm vụ "   # case and spaces: fine
    sheet.cell(rows["Phan Văn An"], 4).value = "Hoàn thành xuất sắc nhiệm vụ"
    sheet.cell(rows["Phan Văn An"], 5).value = "Gương mẫu"
    sheet.cell(rows["Phan Văn An"], 6).value = "Có sáng kiến được công nhận"
    await secretary.press(pack(SheetIn(cell_id)))
    text = await send_file(secretary, save(book))
    assert "Đã ghi nhận từ tệp đề xuất của chi bộ cho 10 đồng chí." in text
    assert "Vượt tỷ lệ 1 đồng chí." in text and "tối đa 1 đồng chí" in text
    proposals = await repos.ratings.proposals(cell_id, 2026)
    an = proposals[people["Phan Văn An"].id]
    assert (an.level, an.comment, an.reason, an.source) == (
        "excellent", "Gương mẫu", "Có sáng kiến được công nhận", "sheet")
    assert proposals[people[NO_REVIEW].id].level == "done"

    await secretary.press(pack(ConfirmList(cell_id)))
    assert "Trước khi gửi: Vượt tỷ lệ 1 đồng chí." in secretary.text
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    assert all(p.confirmed for p in (await repos.ratings.proposals(cell_id, 2026)).values())


async def test_every_wrong_row_is_named_and_nothing_is_recorded(secretary, repos, people):
    cell_id = people["Trần Văn Đức"].cell_id
    book = await sheet_of(secretary, cell_id)
    sheet = book.active
    rows = rows_by_name(sheet)
    for row in rows.values():
        sheet.cell(row, 4).value = "Hoàn thành tốt nhiệm vụ"
    sheet.cell(rows["Vũ Thị Bình"], 4).value = "Hoàn thàn tốt nhiệm vụ"        # misspelt
    sheet.cell(rows["Phan Văn An"], 4).value = "Hoàn thành xuất sắc nhiệm vụ"  # no reason
    sheet.cell(rows["Mai Thị Dung"], 1).value = people["Đặng Quốc Bảo"].id     # another cell
    sheet.cell(rows["Mai Thị Dung"], 2).value = "Đặng Quốc Bảo"
    await secretary.press(pack(SheetIn(cell_id)))
    text = await send_file(secretary, save(book))
    assert "Chưa ghi nhận nội dung nào" in text
    assert (f"Dòng {rows['Vũ Thị Bình']}, cột D (Mức chi bộ đề xuất): «Hoàn thàn tốt nhiệm "
            "vụ» không phải là mức xếp loại") in text
    assert (f"Dòng {rows['Phan Văn An']}, cột F (Lý do (khi cao hơn mức tự đề xuất)): cần ghi "
            "lý do") in text
    assert (f"Dòng {rows['Mai Thị Dung']}, cột A (Mã số): «{people['Đặng Quốc Bảo'].id}» "
            "không có trong danh sách") in text
    assert await repos.ratings.proposals(cell_id, 2026) == {}

    # not a workbook at all, or another kind of document
    await secretary.press(pack(SheetIn(cell_id)))
    assert "Đây không phải tệp .xlsx" in await send_file(secretary, b"not a zip", "x.xlsx")
    word = io.BytesIO()
    docx.Document().save(word)
    await secretary.press(pack(SheetIn(cell_id)))
    assert "Đây không phải tệp .xlsx" in await send_file(secretary, word.getvalue(), "x.docx")
    assert await repos.ratings.proposals(cell_id, 2026) == {}


async def test_a_hostile_name_stays_text_in_the_sheet(secretary, repos, people):
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [
        record("Chi bộ 1", '=HYPERLINK("http://x.example","Xem")', "1990-02-02")])
    sheet = (await sheet_of(secretary, people["Trần Văn Đức"].cell_id)).active
    [cell] = [c for c in sheet["B"] if str(c.value).startswith("=HYPERLINK")]
    assert cell.data_type == "s" and cell.quotePrefix


async def test_zalo_cannot_carry_files_and_says_where_to_go(assistant, repos, clock, people):
    zalo = Chat(assistant, await link(repos, clock, people["Trần Văn Đức"], "zalo"), "zalo")
    cell_id = people["Trần Văn Đức"].cell_id
    for action in (SheetOut(cell_id), SheetIn(cell_id)):
        replies = await zalo.press(pack(action))
        assert "Kênh này không gửi và nhận được tệp" in zalo.text and "Telegram" in zalo.text
        assert not any(r.document for r in replies)
