"""The fake Bot API (tests/fakes/telegram_api.py) as seen across a network: every request
travels half the round trip before the fake handles it and its answer the other half.

So a long poll hands an update over half a round trip after it is pushed (when a poll is
waiting) and a reply is "received" half a round trip after the bot sent it: the floor of
update-to-reply is one round trip, as with Telegram. `on_reply(chat, method, arrived,
result)` is called for every message the bot sends or edits, as it arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.telegram_api import Call, FakeBotApi

REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "sendDocument"})
OnReply = Callable[[int, str, float, Any], None]


class NetworkFake(FakeBotApi):
    def __init__(self, round_trip: float, on_reply: OnReply, *, token: str) -> None:
        super().__init__(token=token)
        self.one_way = round_trip / 2
        self.latency = round_trip / 2  # the answer's way back (FakeBotApi's own delay)
        self.on_reply = on_reply
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

    def forget(self) -> None:
        """Drop what the fake keeps of answered calls (memory stays flat over a long run);
        the messages stay, so buttons can still be pressed."""
        self.calls.clear()
        self._consumed.clear()
