"""`kiemdiem run` arms the reminder jobs from the database: due steps go out at start-up,
and a restart enqueues nothing twice."""

import asyncio
import sys
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from conversations.campaigns.rules import expected_pairs
from storage.campaigns import NewCampaign, PlanStep
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, bot_run_env
from tests.fakes.telegram_api import TEST_TOKEN as TOKEN
from tests.fakes.telegram_api import FakeBotApi


async def _prepare(path) -> int:
    """A campaign whose reminder (00:00 local today, never quiet) is due whenever this runs."""
    db = await open_database(path)
    try:
        repos = Repos.of(db)
        committee = await repos.org.ensure_committee(COMMITTEE)
        await repos.org.apply_import(committee.id, ORG)
        today = utc_now().astimezone(ZoneInfo(committee.timezone)).date()
        members = await repos.org.members_of_committee(committee.id)
        new = NewCampaign(committee.id, "Kiểm điểm", 2026, "hd43-2025",
                          today - timedelta(days=3), today + timedelta(days=1),
                          today + timedelta(days=5), plan=(PlanStep(1, time(0)),),
                          quiet_start=time(0), quiet_end=time(0))
        await repos.campaigns.create(new, expected_pairs(members, today),
                                     utc_now() - timedelta(days=2))
        return len(members)
    finally:
        await db.close()


async def _reminders(path) -> list[str]:
    db = await open_database(path)
    try:
        rows = await db.fetchall("SELECT dedup_key FROM outbox WHERE kind = 'reminder'")
        return sorted(r["dedup_key"] for r in rows)
    finally:
        await db.close()


async def _run_until(fake, path, tmp_path, done) -> None:
    env = bot_run_env(fake.url, path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if await done():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the bot never reached the expected state")
    finally:
        proc.kill()
        await proc.wait()


async def test_due_reminders_are_enqueued_at_start_and_once_across_restarts(tmp_path):
    path = tmp_path / "bot.sqlite3"
    expected = await _prepare(path)
    async with FakeBotApi(token=TOKEN) as fake:
        async def all_enqueued():
            return len(await _reminders(path)) == expected
        await _run_until(fake, path, tmp_path, all_enqueued)
        first = await _reminders(path)
        # as if the run had died after writing the messages but before recording its step
        db = await open_database(path)
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM reminder_steps")
        await db.close()

        async def recorded_again():
            db = await open_database(path)
            try:
                return (await db.fetchone("SELECT count(*) FROM reminder_steps"))[0] > 0
            finally:
                await db.close()
        await _run_until(fake, path, tmp_path, recorded_again)
    assert await _reminders(path) == first  # none twice
    assert all(key.endswith(":d1") for key in first)
