"""How long deciding who gets which reminder takes for 100,000 expected members in 300 cells.

A real SQLite file; the data is built with executemany. Timed: the two parts of one
`run_due` when a step of every cell is due at once: deciding (who has not submitted, how far
their drafts are, each text in the member's language), then recording the 300 steps and
enqueuing the messages in one transaction. Target: under 2 s.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.committee import insert_cells_and_members
from conversations.campaigns.reminders import plan_campaign, run_due
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from storage.db import open_database, to_db_time
from storage.repos import Repos

CELLS, MEMBERS = 300, 100_000
ANSWER = "Đồng chí đã thực hiện nghiêm túc, đầy đủ các nhiệm vụ được giao. " * 20  # ~1,400 chars
START = datetime(2026, 11, 20, 2, tzinfo=UTC)
DUE = datetime(2026, 11, 27, 1, 5, tzinfo=UTC)  # 08:05 in Hanoi, 3 days before 30/11


async def build(repos: Repos, forms) -> None:
    rnd = random.Random(5)
    stamp = to_db_time(START)
    committee = await repos.org.ensure_committee("Đảng ủy Bench")
    form = forms.get(forms.default_version, "2B")
    items = [item.key for item in form.text_items]
    async with repos.db.transaction() as conn:
        await insert_cells_and_members(conn, committee.id, CELLS, MEMBERS, stamp,
                                       lambda m: "vi" if m % 5 else "en")
        await conn.executemany(
            "INSERT INTO member_roles (member_id, role) VALUES (?, 'secretary')",
            [(c,) for c in range(1, CELLS + 1)])
        await conn.executemany(
            "INSERT INTO accounts (channel, external_id, chat_id, member_id, created_at)"
            " VALUES ('telegram', ?, ?, ?, ?)",
            [(str(m), str(m), m, stamp) for m in range(1, MEMBERS + 1) if m % 10])
        reviews = [(m, m, "submitted" if m % 3 == 0 else "draft")
                   for m in range(1, MEMBERS + 1) if m % 3 == 0 or m % 4 == 0]
        await conn.executemany(
            "INSERT INTO reviews (id, member_id, year, form_version, form_code, status,"
            " position, created_at, updated_at) VALUES (?, ?, 2026, ?, '2B', ?, 'x', ?, ?)",
            [(r, m, form.version, status, stamp, stamp) for r, m, status in reviews])
        await conn.executemany(
            "INSERT INTO answers (review_id, item_key, text, updated_at) VALUES (?, ?, ?, ?)",
            [(r, key, ANSWER, stamp) for r, _m, status in reviews
             if status == "draft" for key in items[:rnd.randint(1, len(items))]])
    await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), START)


async def timed_run(repos: Repos, forms, now: datetime, label: str) -> None:
    """What run_due does for the campaign, in its two parts, each timed."""
    campaign = (await repos.campaigns.open_campaigns())[0]
    began, cpu = time.perf_counter(), time.process_time()
    plan = await plan_campaign(repos, forms, campaign, now)  # reads only
    decided, decided_cpu = time.perf_counter() - began, time.process_time() - cpu
    began, cpu = time.perf_counter(), time.process_time()
    added = await repos.campaigns.record_steps(campaign.id, plan.records, now)
    enqueued, enqueued_cpu = time.perf_counter() - began, time.process_time() - cpu
    assert added == sum(len(r.messages) for r in plan.records)
    assert (await run_due(repos, forms, now)).enqueued == 0  # and nothing twice
    print(f"{label}: {added:,} reminders for {CELLS} cells: deciding {decided:.2f} s + "
          f"recording the steps and enqueuing (one transaction) {enqueued:.2f} s = "
          f"{decided + enqueued:.2f} s (target < 2 s); CPU of all threads "
          f"{decided_cpu:.2f} + {enqueued_cpu:.2f} = {decided_cpu + enqueued_cpu:.2f} s")


async def main() -> None:
    forms = load_forms(BUILTIN_FORMS_DIR)
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        repos = Repos.of(db)
        began = time.perf_counter()
        await build(repos, forms)
        print(f"built {MEMBERS:,} members in {CELLS} cells in {time.perf_counter() - began:.1f} s")
        await timed_run(repos, forms, DUE, "3 days before")
        await timed_run(repos, forms, DUE + timedelta(days=2), "1 day before (+ 300 digests)")
        began = time.perf_counter()
        await run_due(repos, forms, DUE + timedelta(days=2, minutes=5))
        print(f"run_due with nothing due: {time.perf_counter() - began:.3f} s")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
