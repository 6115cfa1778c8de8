"""The one sender that drains the outbox for every producer (broadcasts, reminders, alerts).

Pacing: at most `rate` messages/s overall (aiolimiter, a bucket of one: no burst),
at most one message per private chat every `private_interval` seconds and one per
group chat every `group_interval` seconds (20/min). A RetryAfter from the platform pauses
every send of this sender for the time asked, then the same message is tried again.

Retry policy: network errors, timeouts and server errors put the row back to pending with
`not_before` = now + base_backoff · 2^(attempts-1) (capped at max_backoff); after
`max_attempts` attempts it is 'failed'. Forbidden (the person blocked the bot) →
'unreachable' at once, never retried, and the account is flagged (accounts.blocked_at).
ChatMigrated → the stored chat id is updated everywhere and the message is sent to the
new chat. Any other refusal (BadRequest…) → 'failed' at once. A timed-out request may
have been delivered (Telegram has no idempotency key), so a retry after a timeout can
show the message twice; that is the price of not losing it.

In-flight window: rows are claimed `batch_size` at a time (default 25) and their outcomes
written when the batch is done. A process killed in between leaves at most `batch_size`
rows 'sending'; the next start puts them back to pending, so at most `batch_size`
messages can arrive twice and none is lost. `stop()` waits for the current batch, so a
clean stop (SIGTERM) duplicates nothing. At most `concurrency` requests are on the wire
at once. One sender per database: start-up releases every 'sending' row.

A message with a document is two platform messages (the text with its buttons, then the
file); the file is uploaded once and its platform id (attachments.file_ref) reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from conversations.core.outgoing import decode_reply
from conversations.core.replies import Reply
from storage.db import utc_now
from storage.outbox import OutboxRow
from storage.sending import Attachment, Outcome, SendingRepo

log = logging.getLogger(__name__)


# What a transport raises; the sender decides what happens to the row.
class SendError(Exception):
    """Refused for good (bad request, chat not found…): the row fails, no retry."""


class TransientError(SendError):
    """Network error, timeout, server error: retried with backoff."""


class RecipientBlocked(SendError):
    """The person blocked the bot or left: unreachable, never retried."""


class FloodWait(SendError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class ChatMoved(SendError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Transport(Protocol):
    channel: str

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        """Deliver one message; returns the attachment's platform id when it was uploaded."""

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        """Send (or edit, given `message_id`) a status message; returns its id."""


@dataclass(frozen=True)
class SenderConfig:
    rate: float | None = 25.0        # messages per second overall; None: no limit
    private_interval: float = 1.1    # seconds between two messages to one private chat
    group_interval: float = 3.1      # 20 messages/min per group, with a margin
    batch_size: int = 25             # the in-flight window
    max_attempts: int = 5
    base_backoff: float = 2.0        # seconds; doubles with each attempt
    max_backoff: float = 300.0
    idle_wait: float = 2.0           # seconds between looks at an empty outbox
    max_flood_waits: int = 5         # RetryAfter answers for one message before a backoff
    concurrency: int = 3             # requests on the wire at once: HTTP pools (httpcore)
    # get slower per request with every queued request; 2–3 gave the best rate (bench/)


class OutboxSender:
    def __init__(self, repo: SendingRepo, transports: Sequence[Transport],
                 config: SenderConfig | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.repo = repo
        self.transports = {t.channel: t for t in transports}
        self.config = config or SenderConfig()
        self.clock = clock
        rate = self.config.rate
        # a bucket of one: no burst, so no second ever holds more than the limit (a
        # bucket of two reached 100.2% of it in bench/broadcast.py; one gives ~97%)
        self._limiter = AsyncLimiter(1, 1 / rate) if rate else None
        self._chat_free_at: dict[tuple[str, str], float] = {}
        self._moved: dict[tuple[str, str], str] = {}  # (channel, old chat id) -> new
        self._paused_until = 0.0
        self._attachments: dict[int, Attachment] = {}
        self._upload_locks: dict[int, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self._on_wire = asyncio.Semaphore(self.config.concurrency)
        self._task: asyncio.Task | None = None
        self.sent = 0  # messages delivered by this sender since it started

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        released = await self.repo.release_in_flight(self.clock())
        if released:
            log.info("outbox: %d messages in flight at the last stop go out again", released)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop after the current batch (its outcomes are recorded)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next idle check."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                if await self._shielded_batch():
                    continue
                await self._idle()
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken row or database hiccup must not stop all sending
                log.exception("outbox sender: batch failed; trying again shortly")
                await asyncio.sleep(self.config.idle_wait)
                with contextlib.suppress(Exception):  # its rows go out again, not stuck
                    await self.repo.release_in_flight(self.clock())

    async def _shielded_batch(self) -> int:
        # a stop request waits for the batch, so its outcomes are written, not left 'sending'
        batch = asyncio.ensure_future(self.run_once())
        try:
            return await asyncio.shield(batch)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await batch
            raise

    async def _idle(self) -> None:
        wait = self.config.idle_wait
        due = await self.repo.next_due(list(self.transports))
        if due is not None:
            wait = min(wait, max(0.0, (due - self.clock()).total_seconds()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def drain(self) -> None:
        """Send until nothing is pending (retries included): the console and tests."""
        while True:
            if await self.run_once():
                continue
            due = await self.repo.next_due(list(self.transports))
            if due is None:
                return
            await asyncio.sleep(max(0.0, (due - self.clock()).total_seconds()))

    # -- one batch ------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch, send it, record the outcomes; returns how many were claimed."""
        rows = await self.repo.claim(list(self.transports), self.clock(), self.config.batch_size)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        await self.repo.finish(outcomes, {row.id: row for row in rows}, self.clock())
        return len(rows)

    async def _deliver(self, row: OutboxRow) -> Outcome:
        transport = self.transports[row.channel or ""]
        chat_id = self._moved.get((transport.channel, row.chat_id or ""), row.chat_id or "")
        moved = chat_id != row.chat_id
        floods = 0
        while True:
            try:
                reply = decode_reply(row.payload)
                attachment = await self._attachment(row.attachment_id)
                await self._wait_turn(transport, chat_id)
                target = row if chat_id == row.chat_id else _readdressed(row, chat_id)
                if attachment is not None and attachment.file_ref is None:
                    async with self._upload_locks.setdefault(attachment.id, asyncio.Lock()):
                        attachment = await self._attachment(row.attachment_id)
                        await self._send(transport, target, reply, attachment)
                else:
                    await self._send(transport, target, reply, attachment)
            except FloodWait as exc:
                floods += 1
                self._pause(exc.seconds)
                if floods >= self.config.max_flood_waits:
                    return self._retry(row, f"flood wait {exc.seconds}s", chat_id, moved)
                continue
            except ChatMoved as exc:
                if moved and exc.new_chat_id == chat_id:
                    return Outcome(row.id, "failed", str(exc), chat_id=chat_id)
                await self.repo.move_chat(transport.channel, chat_id, exc.new_chat_id)
                self._moved[(transport.channel, chat_id)] = exc.new_chat_id
                chat_id, moved = exc.new_chat_id, True
                continue
            except RecipientBlocked as exc:
                return Outcome(row.id, "unreachable", f"blocked: {exc}"[:500],
                               chat_id=chat_id if moved else None, blocked=True)
            except TransientError as exc:
                return self._retry(row, str(exc) or type(exc).__name__, chat_id, moved)
            except SendError as exc:
                return Outcome(row.id, "failed", str(exc)[:500], chat_id=chat_id if moved else None)
            except Exception as exc:  # a bug or a surprise: keep the row, retry later
                log.exception("outbox row %s: unexpected error", row.id)
                return self._retry(row, f"{type(exc).__name__}: {exc}", chat_id, moved)
            self.sent += 1
            return Outcome(row.id, "sent", chat_id=chat_id if moved else None)

    async def _send(self, transport: Transport, row: OutboxRow, reply: Reply,
                    attachment: Attachment | None) -> None:
        async with self._on_wire:
            file_ref = await transport.send(row, reply, attachment)
        if file_ref and attachment is not None and attachment.file_ref != file_ref:
            self._attachments[attachment.id] = Attachment(
                attachment.id, attachment.filename, attachment.content, file_ref)
            await self.repo.set_file_ref(attachment.id, file_ref)

    def _retry(self, row: OutboxRow, error: str, chat_id: str, moved: bool) -> Outcome:
        attempts = row.attempts + 1
        new_chat = chat_id if moved else None
        if attempts >= self.config.max_attempts:
            return Outcome(row.id, "failed", error[:500], chat_id=new_chat)
        delay = min(self.config.max_backoff, self.config.base_backoff * 2 ** (attempts - 1))
        return Outcome(row.id, "pending", error[:500],
                       self.clock() + timedelta(seconds=delay), chat_id=new_chat)

    async def _attachment(self, attachment_id: int | None) -> Attachment | None:
        if attachment_id is None:
            return None
        if attachment_id not in self._attachments:
            found = await self.repo.attachment(attachment_id)
            if found is None:
                raise SendError(f"attachment {attachment_id} is missing")
            self._attachments[attachment_id] = found
        return self._attachments[attachment_id]

    # -- pacing ---------------------------------------------------------------------------

    def _pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)
        log.warning("outbox: the platform asked to wait %ss; all sending paused", seconds)

    async def _wait_turn(self, transport: Transport, chat_id: str) -> None:
        """Wait for a global pause to end, for the overall rate, then for this chat's turn.

        The chat's turn is taken after the rate token, right before sending, so the
        interval holds between actual sends (reserved at once: two messages to one chat
        in the same batch go out an interval apart)."""
        await self._wait_pause()
        if self._limiter is not None:
            await self._limiter.acquire()
        loop = asyncio.get_running_loop()
        key = (transport.channel, chat_id)
        interval = (self.config.group_interval if transport.is_group(chat_id)
                    else self.config.private_interval)
        now = loop.time()
        start = max(now, self._chat_free_at.get(key, 0.0))
        self._chat_free_at[key] = start + interval
        if len(self._chat_free_at) > 50_000:  # forget chats whose turn has long come
            self._chat_free_at = {k: t for k, t in self._chat_free_at.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)
        await self._wait_pause()

    async def _wait_pause(self) -> None:
        loop = asyncio.get_running_loop()
        # a loop, not an Event: another RetryAfter may extend the pause while we sleep
        while (pause := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(pause)


def _readdressed(row: OutboxRow, chat_id: str) -> OutboxRow:
    return replace(row, chat_id=chat_id)
