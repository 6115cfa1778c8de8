"""Zalo updates in: parsing, deduplication by message_id across a restart, failures."""

import logging
from datetime import timedelta

import pytest

from conversations.core.replies import Kind, Reply
from handlers.zalo import ZaloUpdates, event_from_update
from handlers.zalo_api import ZaloApi
from storage.db import open_database
from storage.inbox import NewUpdate
from storage.repos import Repos
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi

MAKER = FakeZaloApi()  # only builds update dicts here; no server


def test_a_text_message_becomes_a_text_incoming_without_buttons():
    event = event_from_update(MAKER.message("u-1", text="  /start  ", message_id="m1",
                                            display_name="Nguyễn Văn A"))
    assert event is not None and event.message_id == "m1"
    incoming = event.incoming
    assert (incoming.channel, incoming.user_id, incoming.chat_id) == ("zalo", "u-1", "u-1")
    assert incoming.kind is Kind.TEXT and incoming.text == "  /start  "  # the dialogue trims
    assert incoming.has_buttons is False and incoming.display_name == "Nguyễn Văn A"
    assert incoming.hidden is False


def test_wrapped_and_bare_bodies_read_the_same():
    update = MAKER.message("u-1", text="xong", message_id="m2")
    assert event_from_update({"ok": True, "result": update}) == event_from_update(update)


def test_numeric_ids_are_read_as_strings():
    update = MAKER.message("u-1", text="1")
    update["message"]["from"]["id"] = 1234
    update["message"]["chat"]["id"] = 1234
    update["message"]["message_id"] = 99
    event = event_from_update(update)
    assert (event.message_id, event.incoming.user_id, event.incoming.chat_id) == \
        ("99", "1234", "1234")


@pytest.mark.parametrize("event_name", ["message.image.received", "message.sticker.received",
                                        "message.voice.received"])
def test_pictures_stickers_and_voice_are_unsupported(event_name):
    event = event_from_update(MAKER.message("u-1", event_name))
    assert event.incoming.kind is Kind.UNSUPPORTED and not event.incoming.hidden


def test_a_protected_users_message_is_unsupported_and_hidden():
    event = event_from_update(MAKER.message("u-1", "message.unsupported.received"))
    assert event.incoming.kind is Kind.UNSUPPORTED and event.incoming.hidden


@pytest.mark.parametrize("update", [
    None, [], "text", {}, {"ok": True, "result": None}, {"event_name": "x"},
    {"event_name": "message.text.received", "message": {"text": "no sender"}},
    {"event_name": "message.text.received",
     "message": {"from": {"id": ""}, "chat": {"id": "c"}, "text": "x"}},
])
def test_malformed_updates_are_ignored(update):
    assert event_from_update(update) is None


def test_groups_and_bots_are_ignored_for_now():
    assert event_from_update(MAKER.message("u-1", text="/progress", chat_id="g-1",
                                           chat_type="GROUP")) is None
    from_bot = MAKER.message("u-1", text="hi")
    from_bot["message"]["from"]["is_bot"] = True
    assert event_from_update(from_bot) is None
    person = MAKER.message("u-1", text="hi")
    person["message"]["from"]["is_bot"] = "false"  # a string: a person, not a bot
    assert event_from_update(person) is not None


class Recorder:
    """The injected dialogue: records what it is given, answers with an echo."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.seen: list[str] = []
        self.fail_on = fail_on

    async def __call__(self, incoming) -> list[Reply]:
        self.seen.append(incoming.text)
        if incoming.text == self.fail_on:
            raise RuntimeError("a bug in the dialogue")
        return [Reply(f"Đã nhận: {incoming.text}")]


async def test_a_message_delivered_again_after_a_restart_is_answered_once(tmp_path, clock):
    path = tmp_path / "zalo.sqlite3"
    update = MAKER.message("u-1", text="xin chào", message_id="m-restart")
    async with FakeZaloApi() as zalo, ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        for _run in range(2):  # the same database file, opened afresh: a restart
            db = await open_database(path)
            dialogue = Recorder()
            updates = ZaloUpdates(api, Repos.of(db), dialogue, clock=clock)
            await updates.process(update)
            await updates.process({"ok": True, "result": update})  # and a webhook retry
            await db.close()
            if _run == 0:
                assert dialogue.seen == ["xin chào"]
            else:
                assert dialogue.seen == []
        assert zalo.texts_to("u-1") == ["Đã nhận: xin chào"]


async def test_handled_updates_are_forgotten_after_a_week(repos, clock):
    def one(key: str) -> list[NewUpdate]:
        return [NewUpdate(key, "u-1", {"key": key})]

    [old] = await repos.inbox.store("zalo", one("old"), clock())
    await repos.inbox.finish(old.id)
    clock.advance(days=6)
    [newer] = await repos.inbox.store("zalo", one("newer"), clock())
    await repos.inbox.finish(newer.id)
    assert await repos.inbox.store("zalo", one("old"), clock()) == []  # a replay
    assert await repos.inbox.store("telegram", one("old"), clock())  # another channel's
    clock.advance(days=1, seconds=1)
    assert await repos.inbox.prune(clock() - timedelta(days=7)) == 1
    assert await repos.inbox.store("zalo", one("old"), clock())  # forgotten, so new again
    assert await repos.inbox.store("zalo", one("newer"), clock()) == []


async def test_a_failing_dialogue_still_answers_and_the_next_message_is_handled(
        repos, clock, caplog):
    async with FakeZaloApi() as zalo, ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        dialogue = Recorder(fail_on="boom")
        updates = ZaloUpdates(api, repos, dialogue, clock=clock)
        with caplog.at_level(logging.ERROR):
            await updates.process(MAKER.message("u-1", text="boom"))
        await updates.process(MAKER.message("u-1", text="tiếp"))
    assert zalo.texts_to("u-1") == [
        "Xin lỗi đồng chí, hệ thống đang gặp sự cố. Đề nghị đồng chí gửi lại tin nhắn sau "
        "ít phút.",
        "Đã nhận: tiếp",
    ]
    assert "a bug in the dialogue" in caplog.text


async def test_a_blocked_reply_is_logged_not_raised(repos, clock, caplog):
    async with FakeZaloApi() as zalo, ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        zalo.fail("sendMessage", status=403)
        updates = ZaloUpdates(api, repos, Recorder(), clock=clock)
        await updates.process(MAKER.message("u-1", text="a"))
    assert "not sent" in caplog.text


async def test_a_quota_answer_is_waited_out_before_the_reply_goes(repos, clock):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with FakeZaloApi() as zalo, \
            ZaloApi(ZALO_TOKEN, base_url=zalo.url, flood_wait=12) as api:
        zalo.fail("sendMessage", status=429)
        updates = ZaloUpdates(api, repos, Recorder(), clock=clock, sleep=sleep)
        await updates.process(MAKER.message("u-1", text="a"))
    assert waits == [12] and zalo.texts_to("u-1") == ["Đã nhận: a"]
