"""The rating chain's rules found by testers: the committee decides on what the cell sent
and never an admin's own level; changes on either side are warned, marked and told with
their reason; the list warns early (the quota) and before sending (no review); the levels
in words; level words typed where a level is chosen (real SQLite, the outbox as sent)."""

from __future__ import annotations

import pytest

from conversations.core.menus import MENU, OpenDecisions, OpenProposals, ShowMenu
from conversations.ratings.actions import (
    AcceptCell,
    AgreeAll,
    CellDecisions,
    ConfirmList,
    DecideLevel,
    DecideMember,
    ProposeLevel,
    SetCellLevel,
    SheetIn,
)
from tests.conftest import Chat
from tests.rating_helpers import NO_REVIEW, chain_org, pack
from tests.secretary_helpers import link, outbox
from tests.test_rating_console import pick
from tests.test_rating_sheet import rows_by_name, save, send_file, sheet_of

CHAIN = "rating-chain"


@pytest.fixture
async def people(repos, forms, clock, org):
    return await chain_org(repos, forms, clock)


async def chat_of(assistant, repos, clock, member, channel: str = "telegram") -> Chat:
    return Chat(assistant, await link(repos, clock, member, channel), channel)


async def _sent_and_accepted(assistant, repos, clock, people) -> tuple[Chat, Chat]:
    """Chi bộ 1 proposes everyone's own level («Hoàn thành» without a review), sends the
    list, and the committee accepts it."""
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    await admin.press(pack(AcceptCell(cell_id, 1)))
    return secretary, admin


async def test_the_committee_decides_on_confirmed_proposals_and_never_its_own(
        assistant, repos, clock, people):
    mai, an = people["Bùi Thị Mai"], people["Phan Văn An"]
    admin = await chat_of(assistant, repos, clock, mai)
    # no proposal from the cell: no level to choose, and a crafted button is refused
    await admin.press(pack(DecideMember(an.id)))
    assert "Chi bộ chưa gửi đề xuất cho đồng chí này" in admin.text
    assert pack(DecideLevel(an.id, "excellent")) not in admin.actions()
    await admin.press(pack(DecideLevel(an.id, "excellent", 1)))
    assert "Chi bộ chưa gửi đề xuất cho đồng chí này" in admin.text
    # a proposal not yet confirmed is not one sent
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    await secretary.press(pack(ProposeLevel(an.id, "good")))
    await admin.press(pack(DecideLevel(an.id, "good", 1)))
    assert "Chi bộ chưa gửi đề xuất cho đồng chí này" in admin.text
    assert await repos.ratings.decision(an.id, 2026) is None

    # her own cell sends its list: she accepts it, her own level waits for another admin
    cell2 = mai.cell_id
    bao = await chat_of(assistant, repos, clock, people["Đặng Quốc Bảo"])
    for member in (people["Đặng Quốc Bảo"], mai):
        await bao.press(pack(ProposeLevel(member.id, "excellent", 1)))
        if "Đề nghị đồng chí ghi lý do" in bao.text:
            await bao.say("Hoàn thành xuất sắc công tác được giao")
    await bao.press(pack(ConfirmList(cell2, 1)))
    await admin.press(pack(AcceptCell(cell2, 1)))
    decided = await repos.ratings.decisions(cell2, 2026)
    assert people["Đặng Quốc Bảo"].id in decided and mai.id not in decided
    await admin.press(pack(DecideMember(mai.id)))
    assert "do một quản trị viên khác của đảng ủy quyết định" in admin.text
    for level in ("excellent", "good"):
        await admin.press(pack(DecideLevel(mai.id, level, 1)))
        assert "do một quản trị viên khác" in admin.text
    assert await repos.ratings.decision(mai.id, 2026) is None


async def test_the_committee_is_told_once_when_the_cell_sends(assistant, repos, clock, people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    await secretary.press(pack(ConfirmList(cell_id, 1)))  # already sent: nobody told again
    told = await outbox(repos, CHAIN)
    assert [(m, r.text) for m, _chat, r in told] == [(
        people["Bùi Thị Mai"].id,
        "Chi bộ 1 đã gửi đảng ủy đề xuất xếp loại năm 2026 (10 đồng chí).")]
    assert told[0][2].choices[0][0].action == pack(CellDecisions(cell_id))


async def test_a_proposal_changed_after_the_decision_is_warned_marked_and_told(
        assistant, repos, clock, people):
    secretary, admin = await _sent_and_accepted(assistant, repos, clock, people)
    an = people["Phan Văn An"]
    before = len(await outbox(repos, CHAIN))
    await secretary.press(pack(ProposeLevel(an.id, "done")))
    assert "Đảng ủy đã quyết định mức «Hoàn thành tốt nhiệm vụ» cho đồng chí Phan Văn An" \
        in secretary.text
    assert (await repos.ratings.proposal(an.id, 2026)).level == "good"
    await secretary.press(pack(ProposeLevel(an.id, "done", 1)))
    assert (await repos.ratings.proposal(an.id, 2026)).level == "done"

    await admin.say("/decide")
    assert ("Chi bộ 1: đã gửi đề xuất 9/10, đã quyết định 10; xếp loại chi bộ: — ⚠ 1 đề xuất "
            "thay đổi sau quyết định") in admin.text
    await admin.press(pack(CellDecisions(an.cell_id)))
    assert ("Phan Văn An: Tốt → Hoàn thành (chưa xác nhận) → Tốt ⚠ đề xuất thay đổi sau "
            "quyết định") in admin.text
    assert "Vũ Thị Bình: Tốt → Tốt → Tốt\n" in admin.text  # unchanged: unmarked
    [(to, _chat, note)] = (await outbox(repos, CHAIN))[before:]
    assert to == people["Bùi Thị Mai"].id
    assert note.text.startswith("Chi bộ 1 đã thay đổi đề xuất đối với đồng chí Phan Văn An "
                                "thành «Hoàn thành nhiệm vụ» sau khi đảng ủy đã quyết định")


async def test_a_changed_decision_says_the_old_level_and_a_real_reason(assistant, repos, clock,
                                                                      people):
    _secretary, admin = await _sent_and_accepted(assistant, repos, clock, people)
    an = people["Phan Văn An"]
    await admin.say("/decide")
    assert "⚠" not in admin.text
    await admin.press(pack(DecideLevel(an.id, "excellent", 1)))  # past the quota warning
    assert "ít nhất 10 ký tự" in admin.text
    await admin.say("x")
    assert "«x» quá ngắn" in admin.text and "ít nhất 10 ký tự" in admin.text
    assert (await repos.ratings.decision(an.id, 2026)).level == "good"
    await admin.say("Có sáng kiến cấp thành phố.")
    decision = await repos.ratings.decision(an.id, 2026)
    assert (decision.level, decision.reason) == ("excellent", "Có sáng kiến cấp thành phố.")
    to_an = [r.text for m, _c, r in await outbox(repos, "rating") if m == an.id]
    assert to_an[-1] == (
        "Đảng ủy điều chỉnh mức xếp loại năm 2026 của đồng chí. Lý do: Có sáng kiến cấp "
        "thành phố. Mức xếp loại của đồng chí được điều chỉnh từ «Hoàn thành tốt nhiệm vụ» "
        "thành «Hoàn thành xuất sắc nhiệm vụ».")
    [(to, _chat, note)] = (await outbox(repos, CHAIN))[-1:]
    assert to == people["Trần Văn Đức"].id
    assert note.text == (
        "Đảng ủy điều chỉnh mức xếp loại năm 2026 của đồng chí Phan Văn An từ «Hoàn thành "
        "tốt nhiệm vụ» thành «Hoàn thành xuất sắc nhiệm vụ». Lý do: Có sáng kiến cấp thành "
        "phố.")
    await admin.say("/decide")  # the quota broken: marked
    assert "⚠ vượt tỷ lệ: «Hoàn thành xuất sắc nhiệm vụ»: 2 đồng chí" in admin.text


async def test_the_cells_secretaries_are_told_the_cells_rating(assistant, repos, clock, people):
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    cell_id = people["Trần Văn Đức"].cell_id
    await admin.press(pack(SetCellLevel(cell_id, "good")))
    [(to, _chat, note)] = await outbox(repos, CHAIN)
    assert to == people["Trần Văn Đức"].id
    assert note.text == "Đảng ủy đã xếp loại Chi bộ 1 năm 2026: «Hoàn thành tốt nhiệm vụ»."


async def test_the_list_warns_of_the_quota_early_and_names_who_has_no_review(
        assistant, repos, clock, people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.press(pack(AgreeAll(cell_id)))
    assert "⚠" not in secretary.text
    assert "Tốt → Tốt" in secretary.text and " XS" not in secretary.text
    assert ("«Hoàn thành xuất sắc nhiệm vụ»: 1 đồng chí; theo tỷ lệ được tối đa 1 đồng chí "
            "(20% của 8 đồng chí xếp loại «Hoàn thành tốt nhiệm vụ»).") in secretary.text
    await secretary.press(pack(ProposeLevel(people["Phan Văn An"].id, "excellent")))
    await secretary.say("Có sáng kiến được công nhận")
    assert "⚠ vượt tỷ lệ: «Hoàn thành xuất sắc nhiệm vụ»: 2 đồng chí" in secretary.text
    assert "Phan Văn An: Tốt → Xuất sắc" in secretary.text
    await secretary.press(pack(ProposeLevel(people["Phan Văn An"].id, "good")))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary.press(pack(ConfirmList(cell_id)))  # within the quota: the review warned
    assert "Trước khi gửi: 1 đồng chí chưa nộp bản kiểm điểm: Đinh Văn Hải." in secretary.text
    assert not any(p.confirmed for p in (await repos.ratings.proposals(cell_id, 2026)).values())
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    assert all(p.confirmed for p in (await repos.ratings.proposals(cell_id, 2026)).values())


async def test_the_main_menu_leads_to_the_chain(assistant, repos, clock, people):
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    await admin.press(MENU.pack(ShowMenu()))
    labels = [c.label for row in admin.last[-1].choices for c in row]
    assert labels.index("Quyết định xếp loại (đảng ủy)") == labels.index("Gửi thông báo") + 1
    assert "Đề xuất xếp loại của chi bộ" not in labels
    await admin.press(MENU.pack(OpenDecisions()))
    assert "quyết định xếp loại năm 2026" in admin.text
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    await secretary.press(MENU.pack(ShowMenu()))
    labels = [c.label for row in secretary.last[-1].choices for c in row]
    assert labels.index("Đề xuất xếp loại của chi bộ") == labels.index(
        "Gửi thông báo tới chi bộ") + 1
    await secretary.press(MENU.pack(OpenProposals()))
    assert "Chi bộ 1 — đề xuất xếp loại của chi bộ năm 2026" in secretary.text


async def test_level_words_typed_where_a_level_is_chosen(assistant, repos, clock, people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"], "console")
    await secretary.say("/proposals")
    await pick(secretary, "Phan Văn An")
    await secretary.say("Tốt")
    assert (await repos.ratings.proposal(people["Phan Văn An"].id, 2026)).level == "good"
    await pick(secretary, "Vũ Thị Bình")
    await secretary.say("khong hoan thanh")
    assert (await repos.ratings.proposal(people["Vũ Thị Bình"].id, 2026)).level == "not_done"
    await pick(secretary, "Phan Văn An")
    await secretary.say("XUẤT SẮC")
    assert "Đề nghị đồng chí ghi lý do" in secretary.text  # above the own level
    await secretary.say("Có sáng kiến được công nhận")
    assert (await repos.ratings.proposal(people["Phan Văn An"].id, 2026)).level == "excellent"

    secretary_tg = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    await secretary_tg.press(pack(AgreeAll(people["Trần Văn Đức"].cell_id)))
    await secretary_tg.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary_tg.press(pack(ConfirmList(people["Trần Văn Đức"].cell_id, 1)))
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"], "console")
    await admin.say("/decide")
    await pick(admin, "Chi bộ 1")
    await pick(admin, "Lý Văn Cường")
    await admin.say("hoàn thành")
    assert "khác với đề xuất của chi bộ" in admin.text
    await admin.say("Chưa hoàn thành chỉ tiêu được giao")
    assert (await repos.ratings.decision(people["Lý Văn Cường"].id, 2026)).level == "done"


async def test_a_filled_sheet_changing_a_decided_member_tells_the_committee(
        assistant, repos, clock, people):
    secretary, _admin = await _sent_and_accepted(assistant, repos, clock, people)
    cell_id = people["Trần Văn Đức"].cell_id
    before = len(await outbox(repos, CHAIN))
    book = await sheet_of(secretary, cell_id)
    rows = rows_by_name(book.active)
    book.active.cell(rows["Vũ Thị Bình"], 4).value = "Hoàn thành nhiệm vụ"
    await secretary.press(pack(SheetIn(cell_id)))
    await send_file(secretary, save(book))
    assert (await repos.ratings.proposal(people["Vũ Thị Bình"].id, 2026)).level == "done"
    [(to, _chat, note)] = (await outbox(repos, CHAIN))[before:]  # the others unchanged
    assert to == people["Bùi Thị Mai"].id
    assert "đã thay đổi đề xuất đối với đồng chí Vũ Thị Bình" in note.text
