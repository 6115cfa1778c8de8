"""One runtime for every channel: the database, the dialogue, one outbox sender, the
scheduled work; channels (Telegram, Zalo) plug in beside each other.

    runtime = Runtime(settings.db_path, forms, configured_channels(settings), ...)
    await runtime.serve()  # start, run until SIGTERM/SIGINT, stop cleanly

Start: open the database, build the repositories and the Assistant, start each channel,
alert (in the background) for submissions a crash may have cut off, then the sender over
every channel's transport and the scheduler (reminders, digests). Stop, in reverse: the
scheduler (a run in progress finishes), the sender (its batch finishes while the channels
can still send), the channels, the database. Every update of every channel goes through
`Runtime.handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from bot.http_server import HttpConfig, HttpServer, http_config
from bot.metrics import Metrics
from bot.schedule import ScheduledWork
from bot.sending import Sending, sender_config
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig, Clock
from conversations.core.heavy import WorkerPool
from conversations.core.i18n import normalise_language
from conversations.core.replies import Incoming, Reply
from conversations.forms.library import FormLibrary
from conversations.review.printable import warm_up as printable_warm_up
from conversations.secretary.alerts import catch_up_in_background
from handlers.document_links import DocumentLinks
from handlers.outbox_sender import SenderConfig, Transport
from handlers.updates import failure_replies, log_failure
from storage.db import Database, open_database, utc_now
from storage.repos import Repos
from storage.urls import masked

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A chat platform the runtime hosts: it hands updates to `runtime.handle` and gives
    the sender a transport (read after `start`)."""

    name: str
    transport: Transport

    async def start(self, runtime: Runtime) -> None: ...

    async def stop(self) -> None: ...


class ChannelStartError(Exception):
    """A channel cannot start for a reason the operator fixes (a refused token…)."""


def configured_channels(settings: Settings) -> list[Channel]:
    """The one place to add a channel: every channel whose settings are given runs."""
    channels: list[Channel] = []
    if settings.telegram_token:
        from bot.telegram_runner import TelegramChannel

        channels.append(TelegramChannel.from_settings(settings))
    if settings.zalo_token:
        from bot.zalo_runner import ZaloChannel

        channels.append(ZaloChannel.from_settings(settings))
    return channels


class Runtime:
    def __init__(
        self,
        db_path: str,
        forms: FormLibrary,
        channels: Sequence[Channel],
        *,
        config: AssistantConfig | None = None,
        sender: SenderConfig | None = None,
        clock: Clock = utc_now,
        background: bool = True,
        busy_timeout_ms: int | None = None,
        schedule: dict[str, float] | None = None,
        http: HttpConfig | None = None,
        workers: int | None = None,
    ) -> None:
        """`background=False` (the console demo): no sender loop and no scheduler; the
        caller drains the outbox. `schedule`: ScheduledWork's intervals, for tests.
        `workers`: processes for documents and exports (default: the cores but one)."""
        self.db_path = db_path
        self.forms = forms
        self.channels = list(channels)
        self.config = config or AssistantConfig()
        self.sender_config = sender
        self.clock = clock
        self.background = background
        self.busy_timeout_ms = busy_timeout_ms
        self.schedule_options = schedule or {}
        self.db: Database | None = None
        self._repos: Repos | None = None
        self._assistant: Assistant | None = None
        self.sending: Sending | None = None
        self.scheduled: ScheduledWork | None = None
        self._catch_up: asyncio.Task[int] | None = None
        self._started: list[Channel] = []
        self.metrics = Metrics()
        self.pool = WorkerPool(workers, warm_up=printable_warm_up)
        self.http = HttpServer(self, http) if http else None
        self.links: DocumentLinks | None = None  # set at start when there is a public URL

    @classmethod
    def from_settings(cls, settings: Settings, channels: Sequence[Channel]) -> Runtime:
        return cls(settings.db_path, settings.form_library(), channels,
                   config=AssistantConfig(invite_ttl=settings.invite_ttl,
                                          quota=settings.quota),
                   sender=sender_config(settings.send_rate, settings.outbox_lifetimes,
                                        settings.outbox_lease),
                   busy_timeout_ms=settings.busy_timeout_ms, http=http_config(settings))

    @property
    def repos(self) -> Repos:
        assert self._repos is not None, "the runtime is not started"
        return self._repos

    @property
    def assistant(self) -> Assistant:
        assert self._assistant is not None, "the runtime is not started"
        return self._assistant

    # -- the update path ------------------------------------------------------------------

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """The dialogue's answer to one update of any channel; never raises: a failure is
        logged once and answered politely (the database unavailable: "send it again")."""
        started, outcome = time.perf_counter(), "answered"
        try:
            return await self.assistant.handle(incoming)
        except Exception as exc:
            outcome = "failed"
            log_failure(exc, incoming.channel, f"{incoming.kind.value} update")
            return failure_replies(exc, await self._language(incoming))
        finally:
            self.metrics.observe(incoming.channel, outcome, time.perf_counter() - started)

    async def _language(self, incoming: Incoming) -> str:
        """The person's language if it can still be read, else the platform's hint."""
        with contextlib.suppress(Exception):
            account = await self.repos.accounts.get(incoming.channel, incoming.user_id)
            if account is not None and account.member_id is not None:
                member = await self.repos.org.member(account.member_id)
                if member is not None:
                    return member.language
            if account is not None and account.language:
                return account.language
        return normalise_language(incoming.language_hint)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def _log_level(self) -> int:
        return logging.INFO if self.background else logging.DEBUG  # the demo stays quiet

    async def start(self) -> None:
        try:
            await self._open()
            if self.http is not None:  # first: the webhooks answer once channels register them
                await self.http.start()
            for channel in self.channels:
                await channel.start(self)
                self._started.append(channel)
            # alerts a crash may have cut off between a submission and its alerts: once the
            # channels serve people, in the background, so thousands never delay them
            self._catch_up = catch_up_in_background(self.repos, self.forms, self.clock())
            transports = [channel.transport for channel in self._started]
            self.sending = Sending(self.repos, transports, self.sender_config)
            if self.background:
                await self.sending.start()
                self.scheduled = ScheduledWork(self.repos, self.forms, self.clock,
                                               self.sending.sender.wake, **self.schedule_options)
                self.scheduled.start()
        except BaseException:
            await self.stop()
            raise
        log.log(self._log_level, "kiemdiem is running on %s (channels: %s)",
                masked(self.db_path), ", ".join(c.name for c in self._started) or "none")

    async def _open(self) -> None:
        self.pool.start()  # documents and exports: its workers start in the background
        options = {} if self.busy_timeout_ms is None else {"busy_timeout_ms": self.busy_timeout_ms}
        self.db = await open_database(self.db_path, **options)
        self._repos = Repos.of(self.db)
        self._assistant = Assistant(self._repos, self.forms, self.config, self.clock,
                                    run_heavy=self.pool.run)
        if self.http is not None and self.http.config.public_url:
            self.links = DocumentLinks(self._repos, self.http.config.public_url,
                                       clock=self.clock)

    async def stop(self) -> None:
        """Idempotent; each part stops even if an earlier one failed to."""
        catching_up, self._catch_up = self._catch_up, None
        if catching_up is not None and not catching_up.done():
            catching_up.cancel()  # its writes are transactions: the next start redoes it
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await catching_up
        scheduled, self.scheduled = self.scheduled, None
        sending, self.sending = self.sending, None
        steps = [self.http.stop() if self.http else None,  # no more webhook intake
                 scheduled.stop() if scheduled else None, sending.stop() if sending else None]
        steps += [channel.stop() for channel in reversed(self._started)]
        steps.append(self.pool.close())  # after the channels: no new work comes
        self._started = []
        for step in steps:
            if step is None:
                continue
            try:
                await step
            except Exception:
                log.exception("stopping the runtime")
        db, self.db = self.db, None
        if db is not None:
            await db.close()
            log.log(self._log_level, "kiemdiem stopped")

    async def drain(self) -> None:
        """Send everything due now (the console demo, after each line)."""
        assert self.sending is not None, "the runtime is not started"
        await self.sending.drain()

    async def serve(self) -> None:
        """Start, run until SIGTERM or SIGINT, then stop cleanly."""
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        for sig in signals:
            loop.add_signal_handler(sig, stopping.set)
        try:
            await self.start()
            await stopping.wait()
            log.info("stopping")
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await self.stop()
