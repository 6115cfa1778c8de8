"""The real dialogue on Zalo: the poller drives `Assistant` over a real SQLite file, all
over HTTP to the fake Zalo server; no buttons, so everything is typed."""

import asyncio
import contextlib
from datetime import timedelta

import pytest

from conversations.forms.rating import review_year
from conversations.onboarding.invitations import display_code, issue_invite
from handlers.zalo import ZaloPoller, ZaloUpdates
from handlers.zalo_api import ZaloApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.review_helpers import answer_for
from tests.zalo_helpers import Person


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def running(zalo, assistant, repos, clock):
    """A poller on the fake, answering with the real assistant."""
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        poller = ZaloPoller(api, ZaloUpdates(api, repos, assistant.handle, clock=clock),
                            poll_timeout=5)
        task = asyncio.create_task(poller.run())
        yield poller
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_member_links_with_the_code_and_answers_the_first_items(
        zalo, running, org, repos, clock, forms):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    invite = await issue_invite(repos, nhung.id, clock(), timedelta(days=30))
    person = Person(zalo, running, "zalo-user-7")

    assert "chưa được gắn với đảng viên nào" in await person.say("xin chào")
    linked = await person.say(display_code(invite.code).lower())  # typed, in lower case
    assert "Chào đồng chí Nguyễn Thị Hồng Nhung." in linked
    assert "\n  1. Bản kiểm điểm của tôi\n" in linked  # numbered, as on the console
    assert (await repos.accounts.get("zalo", "zalo-user-7")).member_id == nhung.id

    form = forms.get(forms.default_version, nhung.form)
    first, second = form.items[0], form.items[1]
    assert f"Mục 1/{len(form.items)}" in await person.say("1")
    assert "Đã lưu" in await person.say(answer_for(first.key))
    assert f"Mục 2/{len(form.items)}" in await person.say("xong")
    await person.say(answer_for(second.key))
    assert f"Mục 3/{len(form.items)}" in await person.say("Xong")

    review = await repos.reviews.of_member(nhung.id, review_year(clock().date()))
    assert review.answers[first.key].text == answer_for(first.key)
    assert review.answers[second.key].text == answer_for(second.key)
    assert all(len(text) <= 2000 for text in zalo.texts_to("zalo-user-7"))


async def test_pictures_and_stickers_get_the_text_only_answer(zalo, running, org, repos, clock):
    invite = await issue_invite(repos, org["Lê Minh Tuấn"].id, clock(), timedelta(days=30))
    person = Person(zalo, running, "zalo-user-8")
    await person.say(invite.code)
    assert "chỉ đọc được tin nhắn dạng chữ" in await person.send(zalo.push_sticker)
    assert "chỉ đọc được tin nhắn dạng chữ" in await person.send(zalo.push_image)
    assert "trả lời bằng một số từ 1 đến" in await person.say("99")  # the menu still stands


async def test_a_protected_user_is_told_to_ask_the_secretary(zalo, running):
    answer = await Person(zalo, running, "zalo-child").send(zalo.push_unsupported)
    assert "không cho phép trợ lý đọc tin nhắn" in answer
    assert "liên hệ bí thư chi bộ" in answer


async def test_group_messages_are_not_answered(zalo, running):
    await Person(zalo, running, "zalo-user-9").send(
        lambda user: zalo.push_text(user, "/progress", chat_id="group-1", chat_type="GROUP"))
    assert zalo.sent == []
