"""Returning a review: a comment in several messages with a preview, typed or pressed; the
resubmission shows what changed; accepting tells the member."""

import pytest

from conversations.review.actions import Confirm, Done, Goto, Replace, Submit
from conversations.secretary.actions import SECRETARY as SR
from conversations.secretary.actions import (
    AcceptReview,
    ReadReview,
    ReturnReview,
    RewriteReturn,
    SendReturn,
)
from tests.review_helpers import complete_and_submit, data
from tests.secretary_helpers import link, outbox, with_deputy


@pytest.fixture
async def people(repos, org):
    return await with_deputy(repos)


async def _submitted(chat_factory, repos, clock, forms, member):
    chat = chat_factory(await link(repos, clock, member), "telegram")
    await complete_and_submit(chat, forms.get(forms.default_version, member.form))
    return chat, await repos.reviews.of_member(member.id, 2026)


async def test_comment_in_several_typed_messages_shown_before_it_is_sent(
        repos, clock, forms, chat_factory, people):
    nhung = people["Nguyễn Thị Hồng Nhung"]
    _member, review = await _submitted(chat_factory, repos, clock, forms, nhung)
    secretary = chat_factory(await link(repos, clock, people["Trần Văn Đức"], "console"),
                             "console")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    assert "nhiều tin nhắn" in secretary.text
    await secretary.say("Đề nghị bổ sung phần hạn chế.")
    assert "«Đề nghị bổ sung phần hạn chế.»" in secretary.text
    assert (await repos.reviews.get(review.id)).status == "submitted"  # not yet
    await secretary.say("Và nêu rõ nguyên nhân.")
    assert "«Đề nghị bổ sung phần hạn chế.\nVà nêu rõ nguyên nhân.»" in secretary.text
    assert [c.keyword for c in secretary.last[0].flat_choices] == ["gửi", "viết lại", "hủy"]
    await secretary.say("gửi")
    returned = await repos.reviews.get(review.id)
    assert returned.status == "returned"
    assert returned.return_comment == "Đề nghị bổ sung phần hạn chế.\nVà nêu rõ nguyên nhân."
    [(to, _chat, told)] = await outbox(repos, "returned")
    assert to == nhung.id and "Và nêu rõ nguyên nhân." in told.text


async def test_rewrite_starts_the_comment_again_and_send_needs_one(
        repos, clock, forms, chat_factory, people):
    _member, review = await _submitted(chat_factory, repos, clock, forms,
                                       people["Nguyễn Thị Hồng Nhung"])
    secretary = chat_factory(await link(repos, clock, people["Trần Văn Đức"]), "telegram")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("Viết nhầm.")
    await secretary.press(SR.pack(RewriteReturn(review.id)))
    await secretary.press(SR.pack(SendReturn(review.id)))  # nothing written since
    assert "Chưa có ý kiến để gửi" in secretary.text
    assert (await repos.reviews.get(review.id)).status == "submitted"
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("Bổ sung số liệu.")
    await secretary.press(SR.pack(SendReturn(review.id)))
    assert (await repos.reviews.get(review.id)).return_comment == "Bổ sung số liệu."


async def test_another_cells_secretary_cannot_send_a_return(
        repos, clock, forms, chat_factory, people):
    _member, review = await _submitted(chat_factory, repos, clock, forms,
                                       people["Nguyễn Thị Hồng Nhung"])
    other = chat_factory(await link(repos, clock, people["Đặng Quốc Bảo"]), "telegram")
    for action in (ReturnReview(review.id), SendReturn(review.id), RewriteReturn(review.id)):
        await other.press(SR.pack(action))
        assert (await repos.reviews.get(review.id)).status == "submitted"
    assert await outbox(repos, "returned") == []


async def test_resubmission_shows_what_changed_since_the_return(
        repos, clock, forms, chat_factory, people):
    member, review = await _submitted(chat_factory, repos, clock, forms,
                                      people["Nguyễn Thị Hồng Nhung"])
    duc = people["Trần Văn Đức"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("Bổ sung mục 1.")
    await secretary.press(SR.pack(SendReturn(review.id)))

    await member.say("/review")
    assert "Bổ sung mục 1." in member.text  # the returned review shows the comment
    form = forms.get(forms.default_version, "2B")
    first = form.items[0]
    clock.advance(hours=1)
    await member.press(data(Goto("summary", first.key)))
    await member.press(data(Replace(first.key)))
    await member.say("Nội dung đã bổ sung theo ý kiến của chi bộ.")
    await member.press(data(Done(first.key)))
    await member.press(data(Submit("summary")))
    await member.press(data(Confirm("summary")))

    alerts = [r.text for m, _c, r in await outbox(repos, "alert") if m == duc.id]
    assert "Những phần đã sửa từ khi trả lại:" in alerts[-1]
    assert first.label("vi") in alerts[-1]
    assert form.items[1].label("vi") not in alerts[-1]
    await secretary.press(SR.pack(ReadReview(review.id)))
    assert "Đồng chí đã trả lại bản này với ý kiến: «Bổ sung mục 1.»" in secretary.text
    assert first.label("vi") in secretary.text.split("Những phần đã sửa")[1]


async def test_accepting_tells_the_member_once(repos, clock, forms, chat_factory, people):
    nhung = people["Nguyễn Thị Hồng Nhung"]
    _member, review = await _submitted(chat_factory, repos, clock, forms, nhung)
    secretary = chat_factory(await link(repos, clock, people["Trần Văn Đức"]), "telegram")
    await secretary.press(SR.pack(AcceptReview(review.id)))
    await secretary.press(SR.pack(AcceptReview(review.id)))  # a second press: nothing more
    told = await outbox(repos, "accepted")
    assert [to for to, _c, _r in told] == [nhung.id]
    assert "đã tiếp nhận bản kiểm điểm năm 2026" in told[0][2].text
