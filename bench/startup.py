"""How soon a restarted bot serves people when 5,000 recent submissions have no alert row.

That is the normal state of a committee whose secretaries chose a digest or no alerts: at
every start the bot looks at each submission of the last two days again (in case it died
between saving one and queuing its alerts). A real SQLite file holds 20,000 members in 200
cells, an open campaign, and 5,000 reviews submitted in the last day (every item answered,
~3 KB of Vietnamese per text); the cells' secretaries chose the digest (even cells) or no
alerts (odd cells). Then the real `kiemdiem run` starts against the fake Bot API
(tests/fakes/telegram_api.py) with one message already waiting. Timed from the process's
start: its first getUpdates (polling; target within 5 s) and its reply to the waiting
message, then the reply to a message sent while the catch-up still runs. The same start
on the database without those submissions gives the floor (imports, opening).
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.answers import submitted_answers
from bench.support.committee import insert_cells_and_members
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from conversations.review import steps as rs
from storage.db import open_database, to_db_time, utc_now
from storage.repos import Repos
from tests.conftest import bot_run_env
from tests.fakes.telegram_api import TEST_TOKEN, FakeBotApi

CELLS, MEMBERS, SUBMITTED = 200, 20_000, 5_000
TARGET_S = 5.0
USER = 900_001  # someone the bot does not know yet: answered with the welcome


async def build(path: Path, forms: FormLibrary, submitted: int) -> None:
    db = await open_database(path)
    repos = Repos.of(db)
    now = utc_now()
    stamp = to_db_time(now - timedelta(days=3))
    form = forms.get(forms.default_version, "2B")
    rnd = random.Random(12)
    committee = await repos.org.ensure_committee("Đảng ủy Bench")
    await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", (now + timedelta(days=20)).date(),
        (now + timedelta(days=25)).date()), now - timedelta(days=3))
    reviewed = range(CELLS + 1, CELLS + 1 + submitted)  # not the secretaries themselves
    async with repos.db.transaction() as tx:
        await insert_cells_and_members(tx, committee.id, CELLS, MEMBERS, stamp)
        await tx.executemany("INSERT INTO member_roles (member_id, role) VALUES (?, 'secretary')",
                             [(c,) for c in range(1, CELLS + 1)])
        await tx.executemany(
            "INSERT INTO alert_prefs (member_id, mode, updated_at) VALUES (?, ?, ?)",
            [(c, "digest" if c % 2 == 0 else "off", stamp) for c in range(1, CELLS + 1)])
        await tx.executemany(
            "INSERT INTO accounts (channel, external_id, chat_id, member_id, created_at)"
            " VALUES ('telegram', ?, ?, ?, ?)",
            [(str(c), str(c), c, stamp) for c in range(1, CELLS + 1)])
        # submitted over the last day, the newest a minute ago
        times = {m: to_db_time(now - timedelta(minutes=1 + (m * 7) % 1400)) for m in reviewed}
        await tx.executemany(
            "INSERT INTO reviews (id, member_id, year, form_version, form_code, status,"
            " position, level, submitted_at, created_at, updated_at)"
            " VALUES (?, ?, 2026, ?, '2B', 'submitted', ?, 'good', ?, ?, ?)",
            [(m, m, form.version, rs.SUMMARY, times[m], stamp, times[m]) for m in reviewed])
        await tx.executemany(
            "INSERT INTO answers (review_id, item_key, text, score, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (row for m in reviewed for row in submitted_answers(forms, m, stamp, rnd)))
    unalerted = await repos.secretaries.unalerted_since(now - timedelta(days=2))
    assert len(unalerted) == submitted, len(unalerted)
    await db.close()


async def reply_after(fake: FakeBotApi, after: int) -> float:
    """When (monotonic) the bot's next message to USER arrived at the fake."""
    call = await fake.wait_for("sendMessage", lambda c: c.params.get("chat_id") == USER,
                               timeout=120, after=after)
    return call.received_at


async def line_seen(stream: asyncio.StreamReader, text: str) -> float:
    """When (monotonic) the bot logged a line containing `text`; inf if it never did."""
    async for line in stream:
        if text in line.decode(errors="replace"):
            return time.monotonic()
    return float("inf")


async def start_and_time(path: Path, folder: Path, during: bool) -> list[float]:
    """Seconds from the process's start to polling, to the first reply and to the end of
    the catch-up; then how long a reply took while the catch-up still ran."""
    async with FakeBotApi(token=TEST_TOKEN) as fake:
        fake.push_message(USER, "/start", language_code="vi")
        began = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=bot_run_env(fake.url, path), cwd=folder,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        assert proc.stderr is not None
        caught_up = asyncio.create_task(line_seen(proc.stderr, "alerts catch-up done"))
        try:
            # the waiting message makes the first getUpdates answer at once
            polled = (await fake.wait_for("getUpdates", timeout=120)).received_at
            first = await reply_after(fake, 0)
            later = float("nan")
            if during:
                mark = len(fake.calls)
                sent = time.monotonic()
                fake.push_message(USER, "xin chào")
                later = await reply_after(fake, mark) - sent
                assert not caught_up.done(), "the catch-up was over: nothing measured"
            done = await asyncio.wait_for(caught_up, 120)
            return [polled - began, first - began, done - began, later]
        finally:
            proc.terminate()
            await proc.wait()


async def main() -> None:
    forms = load_forms(BUILTIN_FORMS_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        await build(folder / "empty.sqlite3", forms, 0)
        await build(folder / "busy.sqlite3", forms, SUBMITTED)
        size = (folder / "busy.sqlite3").stat().st_size / 2**20
        print(f"built {MEMBERS:,} members in {CELLS} cells, {SUBMITTED:,} submitted in the last "
              f"day without alerts ({size:.0f} MB), in {time.perf_counter() - began:.1f} s")
        polled, first, done, _ = await start_and_time(folder / "empty.sqlite3", folder, False)
        print(f"floor (no recent submissions): polling after {polled:.2f} s, "
              f"first reply after {first:.2f} s")
        polled, first, done, later = await start_and_time(folder / "busy.sqlite3", folder, True)
        print(f"{SUBMITTED:,} submissions to catch up: polling after {polled:.2f} s "
              f"(target ≤ {TARGET_S:.0f} s), first reply after {first:.2f} s, catch-up done "
              f"after {done:.1f} s; a message during the catch-up answered in "
              f"{later * 1000:.0f} ms")

if __name__ == "__main__":
    asyncio.run(main())
