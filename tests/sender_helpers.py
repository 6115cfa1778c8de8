"""Shared by the sender tests and the kill test's child process."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply, rows
from handlers.aiohttp_request import AiohttpRequest
from storage.outbox import OutMessage
from tests.fakes.telegram_api import TEST_TOKEN as TOKEN

# PTB's default request, and the one the running bot's sender uses
REQUESTS: dict[str, type[BaseRequest]] = {"httpx": HTTPXRequest, "aiohttp": AiohttpRequest}


def make_bot(url: str, *, read_timeout: float = 5.0, pool: int = 64,
             request: str = "httpx") -> Bot:
    http = REQUESTS[request](connection_pool_size=pool, read_timeout=read_timeout,
                             write_timeout=5.0, connect_timeout=5.0, pool_timeout=10.0)
    return Bot(TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot", request=http)


def messages(chat_ids: list[int], *, per_chat: int = 1, kind: str = "test", ref_id: int = 1,
             attachment_id: int | None = None) -> list[OutMessage]:
    """`per_chat` messages to each chat, with one button."""
    out = []
    for n in range(per_chat):
        for chat in chat_ids:
            payload = encode_reply(Reply(f"Tin {n} cho {chat}", rows(Choice("Mở", "menu"))))
            out.append(OutMessage(f"{kind}:{ref_id}:{chat}:{n}", kind, payload, None,
                                  "telegram", str(chat), ref_id, attachment_id))
    return out



def moving_sleep(clock) -> Callable[[float], Awaitable[None]]:
    """A sleep that moves the test clock instead of waiting: an outage of hours in no
    time. Sleepers that start together end together (the clock moves to the latest end)."""
    async def sleep(seconds: float) -> None:
        until = clock.now + timedelta(seconds=seconds)
        await asyncio.sleep(0)  # let the other tasks run, as a real sleep would
        clock.now = max(clock.now, until)
    return sleep


async def kill_sender_process(db_path: str, url: str, request: str,
                              running: Callable[[], Awaitable[object]]) -> None:
    """Start tests/sender_process.py (150 messages/s) and SIGKILL it once `running()`
    returns (e.g. once it has sent a fifth of the messages)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.sender_process", db_path, url, "150", request,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await running()
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
