"""Reminders on PTB's JobQueue (APScheduler), rebuilt from the database at every start.

Nothing about the schedule lives only in memory: each run calls `run_due(now)`, which reads
the campaigns and the recorded steps. A one-off job is armed at the next due time (and
re-armed after each run); a repeating safety job also runs every few minutes, the first
time right at start-up, which is when steps missed while the bot was down are handled.
Two runs at once, in one process or two, still send every step once (see reminders.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.ext import Application, ContextTypes

from conversations.campaigns.reminders import run_due
from conversations.core.context import Clock
from conversations.forms.library import FormLibrary
from storage.db import utc_now
from storage.repos import Repos

log = logging.getLogger(__name__)
SAFETY_INTERVAL_S = 300
NEXT_JOB = "reminders-next"
SAFETY_JOB = "reminders-safety"


def install(app: Application, repos: Repos, forms: FormLibrary, clock: Clock = utc_now) -> None:
    queue = app.job_queue
    if queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): no reminders")
        return

    def arm(at: datetime | None) -> None:
        for job in queue.get_jobs_by_name(NEXT_JOB):
            job.schedule_removal()
        if at is not None:
            queue.run_once(tick, when=max((at - clock()).total_seconds(), 1), name=NEXT_JOB)

    async def tick(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            result = await run_due(repos, forms, clock())
        except Exception:  # a bad run must not stop the next ones
            log.exception("reminder run failed")
            return
        if result.enqueued or result.skipped_steps:
            log.info("reminders: %d messages enqueued, %d steps sent, %d skipped",
                     result.enqueued, result.sent_steps, result.skipped_steps)
        arm(result.next_due)

    queue.run_repeating(tick, interval=SAFETY_INTERVAL_S, first=1, name=SAFETY_JOB)
