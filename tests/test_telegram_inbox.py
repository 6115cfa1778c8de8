"""The Telegram channel in-process against the fake Bot API over HTTP: chats answered at
once, one chat in order, and side calls that fail do not decide whether an update is
handled; a reply refused for a moment (429, 5xx) is sent again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.runtime import Runtime
from bot.telegram_runner import TelegramChannel
from conversations.core.replies import Incoming, Reply
from conversations.forms.rating import review_year
from storage.db import open_database, utc_now
from storage.inbox import NewUpdate
from storage.repos import Repos
from tests.fakes.telegram_api import TEST_TOKEN
from tests.test_runtime import FAST
from tests.test_telegram_runner import org_with_invite

TUAN = 5001
STRANGERS = (6001, 6002, 6003)


@pytest.fixture
async def running(tmp_path, fake, forms):
    """A runtime with the Telegram channel on a database holding Tuấn's invitation."""
    path = tmp_path / "bot.sqlite3"
    code, members = await org_with_invite(path)
    runtime = telegram_runtime(path, fake, forms)
    await runtime.start()
    yield runtime, code, members
    await runtime.stop()


def telegram_runtime(path, fake, forms) -> Runtime:
    return Runtime(str(path), forms, [TelegramChannel(TEST_TOKEN, fake.url)], sender=FAST)


def hold(runtime: Runtime, user_id: int) -> asyncio.Event:
    """Hold this person's updates before the dialogue until the event is set (a slow
    update, such as a large export); everybody else's go straight through."""
    gate = asyncio.Event()
    handle: Callable[[Incoming], Awaitable[list[Reply]]] = runtime.handle

    async def held(incoming: Incoming) -> list[Reply]:
        if incoming.user_id == str(user_id):
            await gate.wait()
        return await handle(incoming)

    runtime.handle = held  # type: ignore[method-assign]
    return gate


def channel_of(runtime: Runtime) -> TelegramChannel:
    channel = runtime.channels[0]
    assert isinstance(channel, TelegramChannel) and channel.processor is not None
    return channel


async def answer_to(fake, user_id: int, mark: int) -> str:
    sent = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == user_id
                               and c.outcome == "ok", after=mark, timeout=15)
    return sent.params["text"]


async def bind_tuan(fake, code: str) -> dict:
    mark = len(fake.calls)
    fake.push_message(TUAN, f"/start {code}")
    return (await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN,
                                after=mark, timeout=15)).result


async def test_a_slow_update_does_not_delay_another_persons_reply(fake, running):
    runtime, _code, _members = running
    gate = hold(runtime, TUAN)
    mark = len(fake.calls)
    fake.push_message(TUAN, "xin chào")  # held, like a long export
    fake.push_message(STRANGERS[0], "xin chào")
    assert "chưa được gắn với đảng viên nào" in await answer_to(fake, STRANGERS[0], mark)
    assert not [c for c in fake.calls_of("sendMessage") if c.params["chat_id"] == TUAN]
    gate.set()
    assert "chưa được gắn với đảng viên nào" in await answer_to(fake, TUAN, mark)


async def test_quick_successive_answers_are_saved_in_order_while_others_interleave(
        fake, running):
    runtime, code, members = running
    await bind_tuan(fake, code)
    mark = len(fake.calls)
    fake.push_message(TUAN, "/review")
    await answer_to(fake, TUAN, mark)
    gate = hold(runtime, TUAN)
    mark = len(fake.calls)
    paragraphs = ["Đoạn một.", "Đoạn hai.", "Đoạn ba.", "Đoạn bốn."]
    for index, paragraph in enumerate(paragraphs):
        fake.push_message(TUAN, paragraph)
        fake.push_message(STRANGERS[index % len(STRANGERS)], "xin chào")
    for index in range(len(paragraphs)):  # answered while Tuấn's first paragraph is held
        await answer_to(fake, STRANGERS[index % len(STRANGERS)], mark)
    # (so Tuấn's paragraphs, sent before the last of them, are stored too)
    gate.set()
    await channel_of(runtime).processor.idle()
    tuan = members["Lê Minh Tuấn"]
    review = await runtime.repos.reviews.of_member(tuan.id, review_year(utc_now()))
    assert review is not None
    assert review.answers[review.position].text == "\n".join(paragraphs)


async def test_a_button_press_is_handled_when_answer_callback_query_fails(fake, running):
    _runtime, code, _members = running
    welcome = await bind_tuan(fake, code)
    fake.fail("answerCallbackQuery", kind="server_error")
    mark = len(fake.calls)
    fake.push_callback(TUAN, "language", welcome["message_id"])
    chosen = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN,
                                 after=mark, timeout=15)
    await fake.wait_for("answerCallbackQuery", after=mark, timeout=15)  # sent beside it
    assert fake.calls_of("answerCallbackQuery")[-1].outcome == "server_error"
    buttons = [b["callback_data"] for row in chosen.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert "lang:en" in buttons


async def test_a_button_press_is_answered_without_waiting_for_answer_callback_query(
        fake, running):
    _runtime, code, _members = running
    welcome = await bind_tuan(fake, code)
    fake.fail("answerCallbackQuery", kind="timeout", delay=3.0)  # done, but answered late
    mark = len(fake.calls)
    fake.push_callback(TUAN, "language", welcome["message_id"])
    reply = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN,
                                after=mark, timeout=15)
    answer = await fake.wait_for("answerCallbackQuery", after=mark, timeout=15)
    # the reply came while answerCallbackQuery still waited for its answer: it was not
    # awaited first (that costs a whole round trip before every button's answer)
    assert answer.outcome == "timeout"
    assert reply.received_at < answer.received_at + 3.0


async def test_a_new_message_does_not_wait_for_the_old_buttons_to_go(fake, running):
    _runtime, code, _members = running
    welcome = await bind_tuan(fake, code)
    fake.fail("editMessageReplyMarkup", kind="timeout", delay=3.0)  # done, answered late
    mark = len(fake.calls)
    fake.push_callback(TUAN, "language", welcome["message_id"])
    reply = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN,
                                after=mark, timeout=15)
    dropped = await fake.wait_for("editMessageReplyMarkup", after=mark, timeout=15)
    assert dropped.params["message_id"] == welcome["message_id"]
    assert reply.received_at < dropped.received_at + 3.0  # sent before that answer came


@pytest.mark.parametrize("failure", [{"kind": "retry_after", "retry_after": 1},
                                     {"kind": "server_error", "status": 502},
                                     {"kind": "server_error", "status": 500}])
async def test_a_reply_refused_for_a_moment_is_sent_again(fake, running, failure):
    fake.fail("sendMessage", chat_id=STRANGERS[0], **failure)
    mark = len(fake.calls)
    fake.push_message(STRANGERS[0], "xin chào")
    assert "chưa được gắn với đảng viên nào" in await answer_to(fake, STRANGERS[0], mark)
    outcomes = [c.outcome for c in fake.calls_of("sendMessage")
                if c.params["chat_id"] == STRANGERS[0]]
    assert outcomes == [failure["kind"], "ok"]


async def test_an_update_that_killed_three_runs_gets_the_failure_message_once(
        fake, forms, tmp_path):
    path = tmp_path / "bot.sqlite3"
    await org_with_invite(path)
    update = fake.push_message(STRANGERS[0], "xin chào")
    fake.updates.clear()  # taken and stored by a run that then died, three times
    db = await open_database(path)
    inbox = Repos.of(db).inbox
    [row] = await inbox.store("telegram", [NewUpdate(str(update["update_id"]),
                                                     str(STRANGERS[0]), update)], utc_now())
    for _run in range(3):
        await inbox.begin(row.id)
    await db.close()
    runtime = telegram_runtime(path, fake, forms)
    await runtime.start()
    try:
        told = await answer_to(fake, STRANGERS[0], 0)
        assert told.startswith("Xin lỗi đồng chí, trợ lý gặp sự cố khi xử lý tin nhắn")
        assert await runtime.repos.inbox.state("telegram", str(update["update_id"])) == (
            "failed", 4)
    finally:
        await runtime.stop()
    assert len(fake.calls_of("sendMessage")) == 1
