"""The outbox sender's pacing: the overall rate, each chat's turn, pauses for everyone.

At most `rate` messages/s overall (aiolimiter, a bucket of one: no burst), at most one
message per private chat every `private_interval` seconds and one per group chat every
`group_interval` seconds (20/min). A pause (RetryAfter from the platform, or an outage)
holds every send until it ends. Pauses follow the sender's clock and sleep (tests move
them together); rate and chat intervals follow the event loop's clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from handlers.outbox_policy import SenderConfig

log = logging.getLogger(__name__)


class Pacing:
    def __init__(self, config: SenderConfig, clock: Callable[[], datetime],
                 sleep: Callable[[float], Awaitable[object]]) -> None:
        rate = config.rate
        # a bucket of one: no burst, so no second ever holds more than the limit (a
        # bucket of two reached 100.2% of it in bench/broadcast.py; one gives ~97%)
        self._limiter = AsyncLimiter(1, 1 / rate) if rate else None
        self.private_interval = config.private_interval
        self.group_interval = config.group_interval
        self._clock = clock
        self._sleep = sleep
        self._chat_free_at: dict[tuple[str, str], float] = {}
        self._paused_until = datetime.min.replace(tzinfo=clock().tzinfo)

    @property
    def paused(self) -> bool:
        return self._paused_until > self._clock()

    def pause(self, seconds: float, why: str) -> None:
        """Hold every send for `seconds` (a later, longer pause extends it)."""
        self._paused_until = max(self._paused_until,
                                 self._clock() + timedelta(seconds=seconds))
        log.warning("outbox: all sending paused for %.1fs (%s)", seconds, why)

    async def wait_turn(self, channel: str, chat_id: str, is_group: bool) -> None:
        """Wait for a pause to end, for the overall rate, then for this chat's turn.

        The chat's turn is taken after the rate token, right before sending, so the
        interval holds between actual sends (reserved at once: two messages to one chat
        in the window go out an interval apart)."""
        await self.wait_pause()
        if self._limiter is not None:
            await self._limiter.acquire()
        loop = asyncio.get_running_loop()
        key = (channel, chat_id)
        interval = self.group_interval if is_group else self.private_interval
        now = loop.time()
        start = max(now, self._chat_free_at.get(key, 0.0))
        self._chat_free_at[key] = start + interval
        if len(self._chat_free_at) > 50_000:  # forget chats whose turn has long come
            self._chat_free_at = {k: t for k, t in self._chat_free_at.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)
        await self.wait_pause()

    async def wait_pause(self) -> None:
        # a loop, not an Event: another pause may extend this one while we sleep
        while (pause := (self._paused_until - self._clock()).total_seconds()) > 0:
            await self._sleep(pause)
