"""The runtime's scheduled work on APScheduler (AsyncIOScheduler), rebuilt at every start.

Nothing about the schedule lives only in memory. Reminders: each run calls
`run_due(now)`, which reads the campaigns and the recorded steps; a one-off job is armed at
the next due time (re-armed after each run) and a safety job runs every few minutes, the
first time right at start-up, which is when steps missed while the bot was down are
handled. Two runs at once, in one process or two, still send every step once (see
conversations/campaigns/reminders.py). Secretaries' digests: a look every few minutes.

Several processes on one PostgreSQL database each run this schedule; a run first takes the
job's advisory lock (storage/locks.py) and is skipped when another process holds it, so a
step or a digest is computed and enqueued by one process (the step rows and the outbox's
dedup keys still make a second run a no-op). A process that dies mid-run lets go of the
lock with its connection; the next run, in any process, does what it left (its writes
were transactions). `reminder_lag`: how late the last reminder run started.

A stop lets a run in progress finish (its writes are transactions either way).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from conversations.campaigns.reminders import run_due
from conversations.core.context import Clock
from conversations.forms.library import FormLibrary
from conversations.secretary.alerts import digests_due
from storage.locks import held
from storage.repos import Repos

log = logging.getLogger(__name__)
SAFETY_EVERY_S = 300  # seconds between safety runs of the reminders
DIGEST_EVERY_S = 300  # seconds between looks for secretaries' digests that are due
FIRST_DIGEST_S = 30   # the first look, a little after start-up
NEXT_JOB = "reminders-next"
SAFETY_JOB = "reminders-safety"
DIGEST_JOB = "digests"


class ScheduledWork:
    def __init__(self, repos: Repos, forms: FormLibrary, clock: Clock,
                 enqueued: Callable[[], None], *, safety_every: float = SAFETY_EVERY_S,
                 digest_every: float = DIGEST_EVERY_S) -> None:
        self.repos = repos
        self.forms = forms
        self.clock = clock
        self.enqueued = enqueued  # tells the sender there is something new to send
        self.safety_every = safety_every
        self.digest_every = digest_every
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Future] = set()
        self.reminder_lag: float | None = None  # seconds; None before the first run

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        now = datetime.now(UTC)
        scheduler.add_job(self._run, "interval", seconds=self.safety_every, next_run_time=now,
                          args=[self.reminders, "reminders"], id=SAFETY_JOB)
        scheduler.add_job(self._run, "interval", seconds=self.digest_every,
                          next_run_time=now + timedelta(seconds=FIRST_DIGEST_S),
                          args=[self.digests, "digests"], id=DIGEST_JOB)
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.start()
        self._scheduler = scheduler

    @property
    def alive(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _submitted(self, event: JobSubmissionEvent) -> None:
        if event.job_id in (NEXT_JOB, SAFETY_JOB) and event.scheduled_run_times:
            late = datetime.now(UTC) - event.scheduled_run_times[-1]
            self.reminder_lag = max(0.0, late.total_seconds())

    async def _run(self, work: Callable[[], Awaitable[None]], job: str) -> None:
        # shielded: the scheduler's shutdown cancels its own task, not the run in progress
        run = asyncio.ensure_future(self._once(work, job))
        self._running.add(run)
        run.add_done_callback(self._running.discard)
        await asyncio.shield(run)

    async def _once(self, work: Callable[[], Awaitable[None]], job: str) -> None:
        """The run, unless another process sharing the database is running this job."""
        try:
            async with held(self.repos.db.locks, f"job:{job}") as mine:
                if mine:
                    await work()
                else:
                    log.debug("%s: running in another process", job)
        except Exception:  # the lock could not be taken: the next run tries again
            log.exception("%s: not run", job)

    async def reminders(self) -> None:
        try:
            result = await run_due(self.repos, self.forms, self.clock())
        except Exception:  # a bad run must not stop the next ones
            log.exception("reminder run failed")
            return
        if result.enqueued or result.skipped_steps:
            log.info("reminders: %d messages enqueued, %d steps sent, %d skipped",
                     result.enqueued, result.sent_steps, result.skipped_steps)
        if result.enqueued:
            self.enqueued()
        self._arm(result.next_due)

    async def digests(self) -> None:
        try:
            if await digests_due(self.repos, self.forms, self.clock()):
                self.enqueued()
        except Exception:
            log.exception("digest run failed")

    def _arm(self, at: datetime | None) -> None:
        """The one-off run at the next due time (the clock may be a test's: a delay)."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        if at is None:
            if scheduler.get_job(NEXT_JOB) is not None:
                scheduler.remove_job(NEXT_JOB)
            return
        delay = max((at - self.clock()).total_seconds(), 1.0)
        scheduler.add_job(self._run, "date", run_date=datetime.now(UTC) + timedelta(seconds=delay),
                          args=[self.reminders, "reminders"], id=NEXT_JOB,
                          replace_existing=True)
