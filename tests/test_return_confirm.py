"""Returning a review is confirmed with the member's name and the whole comment shown, so
a number typed against a list that changed cannot return someone else's review unseen."""

from __future__ import annotations

from bot.demo_reviews import sample_review
from conversations.secretary.actions import SECRETARY, ConfirmReturn, ReturnReview
from tests.conftest import Chat
from tests.secretary_helpers import link, outbox


async def test_comment_in_several_messages_shown_with_the_name_then_returned(
        assistant, repos, clock, forms, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    review = await sample_review(repos, forms, nhung, clock())
    secretary = Chat(assistant, await link(repos, clock, org["Trần Văn Đức"], "console"))
    await secretary.say("/progress")
    await secretary.say("1")          # 1. Xem: Nguyễn Thị Hồng Nhung
    labels = [c.label for r in secretary.last for c in r.flat_choices]
    await secretary.say(str(labels.index("Trả lại để bổ sung, chỉnh sửa") + 1))
    await secretary.say("Đề nghị bổ sung phần hạn chế.")
    assert "Trả lại bản kiểm điểm của đồng chí Nguyễn Thị Hồng Nhung" in secretary.text
    assert (await repos.reviews.get(review.id)).status == "submitted"  # not yet
    await secretary.say("Nêu rõ nguyên nhân.")
    assert "«Đề nghị bổ sung phần hạn chế.\nNêu rõ nguyên nhân.»" in secretary.text
    await secretary.say("trả lại")
    returned = await repos.reviews.get(review.id)
    assert returned.status == "returned"
    assert returned.return_comment == "Đề nghị bổ sung phần hạn chế.\nNêu rõ nguyên nhân."
    assert len(await outbox(repos, "returned")) == 1


async def test_a_confirm_never_carries_another_reviews_comment(assistant, repos, clock, forms,
                                                               org):
    nhung, tuan = org["Nguyễn Thị Hồng Nhung"], org["Lê Minh Tuấn"]
    first = await sample_review(repos, forms, nhung, clock())
    second = await sample_review(repos, forms, tuan, clock())
    secretary = Chat(assistant, await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.press(SECRETARY.pack(ConfirmReturn(first.id)))  # nothing written yet
    assert "Đề nghị đồng chí ghi ý kiến gửi đồng chí Nguyễn Thị Hồng Nhung" in secretary.text
    await secretary.say("Ý kiến cho đồng chí Nhung.")
    await secretary.press(SECRETARY.pack(ConfirmReturn(second.id)))  # an old, other button
    assert "Đề nghị đồng chí ghi ý kiến gửi đồng chí Lê Minh Tuấn" in secretary.text
    assert (await repos.reviews.get(first.id)).status == "submitted"
    assert (await repos.reviews.get(second.id)).status == "submitted"
    await secretary.press(SECRETARY.pack(ReturnReview(first.id)))
    await secretary.say("Ý kiến cho đồng chí Nhung.")
    clock.advance(hours=2)  # the question lapsed: written again, nothing returned
    await secretary.press(SECRETARY.pack(ConfirmReturn(first.id)))
    assert (await repos.reviews.get(first.id)).status == "submitted"
    assert await outbox(repos, "returned") == []
