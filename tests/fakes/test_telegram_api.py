"""The fake Bot API, driven by a real python-telegram-bot ``Bot`` over HTTP."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import telegram
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from tests.fakes.telegram_api import FakeBotApi

TOKEN = "123456:TEST-token"
USER = 777


def make_bot(fake: FakeBotApi, **request_kwargs: float) -> telegram.Bot:
    request = HTTPXRequest(**request_kwargs) if request_kwargs else None
    return telegram.Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot",
                        request=request)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with make_bot(fake) as client:  # initialize() calls getMe
        yield client


KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="yes"),
                                  InlineKeyboardButton("Không", callback_data="no")]])


async def test_get_me(fake: FakeBotApi, bot: telegram.Bot) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert bot.username == "kiemdiem_test_bot"
    me = await bot.get_me()
    assert (me.id, me.is_bot) == (123456, True)
    assert [c.method for c in fake.calls] == ["getMe", "getMe"]
    assert fake.calls[0].outcome == "ok"
    assert isinstance(fake.calls[0].received_at, float)


async def test_send_message_with_keyboard_and_edit(fake: FakeBotApi, bot: telegram.Bot) -> None:
    first = await bot.send_message(USER, "Xin chào")
    sent = await bot.send_message(USER, "Bạn đồng ý?", reply_markup=KEYBOARD)
    assert sent.message_id == first.message_id + 1
    assert sent.text == "Bạn đồng ý?" and sent.reply_markup == KEYBOARD
    assert sent.from_user.is_bot and sent.chat.type == "private"
    assert isinstance(sent.date.timestamp(), float) and abs(sent.date.timestamp() - time.time()) < 5

    call = await fake.wait_for("sendMessage", lambda c: "reply_markup" in c.params)
    assert call.params["chat_id"] == USER
    assert call.params["reply_markup"] == KEYBOARD.to_dict()

    edited = await bot.edit_message_text("Đã ghi nhận", USER, sent.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.text == "Đã ghi nhận" and edited.reply_markup is None
    assert edited.edit_date is not None
    assert fake.bot_messages(USER)[-1]["text"] == "Đã ghi nhận"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Đã ghi nhận", USER, sent.message_id)

    await bot.edit_message_reply_markup(USER, first.message_id, reply_markup=KEYBOARD)
    assert fake.messages[(USER, first.message_id)]["reply_markup"] == KEYBOARD.to_dict()
    assert await bot.delete_message(USER, first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, first.message_id)


async def test_send_document_stores_bytes(fake: FakeBotApi, bot: telegram.Bot) -> None:
    content = b"PK\x03\x04 fake docx \x00\xff"
    message = await bot.send_document(USER, InputFile(content, filename="kiem-diem.docx"),
                                      caption="Bản kiểm điểm")
    assert message.document.file_name == "kiem-diem.docx"
    assert message.document.file_size == len(content)
    assert message.caption == "Bản kiểm điểm"
    call = fake.calls_of("senddocument")[0]
    assert call.files["document"] == ("kiem-diem.docx", content)
    assert call.params["chat_id"] == USER and call.params["caption"] == "Bản kiểm điểm"


async def test_commands_per_language(fake: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")])
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")],
                              language_code="en")
    assert fake.commands[""] == [{"command": "start", "description": "Bắt đầu"}]
    assert [c["command"] for c in fake.commands["en"]] == ["start", "help"]
    english = await bot.get_my_commands(language_code="en")
    assert [c.description for c in english] == ["Start", "Help"]
    assert await bot.get_my_commands(language_code="fr") == ()


async def test_small_methods(fake: FakeBotApi, bot: telegram.Bot) -> None:
    assert await bot.delete_webhook()
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    assert await bot.send_chat_action(USER, "typing")
    assert await bot.answer_callback_query("42")
    assert await bot.close() and await bot.log_out()


async def test_unknown_method_and_request_shapes(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{TOKEN}") as client:
        missing = await client.post("/noSuchMethod")
        assert missing.status_code == 404
        assert missing.json() == {"ok": False, "error_code": 404,
                                  "description": "Not Found: method not found"}
        assert (await client.get("/GETME")).json()["result"]["username"] == "kiemdiem_test_bot"
        sent = await client.get("/sendMessage", params={"chat_id": "5", "text": "123"})
        assert sent.json()["result"]["text"] == "123"
        posted = await client.post("/sendMessage", json={"chat_id": 5, "text": "hi"})
        assert posted.json()["result"]["message_id"] == 2
    assert fake.calls[0].outcome == "not_found" and fake.calls[1].method == "getMe"
    assert fake.calls_of("sendMessage")[0].params == {"chat_id": 5, "text": "123"}


async def test_get_updates_message_and_callback(fake: FakeBotApi, bot: telegram.Bot) -> None:
    pushed = fake.push_message(USER, "/start abc", first_name="Nhung", username="nhung")
    [update] = await bot.get_updates(timeout=1)
    assert update.update_id == pushed["update_id"]
    assert update.message.text == "/start abc"
    assert update.message.from_user.language_code == "vi"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    assert update.message.parse_entity(entity) == "/start"

    sent = await bot.send_message(USER, "Chọn", reply_markup=KEYBOARD)
    assert sent.message_id == update.message.message_id + 1  # one id sequence per chat
    fake.push_callback(USER, "yes", sent.message_id)
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert query.data == "yes" and query.from_user.first_name == "Nhung"
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == KEYBOARD
    with pytest.raises(ValueError, match="no button"):
        fake.push_callback(USER, "maybe", sent.message_id)

    fake.push_sticker(USER)
    fake.push_update({"message": {"message_id": 99, "date": 0, "chat": {"id": USER,
                                                                        "type": "private"},
                                  "photo": [{"file_id": "p", "file_unique_id": "up",
                                             "width": 1, "height": 1}]}})
    rest = await bot.get_updates(offset=updates[0].update_id + 1)
    assert rest[0].message.sticker.emoji == "👍" and rest[1].message.photo[0].file_id == "p"
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert fake.updates == []


async def test_long_poll_wakes_on_push(fake: FakeBotApi, bot: telegram.Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not poll.done()
    fake.push_message(USER, "xin chào")
    [update] = await asyncio.wait_for(poll, 2)
    assert update.message.text == "xin chào"
    assert 0.3 <= time.monotonic() - started < 2

    started = time.monotonic()
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0.5) == ()
    assert time.monotonic() - started >= 0.45


async def test_failures(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.fail("sendMessage", kind="retry_after", retry_after=7)
    fake.fail("sendMessage", kind="forbidden", chat_id=2)
    fake.fail("sendMessage", kind="migrate", migrate_to_chat_id=-1009)
    fake.fail("sendMessage", kind="bad_request", description="Bad Request: chat not found",
              times=2)
    fake.fail("sendMessage", kind="server_error", status=502)
    fake.fail("sendMessage", kind="server_error")

    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(1, "a")
        retry_after = retry.value.retry_after
    assert retry_after in (7, timedelta(seconds=7))
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(2, "b")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(1, "c")
    assert migrated.value.new_chat_id == -1009
    for _ in range(2):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(1, "d")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1, "e")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(1, "f")
    assert (await bot.send_message(2, "g")).text == "g"
    assert [c.outcome for c in fake.calls_of("sendMessage")] == [
        "retry_after", "forbidden", "migrate", "bad_request", "bad_request",
        "server_error", "server_error", "ok",
    ]
    assert fake.bot_messages(1) == []  # failed sends left nothing behind


async def test_timeout_failure_and_latency(fake: FakeBotApi) -> None:
    fake.fail("sendMessage", kind="timeout", delay=2.0, chat_id=USER)
    async with make_bot(fake, read_timeout=0.5) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "slow")
        assert time.monotonic() - started < 1.5
        call = await fake.wait_for("sendMessage")
        assert call.outcome == "timeout"
        assert fake.bot_messages(USER)[0]["text"] == "slow"  # Telegram may have sent it anyway

        fake.set_latency(0.3)
        started = time.monotonic()
        await bot.send_message(USER, "fine")
        assert time.monotonic() - started >= 0.3


async def test_wait_for_consumes_in_order(fake: FakeBotApi, bot: telegram.Bot) -> None:
    mark = len(fake.calls)
    waiter = asyncio.create_task(fake.wait_for("sendMessage", after=mark, timeout=2))
    await bot.send_message(1, "one")
    await bot.send_message(1, "two")
    assert (await waiter).params["text"] == "one"
    assert (await fake.wait_for("SENDMESSAGE", after=mark)).params["text"] == "two"
    with pytest.raises(TimeoutError):
        await fake.wait_for("sendMessage", after=mark, timeout=0.2)
    with pytest.raises(TimeoutError):  # "one" was consumed by the first wait_for
        await fake.wait_for("sendMessage", lambda c: c.params["text"] == "one", timeout=0.2)


async def test_application_polling_round_trip(fake: FakeBotApi) -> None:
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler

    async def start(update: telegram.Update, _context: object) -> None:
        await update.message.reply_text("Chào!", reply_markup=KEYBOARD)

    async def pressed(update: telegram.Update, _context: object) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"Bạn chọn {update.callback_query.data}")

    app = (Application.builder().token(TOKEN).base_url(f"{fake.url}/bot")
           .base_file_url(f"{fake.url}/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        fake.push_message(USER, "/start")
        reply = await fake.wait_for("sendMessage")
        assert reply.params["text"] == "Chào!"
        fake.push_callback(USER, "no", reply.result["message_id"])
        edit = await fake.wait_for("editMessageText")
        assert edit.result["text"] == "Bạn chọn no" and "reply_markup" not in edit.result
        await app.updater.stop()
        await app.stop()
    assert fake.updates == []  # the updater confirmed everything on its way out
    assert fake.calls_of("answerCallbackQuery")[0].outcome == "ok"
