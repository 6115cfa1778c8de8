"""The aiohttp request against the fake Bot API: the same wire format as PTB's httpx one,
uploads, timeouts and connection errors as PTB's exceptions."""

from __future__ import annotations

import asyncio
import io
import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut

from handlers.aiohttp_request import AiohttpRequest
from tests.sender_helpers import REQUESTS, TOKEN, make_bot

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary, every byte value, ~10 KB
TRICKY = 'mẫu "2A" \\ 2026.docx'  # quotes and a backslash, escaped as httpx does
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Mở", callback_data="menu:1")]])


def aiohttp_bot(url: str, **options: float) -> Bot:
    return Bot(TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot",
               request=AiohttpRequest(**options))


async def exchange(bot: Bot, path) -> None:
    """Texts, a keyboard, and three kinds of upload: bytes, a file handle, a file id."""
    await bot.send_message(-1001, "Thông báo: hạn nộp bản kiểm điểm & tự đánh giá 10/12",
                           reply_markup=KEYBOARD, disable_notification=True)
    sent = await bot.send_document(
        42, InputFile(PDF, filename="hướng dẫn.pdf"), caption="Hướng dẫn số 12",
        reply_markup=KEYBOARD)
    with path.open("rb") as handle:
        await bot.send_document(42, handle, filename=TRICKY)
    await bot.send_document(43, sent.document.file_id, caption="Bản sao")


async def test_same_requests_as_httpx(fake, tmp_path):
    path = tmp_path / "mau-2a.docx"
    path.write_bytes(b"PK\x03\x04 docx bytes")
    received = {}
    for kind in sorted(REQUESTS):
        fake.calls.clear()
        async with make_bot(fake.url, request=kind) as bot:
            await exchange(bot, path)
        received[kind] = [(c.method, c.params, c.files) for c in fake.calls
                          if c.method != "getMe"]
    # file ids count up in the fake: compare the later ones by position only
    for calls in received.values():
        calls[-1][1].pop("document")
    assert received["aiohttp"] == received["httpx"]
    message, upload, handle, reuse = received["aiohttp"]
    assert message[1]["text"].startswith("Thông báo: hạn nộp bản kiểm điểm &")
    assert message[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "menu:1"
    assert message[1]["chat_id"] == -1001 and message[1]["disable_notification"] is True
    assert upload[0] == "sendDocument" and upload[2] == {"document": ("hướng dẫn.pdf", PDF)}
    assert upload[1]["caption"] == "Hướng dẫn số 12" and "reply_markup" in upload[1]
    assert handle[2]["document"][1] == b"PK\x03\x04 docx bytes"
    assert reuse[2] == {} and reuse[1]["caption"] == "Bản sao"


async def test_multipart_upload_of_a_large_document(fake):
    content = io.BytesIO(PDF * 20)  # ~200 KB: several socket writes
    async with aiohttp_bot(fake.url) as bot:
        message = await bot.send_document(7, content, filename="bao-cao.xlsx",
                                          caption="Báo cáo tiến độ")
    call = fake.calls_of("sendDocument")[0]
    assert call.files["document"] == ("bao-cao.xlsx", PDF * 20)
    assert call.params == {"chat_id": 7, "caption": "Báo cáo tiến độ"}
    assert message.document.file_name == "bao-cao.xlsx"


async def test_slow_answer_raises_timed_out(fake):
    fake.fail("sendMessage", kind="timeout", delay=2.0, chat_id=5)
    async with aiohttp_bot(fake.url, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(5, "chậm")
        fake.set_latency(0.6)
        with pytest.raises(TimedOut):
            await bot.send_message(6, "vẫn chậm")
        # a per-call timeout overrides the default
        assert (await bot.send_message(6, "đủ lâu", read_timeout=3.0)).text == "đủ lâu"
    assert [c.outcome for c in fake.calls_of("sendMessage")] == ["timeout", "ok", "ok"]


async def test_full_pool_raises_timed_out_before_sending(fake):
    async with aiohttp_bot(fake.url, connection_pool_size=1, pool_timeout=0.2) as bot:
        fake.set_latency(1.5)
        slow = asyncio.create_task(bot.send_message(1, "một"))
        await fake.wait_for("sendMessage")  # the only connection is taken
        with pytest.raises(TimedOut, match=r"not\* sent"):
            await bot.send_message(2, "hai")
        await slow
    assert [c.params["chat_id"] for c in fake.calls_of("sendMessage")] == [1]


async def test_refused_connection_raises_network_error():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    async with request:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError") as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert not isinstance(caught.value, TimedOut)
    with pytest.raises(RuntimeError, match="not initialized"):  # after shutdown
        await request.do_request(f"http://127.0.0.1:{port}/", "POST")
