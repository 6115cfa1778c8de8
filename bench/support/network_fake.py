"""The fake Bot API (tests/fakes/telegram_api.py) as seen across a network: every request
travels half the round trip before the fake handles it and its answer the other half.

So a long poll hands an update over half a round trip after it is pushed (when a poll is
waiting) and a reply is "received" half a round trip after the bot sent it: the floor of
update-to-reply is one round trip, as with Telegram. `on_reply(chat, method, arrived,
result)` is called for every message the bot sends or edits, as it arrives.

Webhook mode: once the bot has called setWebhook, each pushed update is POSTed to it half
a round trip later, as Telegram does (`webhook_target` stands for the TLS-terminating
proxy: the registered https address's path on the bot's local HTTP server).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakes.telegram_api import Call, FakeBotApi

REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "sendDocument"})
OnReply = Callable[[int, str, float, Any], None]


class NetworkFake(FakeBotApi):
    def __init__(self, round_trip: float, on_reply: OnReply, *, token: str) -> None:
        super().__init__(token=token)
        self.one_way = round_trip / 2
        self.latency = round_trip / 2  # the answer's way back (FakeBotApi's own delay)
        self.on_reply = on_reply
        self.webhook_target: str | None = None  # http://127.0.0.1:PORT of the bot
        self.undelivered = 0  # webhook posts the bot did not answer with 200
        self._posting: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        for key, (name, handler) in list(self._methods.items()):
            self._methods[key] = (name, self._travelled(name, handler))

    def _travelled(self, name: str, handler):
        async def handle(call: Call) -> Any:
            if self.one_way > 0:
                await asyncio.sleep(self.one_way)  # the request's way there
            arrived = time.monotonic()
            result = await handler(call)
            if name in REPLY_METHODS and isinstance(result, dict):
                self.on_reply(int(call.params.get("chat_id") or 0), name, arrived, result)
            return result
        return handle

    def push_update(self, update: dict) -> dict:
        if not (self.webhook.get("url") and self.webhook_target):
            return super().push_update(update)
        update = dict(update)
        update.setdefault("update_id", self._update_id + 1)
        self._update_id = max(self._update_id, update["update_id"])
        task = asyncio.create_task(self._post(update))
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)
        return update

    async def _post(self, update: dict) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100))  # Telegram: max_connections
        await asyncio.sleep(self.one_way)
        url = f"{self.webhook_target}{urlsplit(self.webhook['url']).path}"
        secret = {"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token", "")}
        try:
            async with self._session.post(url, json=update, headers=secret) as response:
                self.undelivered += response.status != 200
        except aiohttp.ClientError:
            self.undelivered += 1

    async def stop(self) -> None:
        if self._posting:
            await asyncio.gather(*self._posting, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        await super().stop()

    def forget(self) -> None:
        """Drop what the fake keeps of answered calls (memory stays flat over a long run);
        the messages stay, so buttons can still be pressed."""
        self.calls.clear()
        self._consumed.clear()
