"""Handling what the inbox holds: updates of different chats at once (at most
`concurrency`), the updates of one chat strictly one after another, in arrival order.

Each update is stored (storage.inbox) before the platform is told it arrived, counted as
attempted before it is handled, and marked done after its answer went out. So a crash
loses nothing: at start-up the pending updates are handled first. The price is a
duplicate window: an update handled but not yet marked done when the process died is
handled again after the restart. Its answer is then sent twice; the review ignores an
identical answer given again within 30 s, and a review question answered already moves
on. An update whose handling never ends well (it kills the process, say) is given up
after `max_attempts`: marked failed and the person told politely, never a loop.

Several processes on one PostgreSQL database (the database's `locks` are shared): any
process may store any update, and one process at a time serves a chat. The worker of a
chat first takes the chat's advisory lock (storage/locks.py); holding it, it handles the
chat's pending rows from the database in arrival order, whoever stored them, until none
is left, lets go, and looks once more (a row stored by a process that found the lock
taken is then seen). A worker that finds the lock taken leaves the rows to its holder.
A process that dies lets go of its locks with its connection; its chats' pending rows are
picked up by the others' sweep (every `sweep_every` seconds) or their next update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from handlers.updates import log_failure
from storage.database import Locks
from storage.db import utc_now
from storage.inbox import InboxRepo, InboxRow

HandleRow = Callable[[InboxRow], Awaitable[None]]
log = logging.getLogger(__name__)


class InboxProcessor:
    def __init__(self, inbox: InboxRepo, channel: str, handle: HandleRow, give_up: HandleRow,
                 *, concurrency: int = 64, max_attempts: int = 3,
                 keep_done: timedelta = timedelta(days=7),
                 clock: Callable[[], datetime] = utc_now,
                 locks: Locks | None = None, sweep_every: float = 5.0) -> None:
        self.inbox = inbox
        self.channel = channel
        self.handle = handle  # answers one update; failures it cannot answer may raise
        self.give_up = give_up  # tells the person their update could not be handled
        self.max_attempts = max_attempts
        self.keep_done = keep_done
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[str, deque[InboxRow]] = {}  # chat -> its updates not yet done
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._pruned_at: datetime | None = None
        self.locks = locks or inbox.db.locks  # shared on PostgreSQL: see above
        self.sweep_every = sweep_every
        self._sweeping: asyncio.Task[None] | None = None

    async def recover(self) -> None:
        """At start-up: what a previous run stored but did not finish. The updates it was
        handling when it died go first, one at a time: were one of them the cause, its
        next death counts against it alone, not against everything in flight beside it.
        (Each is the first pending update of its chat, so every chat stays in order.)"""
        await self._prune()
        pending = await self.inbox.pending(self.channel)
        if self.locks.shared:  # other processes may be serving these chats right now
            self.submit(pending)
            self._sweeping = asyncio.create_task(self._sweep(), name=f"{self.channel}-sweep")
            return
        if pending:
            log.info("%s: %d stored update(s) from before the restart", self.channel,
                     len(pending))
        for row in pending:
            if row.attempts:
                await self._one(row)
        self.submit(row for row in pending if not row.attempts)

    def submit(self, rows: Iterable[InboxRow]) -> None:
        """Queue stored updates (in arrival order); returns at once."""
        for row in rows:
            self._queues.setdefault(row.chat_key, deque()).append(row)
            if row.chat_key not in self._workers and not self._stopping:
                self._workers[row.chat_key] = asyncio.create_task(self._work(row.chat_key))

    async def idle(self, chat_keys: Iterable[str] | None = None) -> None:
        """Until every queued update (of these chats) is handled."""
        wanted = None if chat_keys is None else set(chat_keys)
        while workers := [task for chat, task in self._workers.items()
                          if wanted is None or chat in wanted]:
            await asyncio.gather(*workers, return_exceptions=True)

    async def stop(self, grace: float = 10.0) -> None:
        """The updates being handled finish (within `grace` seconds); the queued ones stay
        pending in the inbox for the next start."""
        self._stopping = True
        if self._sweeping is not None:
            self._sweeping.cancel()
        workers = list(self._workers.values())
        if workers:
            _done, late = await asyncio.wait(workers, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _work(self, chat_key: str) -> None:
        queue = self._queues[chat_key]
        try:
            if self.locks.shared:
                await self._work_shared(chat_key, queue)
                return
            while queue and not self._stopping:
                async with self._slots:
                    await self._one(queue[0])
                queue.popleft()
        finally:
            del self._queues[chat_key]
            del self._workers[chat_key]

    async def _work_shared(self, chat_key: str, queue: deque[InboxRow]) -> None:
        """Serve the chat while holding its lock, until nothing of it is pending."""
        key = f"inbox:{self.channel}:{chat_key}"
        seen: set[int] = set()  # each row once here (one whose bookkeeping failed stays)
        while queue and not self._stopping:
            submitted = list(queue)
            queue.clear()  # what is submitted from now on makes this look again
            try:
                if not await self.locks.try_lock(key):
                    # its holder serves the chat and looks again after letting go, so it
                    # sees every row committed before this try; rows submitted during the
                    # try may be later: try again for them
                    continue
            except Exception as exc:
                log_failure(exc, self.channel, "chat lock")
                return  # the rows stay pending: the sweep tries again
            try:
                for row in await self._pending_in_chat(chat_key, submitted):
                    if self._stopping:
                        break
                    if row.id not in seen:
                        seen.add(row.id)
                        async with self._slots:
                            await self._one(row)
            finally:
                with contextlib.suppress(Exception):  # a lost connection let go already
                    await self.locks.unlock(key)
            queue.extend(row for row in await self._pending_in_chat(chat_key, [])
                         if row.id not in seen)

    async def _pending_in_chat(self, chat_key: str,
                               submitted: list[InboxRow]) -> list[InboxRow]:
        """From the database; if it cannot be read, the rows this process was given."""
        try:
            return await self.inbox.pending_in_chat(self.channel, chat_key)
        except Exception as exc:
            log_failure(exc, self.channel, "inbox bookkeeping")
            return submitted

    async def _sweep(self) -> None:
        """Chats a dead process left with pending updates: served by whoever looks."""
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                # a chat's worker reads the rest itself
                self.submit(await self.inbox.first_pending(self.channel))
            except Exception as exc:
                log_failure(exc, self.channel, "inbox sweep")

    async def _one(self, row: InboxRow) -> None:
        """Handle one update to the end; never raises. The bookkeeping failing (the
        database locked…) does not stop the update being answered: the dialogue then
        tells the person nothing was saved; the row stays pending for the next start."""
        attempts = row.attempts
        while True:
            attempts = await self._begin(row, attempts)
            if attempts > self.max_attempts:
                log.error("%s: update %d given up after %d attempts", self.channel, row.id,
                          attempts - 1)
                with contextlib.suppress(Exception):
                    await self.give_up(row)
                await self._finish(row, failed=True)
                return
            try:
                await self.handle(row)
            except Exception as exc:
                log_failure(exc, self.channel, f"update (attempt {attempts})")
                continue
            await self._finish(row)
            return

    async def _begin(self, row: InboxRow, attempts: int) -> int:
        try:
            return await self.inbox.begin(row.id)
        except Exception as exc:
            log_failure(exc, self.channel, "inbox bookkeeping")
            return attempts + 1

    async def _finish(self, row: InboxRow, *, failed: bool = False) -> None:
        try:
            await self.inbox.finish(row.id, failed=failed)
            await self._prune()
        except Exception as exc:
            log_failure(exc, self.channel, "inbox bookkeeping")

    async def _prune(self) -> None:
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at > timedelta(hours=1):
            self._pruned_at = now
            await self.inbox.prune(now - self.keep_done)


async def stop_intake(polling: asyncio.Task[None] | None,
                      processor: InboxProcessor | None) -> None:
    """A channel's stop: no update taken any more, then those in hand finish."""
    if polling is not None:
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
    if processor is not None:
        await processor.stop()
