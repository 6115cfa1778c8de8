"""The rating chain typed only (console, as on Zalo): numbered choices and words, from the
cell's proposals to the committee's decision and the members told."""

from __future__ import annotations

import pytest

from bot.demo_reviews import sample_review
from tests.conftest import COMMITTEE, Chat, record
from tests.rating_helpers import NO_REVIEW, chain_org
from tests.secretary_helpers import link, outbox
from tests.test_review_console import typed_review


@pytest.fixture
async def people(repos, forms, clock, org):
    return await chain_org(repos, forms, clock)


async def pick(chat: Chat, label: str) -> None:
    """Type the number the last choices give `label`, as a person reading them would."""
    labels = [c.label for r in chat.last for c in r.flat_choices]
    assert label in labels, labels
    await chat.say(str(labels.index(label) + 1))


async def test_chain_typed_only(assistant, repos, clock, forms, org):
    """self → cell → committee → told: one member writes the review here, typed."""
    people = await chain_org(repos, forms, clock, writing=("Phan Văn An",))
    cell_id = people["Trần Văn Đức"].cell_id
    an = Chat(assistant, await link(repos, clock, people["Phan Văn An"], "console"))
    for line in typed_review("2B"):
        await an.say(line)
    assert "Đã nộp lúc" in an.text
    secretary = Chat(assistant, await link(repos, clock, people["Trần Văn Đức"], "console"))
    await secretary.say("Đề xuất")
    assert "Chi bộ 1 — đề xuất xếp loại của chi bộ năm 2026" in secretary.text
    assert "○ Phan Văn An: Tốt → —" in secretary.text  # the level of the review just sent
    await secretary.say("nhat tri")  # the word of «Chi bộ nhất trí…», without accents
    assert "Chi bộ nhất trí với mức tự đề xuất của 9 đồng chí." in secretary.text

    await pick(secretary, "Phan Văn An")
    await pick(secretary, "Hoàn thành xuất sắc nhiệm vụ")
    assert "Đề nghị đồng chí ghi lý do" in secretary.text
    await secretary.say("Sáng kiến được công nhận")
    assert "Đã ghi nhận: chi bộ đề xuất mức «Hoàn thành xuất sắc nhiệm vụ»" in secretary.text
    await pick(secretary, "Trang sau ▶")
    await pick(secretary, NO_REVIEW)
    await pick(secretary, "Hoàn thành nhiệm vụ")
    await secretary.say("xác nhận")
    assert "Trước khi gửi: Vượt tỷ lệ 1 đồng chí." in secretary.text
    assert "tối đa 1 đồng chí" in secretary.text
    await secretary.say("gửi")
    assert "Đã gửi đảng ủy đề xuất xếp loại của 10 đồng chí." in secretary.text

    admin = Chat(assistant, await link(repos, clock, people["Bùi Thị Mai"], "console"))
    await admin.say("quyết định")
    await pick(admin, "Chi bộ 1")
    await admin.say("nhất trí")
    assert "Trước khi quyết định: Vượt tỷ lệ 1 đồng chí." in admin.text
    await admin.say("quyết định")
    assert "Đã quyết định theo đề xuất của chi bộ cho 10 đồng chí" in admin.text
    decided = await repos.ratings.decisions(cell_id, 2026)
    assert len(decided) == 10
    told = {m for m, _chat, reply in await outbox(repos, "rating")
            if "Đảng ủy đã quyết định xếp loại năm 2026 của đồng chí" in reply.text}
    assert told == set(decided)

    # an ordinary member typing the command is refused; the word goes on to the review
    member = Chat(assistant, await link(repos, clock, people["Vũ Thị Bình"], "console"))
    await member.say("/proposals")
    assert "do bí thư hoặc phó bí thư chi bộ ghi nhận" in member.text
    await member.say("/decide")
    assert "do quản trị viên của đảng ủy ghi nhận" in member.text


async def test_a_typed_number_acts_on_the_member_it_was_shown_for(assistant, repos, clock,
                                                                   forms, people):
    """Numbers on a text-only channel stand for the ids of the list shown: a list that
    changed since (someone new submitted and comes first) does not move them."""
    secretary = Chat(assistant, await link(repos, clock, people["Trần Văn Đức"], "console"))
    await secretary.say("/progress")
    await pick(secretary, "Xem: Phan Văn An")
    assert "Đồng chí Phan Văn An\nBản kiểm điểm năm 2026" in secretary.text
    await secretary.say("/progress")
    labels = [c.label for r in secretary.last for c in r.flat_choices]
    shown_first = labels.index("Xem: Phan Văn An") + 1
    clock.advance(minutes=1)
    await sample_review(repos, forms, people[NO_REVIEW], clock())  # «Hải» now sorts first
    await secretary.say(str(shown_first))
    assert "Đồng chí Phan Văn An\nBản kiểm điểm năm 2026" in secretary.text
    # the same number after the member moved to another cell: refused, not someone else
    await secretary.say("/progress")
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [record("Chi bộ 2", "Phan Văn An", "1970-01-01")])
    await secretary.say(str(shown_first))
    assert secretary.text.startswith("Rất tiếc, đồng chí không mở được nội dung này.")


async def test_text_while_the_file_is_awaited_asks_for_the_file(assistant, repos, clock,
                                                                people):
    secretary = Chat(assistant, await link(repos, clock, people["Trần Văn Đức"], "console"))
    await secretary.say("/proposals")
    await pick(secretary, "Gửi tệp .xlsx đã điền")
    await secretary.say("Tôi sẽ gửi sau")
    assert "Đề nghị đồng chí gửi tệp .xlsx danh sách của chi bộ đã điền." in secretary.text
    await secretary.say("hủy")
    assert "đề xuất xếp loại của chi bộ năm 2026" in secretary.text
