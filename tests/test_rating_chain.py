"""The rating chain in chat: the cell's proposals, the committee's decision, the members
told, and the wrong people refused (buttons, as on Telegram, against real SQLite)."""

from __future__ import annotations

import pytest

from conversations.ratings.actions import (
    AcceptCell,
    AgreeAll,
    AgreeOne,
    AskComment,
    CellDecisions,
    CellList,
    ConfirmList,
    DecideLevel,
    DecideMember,
    MemberCard,
    ProposeLevel,
    RateCell,
    SetCellLevel,
)
from storage.ratings import NewProposal
from tests.conftest import Chat
from tests.rating_helpers import NO_REVIEW, OWN_EXCELLENT, chain_org, pack
from tests.secretary_helpers import link, outbox, with_deputy

REFUSED_CELL = "Việc đề xuất xếp loại của chi bộ do bí thư hoặc phó bí thư chi bộ ghi"
REFUSED_COMMITTEE = "Việc quyết định xếp loại do quản trị viên của đảng ủy ghi"


@pytest.fixture
async def people(repos, forms, clock, org):
    return await chain_org(repos, forms, clock)


async def chat_of(assistant, repos, clock, member) -> Chat:
    return Chat(assistant, await link(repos, clock, member), "telegram")


async def test_cell_proposes_then_committee_decides_and_members_are_told(
        assistant, repos, clock, people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    listed = await secretary.say("/proposals")
    assert "Chi bộ 1 — đề xuất xếp loại của chi bộ năm 2026" in secretary.text
    assert "○ Phan Văn An: Tốt → —" in secretary.text
    assert pack(AgreeAll(cell_id)) in secretary.actions()
    assert pack(MemberCard(people["Phan Văn An"].id)) in secretary.actions()
    assert listed[0].choices
    await secretary.press(pack(CellList(cell_id, 1)))
    assert f"○ {NO_REVIEW}: chưa nộp bản kiểm điểm → —" in secretary.text

    await secretary.press(pack(AgreeAll(cell_id)))
    assert "Chi bộ nhất trí với mức tự đề xuất của 9 đồng chí." in secretary.text
    proposals = await repos.ratings.proposals(cell_id, 2026)
    assert len(proposals) == 9 and proposals[people[OWN_EXCELLENT].id].level == "excellent"

    # above the member's own level: a reason is asked, and recorded
    an = people["Phan Văn An"]
    await secretary.press(pack(ProposeLevel(an.id, "excellent")))
    assert "cao hơn mức tự đề xuất" in secretary.text
    assert (await repos.ratings.proposal(an.id, 2026)).level == "good"
    await secretary.say("Có sáng kiến được công nhận cấp phường")
    recorded = await repos.ratings.proposal(an.id, 2026)
    assert recorded.level == "excellent"
    assert recorded.reason == "Có sáng kiến được công nhận cấp phường"

    # a comment of the cell committee; the member without a review gets a level chosen
    await secretary.press(pack(AskComment(an.id)))
    await secretary.say("Gương mẫu, nhiệt tình")
    assert (await repos.ratings.proposal(an.id, 2026)).comment == "Gương mẫu, nhiệt tình"
    hai = people[NO_REVIEW]
    await secretary.press(pack(MemberCard(hai.id)))
    assert "Chưa nộp bản kiểm điểm." in secretary.text
    assert pack(AgreeOne(hai.id)) not in secretary.actions()
    await secretary.press(pack(ProposeLevel(hai.id, "done")))
    assert (await repos.ratings.proposal(hai.id, 2026)).level == "done"

    # 2 «xuất sắc» against 7 «tốt»: at most 1 by the quota, said in people
    await secretary.press(pack(ConfirmList(cell_id)))
    assert "tối đa 1 đồng chí" in secretary.text and "0.2" not in secretary.text
    assert not any(p.confirmed for p in (await repos.ratings.proposals(cell_id, 2026)).values())
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    assert "Đã gửi đảng ủy đề xuất xếp loại của 10 đồng chí." in secretary.text
    assert all(p.confirmed for p in (await repos.ratings.proposals(cell_id, 2026)).values())

    # the committee: the quota across the committee, then the cell accepted in one step
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    await admin.say("/decide")
    assert "Chi bộ 1: đã gửi đề xuất 10/10, đã quyết định 0" in admin.text
    await admin.press(pack(CellDecisions(cell_id)))
    await admin.press(pack(AcceptCell(cell_id)))
    assert "tối đa 1 đồng chí" in admin.text
    assert await repos.ratings.decisions(cell_id, 2026) == {}
    await admin.press(pack(AcceptCell(cell_id, 1)))
    decided = await repos.ratings.decisions(cell_id, 2026)
    assert len(decided) == 10 and decided[an.id].level == "excellent"
    told = await outbox(repos, "rating")
    members_told = [m for m, _chat, reply in told if "quyết định xếp loại năm 2026" in reply.text]
    assert sorted(members_told) == sorted(decided)
    [(to_secretary, _chat, _note)] = [t for t in told if "Chi bộ 1" in t[2].text]
    assert to_secretary == people["Trần Văn Đức"].id

    # one member changed by the committee, with a reason; told once more, once
    await admin.press(pack(DecideMember(an.id)))
    await admin.press(pack(DecideLevel(an.id, "good")))
    await admin.say("Vượt tỉ lệ của đảng bộ")
    decision = await repos.ratings.decision(an.id, 2026)
    assert (decision.level, decision.reason) == ("good", "Vượt tỉ lệ của đảng bộ")
    to_an = [r.text for m, _c, r in await outbox(repos, "rating") if m == an.id]
    assert to_an[-1].endswith("«Hoàn thành tốt nhiệm vụ».") and len(to_an) == 2
    await admin.press(pack(AcceptCell(cell_id, 1)))  # nothing left to accept: nobody told again
    assert "Không có đề xuất nào cần nhất trí" in admin.text
    await admin.press(pack(DecideLevel(an.id, "good")))  # the same level, a better reason
    await admin.say("Vượt tỉ lệ của đảng bộ năm 2026")
    assert len(await outbox(repos, "rating")) == len(told) + 1
    await admin.press(pack(DecideLevel(an.id, "excellent")))  # back: over the quota again
    assert "Trước khi quyết định: Vượt tỷ lệ 1 đồng chí." in admin.text
    await admin.press(pack(DecideLevel(an.id, "excellent", 1)))  # as the cell proposed
    await admin.say("Đảng ủy nhất trí với đề xuất của chi bộ")  # a change needs a reason
    to_an = [r.text for m, _c, r in await outbox(repos, "rating") if m == an.id]
    assert len(to_an) == 3 and to_an[-1].endswith("«Hoàn thành xuất sắc nhiệm vụ».")

    # the cell's own rating with its figures
    await admin.press(pack(RateCell(cell_id)))
    assert "Số đảng viên phải kiểm điểm: 10; đã nộp bản kiểm điểm: 9." in admin.text
    await admin.press(pack(SetCellLevel(cell_id, "good")))
    rated = await repos.ratings.cell_ratings(people["Bùi Thị Mai"].committee_id, 2026)
    assert rated[cell_id].level == "good"


async def test_a_change_after_confirming_must_be_confirmed_again(assistant, repos, clock,
                                                                  people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    await secretary.press(pack(ProposeLevel(people["Vũ Thị Bình"].id, "done")))
    assert "Đã thay đổi sau khi xác nhận: đề nghị xác nhận lại danh sách." in secretary.text
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    await admin.press(pack(AcceptCell(cell_id, 1)))
    assert people["Vũ Thị Bình"].id not in await repos.ratings.decisions(cell_id, 2026)


async def test_the_wrong_people_are_refused(assistant, repos, clock, people):
    cell_id = people["Trần Văn Đức"].cell_id
    nhung = people[OWN_EXCELLENT]
    other_secretary = await chat_of(assistant, repos, clock, people["Đặng Quốc Bảo"])
    member = await chat_of(assistant, repos, clock, nhung)
    other_member = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    far_admin = await chat_of(assistant, repos, clock, people["Hà Văn Khác"])
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    crafted = [pack(CellList(cell_id)), pack(AgreeAll(cell_id)),
               pack(ProposeLevel(nhung.id, "excellent")), pack(AgreeOne(nhung.id)),
               pack(ConfirmList(cell_id, 1)), pack(MemberCard(nhung.id))]
    for chat in (other_secretary, member, far_admin):
        for data in crafted:
            await chat.press(data)
            assert REFUSED_CELL in chat.text, (chat.user_id, data)
    await member.say("/proposals")
    assert REFUSED_CELL in member.text
    await other_member.say("/proposals")  # an admin, but not the cell's secretary
    assert REFUSED_CELL in other_member.text
    # the secretary's own buttons cannot reach a member of another cell
    await secretary.press(pack(ProposeLevel(people["Đặng Quốc Bảo"].id, "good")))
    assert REFUSED_CELL in secretary.text
    assert await repos.ratings.proposals(cell_id, 2026) == {}

    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    for chat in (secretary, member, far_admin):
        for data in (pack(CellDecisions(cell_id)), pack(AcceptCell(cell_id, 1)),
                     pack(DecideLevel(nhung.id, "done", 1)), pack(SetCellLevel(cell_id, "good")),
                     pack(RateCell(cell_id))):
            await chat.press(data)
            assert REFUSED_COMMITTEE in chat.text, (chat.user_id, data)
    for chat in (secretary, member):
        await chat.say("/decide")
        assert REFUSED_COMMITTEE in chat.text
    assert await repos.ratings.decisions(cell_id, 2026) == {}
    assert await outbox(repos, "rating") == []


async def test_progress_shows_the_three_levels_and_the_committee_total(assistant, repos, clock,
                                                                       people):
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.say("/progress")
    assert " → " not in secretary.text  # before the cell's meeting: the reviews alone
    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    await secretary.press(pack(ProposeLevel(people["Vũ Thị Bình"].id, "done")))
    admin = await chat_of(assistant, repos, clock, people["Bùi Thị Mai"])
    await admin.press(pack(AcceptCell(cell_id, 1)))

    await secretary.say("/progress")
    assert "✓ Vũ Thị Bình — 09:00 23/11/2026 · Tốt → HT* → —" in secretary.text
    assert f"✓ {OWN_EXCELLENT} — 09:00 23/11/2026 · XS → XS → XS" in secretary.text
    assert "Mức xếp loại: tự đề xuất → chi bộ đề xuất (* chưa xác nhận)" in secretary.text
    await admin.say("/progress")
    assert "Toàn đảng bộ: 9/12 ▓▓▓▓▓▓▓▓░░ 75% · đã quyết định: XS 1, Tốt 7, HT 1" in admin.text


async def test_proposals_filled_by_a_vote_are_confirmed_here(assistant, repos, clock, people):
    cell_id = people["Trần Văn Đức"].cell_id
    members = [p for p in people.values() if p.cell_id == cell_id]
    await repos.ratings.propose(cell_id, 2026, [NewProposal(m.id, "good") for m in members],
                                source="vote", by=None, now=clock())
    secretary = await chat_of(assistant, repos, clock, people["Trần Văn Đức"])
    await secretary.say("/proposals")
    assert "○" not in secretary.text and "Phan Văn An: Tốt → Tốt (theo biểu quyết)" in (
        secretary.text)
    await secretary.press(pack(ConfirmList(cell_id)))  # warned: one has no review
    await secretary.press(pack(ConfirmList(cell_id, 1)))
    proposals = await repos.ratings.proposals(cell_id, 2026)
    assert all(p.confirmed and p.source == "vote" for p in proposals.values())


async def test_the_deputy_proposes_too_in_english(assistant, repos, clock, people):
    deputy = (await with_deputy(repos))["Phạm Thu Hà"]
    chat = await chat_of(assistant, repos, clock, deputy)
    await chat.say("/proposals")
    assert "Chi bộ 1 — the cell's proposals 2026" in chat.text
    an = people["Phan Văn An"]
    await chat.press(pack(AgreeOne(an.id)))
    assert "Recorded: the cell proposes «Good completion of duties» for comrade Phan Văn An." \
        in chat.text
    proposal = await repos.ratings.proposal(an.id, 2026)
    assert (proposal.level, proposal.recorded_by) == ("good", deputy.id)
