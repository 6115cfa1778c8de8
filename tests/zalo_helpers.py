"""Zalo users in tests: they write through the fake Zalo server (real HTTP) and read what
the bot answered; and a runtime serving Zalo by polling, with its HTTP server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import aiohttp

from bot.http_server import HttpConfig
from bot.runtime import Runtime
from bot.telegram_runner import TelegramChannel
from bot.zalo_runner import ZaloChannel
from conversations.forms.library import FormLibrary
from handlers.zalo import ZaloUpdates
from tests.fakes.telegram_api import TEST_TOKEN, FakeBotApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.test_runtime import FAST


class HasUpdates(Protocol):  # a ZaloPoller or a ZaloChannel
    updates: ZaloUpdates | None


class Person:
    """One Zalo user writing to the bot and reading everything it answered."""

    def __init__(self, zalo: FakeZaloApi, receiver: HasUpdates, user_id: str) -> None:
        self.zalo, self.receiver, self.user_id = zalo, receiver, user_id

    async def say(self, text: str) -> str:
        return await self.send(lambda user: self.zalo.push_text(user, text))

    async def send(self, push: Callable[[str], Any]) -> str:
        before = len(self.zalo.texts_to(self.user_id))
        push(self.user_id)
        await self.zalo.wait_idle()  # taken…
        assert self.receiver.updates is not None
        await self.receiver.updates.processor.idle()  # …and answered
        return "\n".join(self.zalo.texts_to(self.user_id)[before:])


@contextlib.asynccontextmanager
async def zalo_runtime(path: str, forms: FormLibrary, zalo: FakeZaloApi,
                       http: HttpConfig | None = None, *, telegram: FakeBotApi | None = None,
                       **options: Any) -> AsyncIterator[tuple[Runtime, ZaloChannel]]:
    """The runtime serving Zalo by long polling on the fake (Telegram too on `telegram`,
    and its HTTP server if `http`); the sender is fast."""
    channel = ZaloChannel(ZALO_TOKEN, zalo.url, poll_timeout=5)
    channels: list[Any] = [channel]
    if telegram is not None:
        channels.insert(0, TelegramChannel(TEST_TOKEN, telegram.url))
    runtime = Runtime(path, forms, channels, sender=FAST, http=http, **options)
    await runtime.start()
    try:
        yield runtime, channel
    finally:
        await runtime.stop()


async def http_get(url: str) -> tuple[int, bytes, Any]:
    """(status, body, headers) of a GET."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read(), response.headers


def choice(text: str, label: str) -> str:
    """The number to type for the choice whose label starts with `label`."""
    for line in text.splitlines():
        number, _, rest = line.strip().partition(". ")
        if number.isdigit() and rest.startswith(label):
            return number
    raise AssertionError(f"no choice {label!r} in:\n{text}")
