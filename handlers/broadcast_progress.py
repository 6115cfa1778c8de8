"""Keeps each running broadcast's author informed: one progress message, edited every few
seconds (sent / failed / unreachable / left, a bar, time left), then the final report."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from conversations.broadcasts import report as broadcast_report
from conversations.core.i18n import Formatter
from conversations.core.zones import DEFAULT_TIMEZONE
from handlers.outbox_sender import SendError, Transport
from storage.broadcasts import Broadcast
from storage.db import utc_now
from storage.locks import held
from storage.repos import Repos

log = logging.getLogger(__name__)


class _NotShown(Exception):
    pass


class BroadcastProgress:
    def __init__(self, repos: Repos, transports: Sequence[Transport], interval: float = 3.0,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.repos = repos
        self.transports = {t.channel: t for t in transports}
        self.interval = interval
        self.clock = clock
        self._shown: dict[int, str] = {}  # broadcast id -> text last shown
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcast-progress")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self._shielded_tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast progress: update failed")
            await asyncio.sleep(self.interval)

    async def _shielded_tick(self) -> None:
        # a stop waits for the tick: a report sent is also recorded as finished, or a
        # restart would send it again
        tick = asyncio.ensure_future(self.tick())
        try:
            await asyncio.shield(tick)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await tick
            raise

    async def tick(self) -> None:
        """Update every running broadcast's message; finish those with nothing left. One
        process at a time (several may share the database), or each would post its own."""
        async with held(self.repos.db.locks, "job:broadcast-progress") as mine:
            if mine:
                await self._tick()

    async def _tick(self) -> None:
        for broadcast in await self.repos.broadcasts.running():
            counts = await self.repos.broadcasts.counts(broadcast.id)
            done = broadcast_report.left(counts) == 0
            try:
                await self._show(broadcast, counts, done)
            except _NotShown:
                if not done:
                    continue  # try again at the next tick
            if done:  # finished even if the author cannot be told (blocked the bot)
                await self.repos.broadcasts.finish(broadcast.id, self.clock())
                self._shown.pop(broadcast.id, None)

    async def _show(self, broadcast: Broadcast, counts: dict[str, int], done: bool) -> None:
        transport = self.transports.get(broadcast.report_channel or "")
        if transport is None or broadcast.report_chat_id is None:
            return  # sent from the command line, or the author's channel is not running
        committee = await self.repos.org.committee(broadcast.committee_id)
        fmt = Formatter(broadcast.report_language,
                        committee.timezone if committee else DEFAULT_TIMEZONE)
        text = broadcast_report.progress_text(fmt, broadcast, counts, self.clock())
        message_id = broadcast.report_message_id
        try:
            if self._shown.get(broadcast.id) != text:
                new_id = await transport.post_status(broadcast.report_chat_id, text, message_id)
                self._shown[broadcast.id] = text
                if new_id and new_id != message_id:
                    await self.repos.broadcasts.set_report_message(broadcast.id, new_id)
            if done:  # a new message, so the author is notified
                sent = await self.repos.broadcasts.sent_by_channel(broadcast.id)
                report = broadcast_report.report_text(fmt, broadcast, counts, sent)
                await transport.post_status(broadcast.report_chat_id, report, None)
        except SendError as exc:  # the author blocked the bot, a flood wait…: next tick
            log.info("broadcast %s: progress not shown (%s)", broadcast.id, exc)
            raise _NotShown from exc
