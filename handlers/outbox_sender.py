"""The one sender that drains the outbox for every producer (broadcasts, reminders, alerts).

Pacing (handlers/outbox_pacing.py): the overall rate, one message per private chat a
second, 20 per group a minute. A RetryAfter from the platform pauses every send for the
time asked, then the same message is tried again.

Retry policy (handlers/outbox_policy.py): network errors, timeouts and server errors put
the row back to pending with `not_before` = now + base_backoff · 2^(attempts-1), capped at
max_backoff (5 min) and shortened by up to `jitter` at random, for as long as the message
is useful: a row whose next try would fall after its expiry ends 'expired' (the producer's
`expires_at`, or a lifetime by kind). `outage_after` such failures in a row (nothing
delivered in between) pause every send for the same backoff, so an outage costs a few
requests per pause, not one per queued message. Forbidden (the person blocked the bot) →
'unreachable' at once, never retried, and the account is flagged (accounts.blocked_at).
ChatMigrated → the stored chat id is updated everywhere and the message is sent to the
new chat. Any other refusal (BadRequest…) → 'failed' at once. A timed-out request may
have been delivered (no idempotency key), so its retry can show the message twice.

In-flight window: at most `batch_size` rows (default 25) are claimed ('sending') and not
yet recorded at any time; the window is refilled as messages complete, and at most
`on_wire` requests (rate × latency, see SenderConfig) are on the wire. A process killed
leaves at most `batch_size` rows 'sending'; the next start puts them back to pending, so
at most `batch_size` messages arrive twice and none is lost. Outcomes are kept in memory
until written: a failed write (database locked, disk full) is retried before any new row
is claimed, so a delivered message is never sent again. `stop()` lets the requests on the
wire finish, records them and releases the rows still waiting their turn: a clean stop
(SIGTERM) duplicates nothing. Claims carry a lease (`lease`, 60 s), renewed every third of
it while held: on PostgreSQL several processes' senders share the outbox, and a dead
one's claims go out from another once their lease ends; on SQLite (one process) start-up
releases the 'sending' rows at once.

A message with a document is two platform messages (the text with its buttons, then the
file); the file is uploaded once and its platform id (attachments.file_ref) reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from conversations.core.outgoing import decode_reply
from conversations.core.replies import Reply
from handlers.outbox_pacing import Pacing
from handlers.outbox_policy import (
    ChatMoved,
    FloodWait,
    RecipientBlocked,
    SenderConfig,
    SendError,
    TransientError,
    describe,
)
from storage.db import utc_now
from storage.outbox import OutboxRow
from storage.sending import Attachment, Outcome, SendingRepo

__all__ = ["ChatMoved", "FloodWait", "OutboxSender", "RecipientBlocked", "SendError",
           "SenderConfig", "TransientError", "Transport"]

log = logging.getLogger(__name__)


class Transport(Protocol):
    channel: str

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        """Deliver one message; returns the attachment's platform id when it was uploaded."""

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        """Send (or edit, given `message_id`) a status message; returns its id."""


class OutboxSender:
    def __init__(self, repo: SendingRepo, transports: Sequence[Transport],
                 config: SenderConfig | None = None,
                 clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        """`clock` and `sleep` are the wall clock for retries, pauses and expiry (tests
        move them together); per-chat intervals use the event loop's clock."""
        self.repo = repo
        self.transports = {t.channel: t for t in transports}
        self.config = config or SenderConfig()
        self.clock = clock
        self._sleep = sleep
        self._rand = rand
        self._pacing = Pacing(self.config, clock, sleep)
        self._moved: dict[tuple[str, str], str] = {}  # (channel, old chat id) -> new
        self._attachments: dict[int, Attachment] = {}
        self._upload_locks: dict[int, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self._on_wire = asyncio.Semaphore(self.config.on_wire)
        self._in_flight: dict[asyncio.Task[Outcome], OutboxRow] = {}
        self._sending: set[int] = set()  # rows whose request went out (never cancelled)
        self._unrecorded: list[tuple[Outcome, OutboxRow]] = []  # done, not yet written
        self._exhausted = False  # the last claim found fewer rows than asked
        self._stopping = False
        self._failures = 0  # transient failures since the last delivery
        self._outage_pauses = 0
        self._task: asyncio.Task | None = None
        self._leases: asyncio.Task | None = None
        self.sent = 0  # messages delivered by this sender since it started

    @property
    def _refill(self) -> int:
        """Claim again once this many places in the window are free (fewer writes)."""
        return max(1, self.config.batch_size // 4)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        released = await self.repo.release_in_flight(self.clock())
        if released:
            log.info("outbox: %d messages in flight at the last stop go out again", released)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")
        self._leases = asyncio.create_task(self._keep_leases(), name="outbox-leases")

    async def stop(self) -> None:
        """Finish the requests on the wire and record every outcome (at most `stop_grace`
        seconds; rows left 'sending' then go out again at the next start)."""
        task, self._task = self._task, None
        if task is None:
            return
        leases, self._leases = self._leases, None
        if leases is not None:
            leases.cancel()
        self._stopping = True
        self._wake.set()
        self._release_waiting()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.config.stop_grace)
        except TimeoutError:
            log.warning("outbox: stopped before every outcome was recorded")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._stopping = False

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next idle check."""
        self._exhausted = False
        self._wake.set()

    async def _run(self) -> None:
        try:
            while not self._stopping:
                try:
                    await self._pump()
                    if not self._stopping:
                        await self._idle()
                except asyncio.CancelledError:
                    raise
                except Exception:  # a broken row or a database hiccup must not stop sending
                    log.exception("outbox sender: trying again shortly")
                    await self._sleep(self.config.idle_wait)
        finally:
            for task in self._in_flight:  # cancelled by stop's grace: the rows stay 'sending'
                task.cancel()

    def _held(self) -> list[int]:
        """Rows this sender claimed and has not recorded yet (still 'sending')."""
        return [*(row.id for row in self._in_flight.values()),
                *(row.id for _, row in self._unrecorded)]

    async def _keep_leases(self) -> None:
        """Renew the claims in hand, so no other process takes them over (real time: the
        lease is against other processes, whatever clock the tests move)."""
        while True:
            await asyncio.sleep(self.config.lease / 3)
            try:
                await self.repo.renew(self._held(),
                                      self.clock() + timedelta(seconds=self.config.lease))
            except Exception as exc:  # the next claim renews them too
                log.warning("outbox: leases not renewed (%s)", describe(exc))

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
            await self._pump()
            due = await self.repo.next_due(list(self.transports))
            if due is None:
                return
            await self._sleep(max(0.0, (due - self.clock()).total_seconds()))

    async def run_once(self) -> int:
        """Claim one window of rows, send them, record the outcomes; returns how many."""
        await self._record()
        rows = await self._claim(self.config.batch_size - len(self._in_flight))
        if self._in_flight:
            await self._collect((await asyncio.wait(self._in_flight))[0])
        await self._record()
        return len(rows)

    # -- the window -----------------------------------------------------------------------

    async def _pump(self) -> None:
        """Keep the window full until nothing is due and nothing is in flight."""
        while True:
            if self._stopping:
                self._release_waiting()
            if self._unrecorded and (self._stopping or not self._in_flight
                                     or len(self._unrecorded) >= self._refill):
                await self._record()
            room = self.config.batch_size - len(self._in_flight) - len(self._unrecorded)
            if not self._stopping and room > 0 and (not self._in_flight or (
                    room >= self._refill and not self._exhausted)):
                rows = await self._claim(room)
                self._exhausted = len(rows) < room
                if rows:
                    continue
            if not self._in_flight:
                if not self._unrecorded:
                    self._exhausted = False
                    return
                continue
            done, _ = await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
            await self._collect(done)

    def _release_waiting(self) -> None:
        """Stopping: rows whose request has not gone out go back to pending, untried."""
        for task, row in self._in_flight.items():
            if row.id not in self._sending:
                task.cancel()

    async def _claim(self, room: int) -> list[OutboxRow]:
        if room <= 0:
            return []
        now = self.clock()
        rows = await self.repo.claim(list(self.transports), now, room,
                                     timedelta(seconds=self.config.lease), self._held())
        for row in rows:
            if self.config.expires_at(row) <= now:
                self._unrecorded.append((Outcome(row.id, "expired", "expired before sending",
                                                 tried=False), row))
            else:
                self._in_flight[asyncio.create_task(self._deliver(row))] = row
        return rows

    async def _collect(self, done: set[asyncio.Task[Outcome]]) -> None:
        for task in done:
            row = self._in_flight.pop(task)
            self._sending.discard(row.id)
            if task.cancelled():  # stopped while waiting its turn: as it was, untried
                outcome = Outcome(row.id, "pending", row.error, row.not_before, tried=False)
            else:
                outcome = task.result()  # _deliver turns every Exception into an outcome
            self._unrecorded.append((outcome, row))

    async def _record(self) -> None:
        """Write the outcomes kept in memory, retrying until the write succeeds: those
        messages went out, so their rows must not stay 'sending' nor go out again."""
        failures = 0
        while self._unrecorded:
            batch = list(self._unrecorded)
            try:
                await self.repo.finish([o for o, _ in batch], {r.id: r for _, r in batch},
                                       self.clock())
            except Exception as exc:
                failures += 1
                wait = self.config.backoff(failures, self._rand())
                log.error("outbox: recording %d outcomes failed (%s); trying again in %.1fs",
                          len(batch), describe(exc), wait)
                await self._sleep(wait)
                continue
            del self._unrecorded[:len(batch)]

    # -- one message ----------------------------------------------------------------------

    async def _deliver(self, row: OutboxRow) -> Outcome:
        transport = self.transports[row.channel or ""]
        chat_id = self._moved.get((transport.channel, row.chat_id or ""), row.chat_id or "")
        moved = chat_id != row.chat_id
        floods = 0
        while True:
            self._sending.discard(row.id)
            try:
                reply = decode_reply(row.payload)
                attachment = await self._attachment(row.attachment_id)
                await self._pacing.wait_turn(transport.channel, chat_id,
                                             transport.is_group(chat_id))
                target = row if chat_id == row.chat_id else replace(row, chat_id=chat_id)
                if attachment is not None and attachment.file_ref is None:
                    async with self._upload_locks.setdefault(attachment.id, asyncio.Lock()):
                        attachment = await self._attachment(row.attachment_id)
                        await self._send(transport, target, reply, attachment)
                else:
                    await self._send(transport, target, reply, attachment)
            except FloodWait as exc:
                floods += 1
                self._pacing.pause(exc.seconds, "the platform asked to wait")
                if floods >= self.config.max_flood_waits:
                    return self._retry(row, describe(exc), chat_id, moved)
                continue
            except ChatMoved as exc:
                if moved and exc.new_chat_id == chat_id:
                    return Outcome(row.id, "failed", describe(exc), chat_id=chat_id)
                await self.repo.move_chat(transport.channel, chat_id, exc.new_chat_id)
                self._moved[(transport.channel, chat_id)] = exc.new_chat_id
                chat_id, moved = exc.new_chat_id, True
                continue
            except RecipientBlocked as exc:
                return Outcome(row.id, "unreachable", f"blocked: {describe(exc)}",
                               chat_id=chat_id if moved else None, blocked=True)
            except TransientError as exc:
                self._note_transient()
                return self._retry(row, describe(exc), chat_id, moved)
            except SendError as exc:
                return Outcome(row.id, "failed", describe(exc),
                               chat_id=chat_id if moved else None)
            except Exception as exc:  # a bug or a surprise: keep the row, retry a few times
                log.exception("outbox row %s: unexpected error", row.id)
                return self._retry(row, f"{type(exc).__name__}: {describe(exc)}", chat_id,
                                   moved, bounded=True)
            self.sent += 1
            self._failures = self._outage_pauses = 0
            return Outcome(row.id, "sent", chat_id=chat_id if moved else None)

    async def _send(self, transport: Transport, row: OutboxRow, reply: Reply,
                    attachment: Attachment | None) -> None:
        async with self._on_wire:
            await self._pacing.wait_pause()  # paused while this waited for a place
            self._sending.add(row.id)  # from here on, a stop waits for the answer
            file_ref = await transport.send(row, reply, attachment)
        if file_ref and attachment is not None and attachment.file_ref != file_ref:
            self._attachments[attachment.id] = Attachment(
                attachment.id, attachment.filename, attachment.content, file_ref)
            try:
                await self.repo.set_file_ref(attachment.id, file_ref)
            except Exception as exc:  # delivered all the same; a later start uploads again
                log.warning("outbox: attachment %s: file id not stored (%s)", attachment.id,
                            describe(exc))

    def _retry(self, row: OutboxRow, error: str, chat_id: str, moved: bool,
               bounded: bool = False) -> Outcome:
        """Back to pending for a later try, unless it would come after the expiry."""
        attempts = row.attempts + 1
        new_chat = chat_id if moved else None
        if bounded and attempts >= self.config.max_attempts:
            return Outcome(row.id, "failed", error, chat_id=new_chat)
        at = self.clock() + timedelta(seconds=self.config.backoff(attempts, self._rand()))
        if at >= self.config.expires_at(row):
            return Outcome(row.id, "expired", f"expired; last error: {error}"[:250],
                           chat_id=new_chat)
        return Outcome(row.id, "pending", error, at, chat_id=new_chat)

    def _note_transient(self) -> None:
        """Failures in a row mean the platform is down: pause everyone, longer each time."""
        self._failures += 1
        if self._failures >= self.config.outage_after and not self._pacing.paused:
            self._outage_pauses += 1
            self._pacing.pause(self.config.backoff(self._outage_pauses, self._rand()),
                               "the platform is not answering")

    async def _attachment(self, attachment_id: int | None) -> Attachment | None:
        if attachment_id is None:
            return None
        if attachment_id not in self._attachments:
            found = await self.repo.attachment(attachment_id)
            if found is None:
                raise SendError(f"attachment {attachment_id} is missing")
            # setdefault: a delivery that read it meanwhile may have stored its file_ref
            self._attachments.setdefault(attachment_id, found)
        return self._attachments[attachment_id]
