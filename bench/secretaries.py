"""What secretaries and admins wait for, on committees of 1,000 / 10,000 / 100,000 members.

A real SQLite file (in a temp dir) holds MEMBERS members in 300 cells with a campaign open,
three quarters of them with a submitted review (every item answered, ~1 KB per text), one
in twelve with a draft half done. Timed through `Assistant.handle`, as a chat would: a
secretary's /progress, the admin's /progress over every cell, and one submission alert
(`on_submitted`); best of REPEAT. At 1,000 members also the cell's and the committee's
/export (750 documents). Targets: the admin view ≤ 200 ms and one alert ≤ 5 ms at every
size (flat), RSS ≤ 200 MB at 100,000 members. Run: `make bench`.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.committee import insert_cells_and_members
from conversations.assistant import Assistant
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.core.replies import Incoming
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from conversations.review import steps as rs
from conversations.secretary.alerts import on_submitted
from storage.db import open_database, to_db_time
from storage.repos import Repos

SIZES = (1_000, 10_000, 100_000)
CELLS = 300
EXPORT_AT = 1_000  # the exports are timed at this size only (750 documents)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
REPEAT = 5
ANSWER = ("Đồng chí luôn giữ vững lập trường chính trị, chấp hành nghiêm chủ trương của "
          "Đảng, chính sách, pháp luật của Nhà nước; hoàn thành tốt nhiệm vụ được giao. ") * 7


def _answers(forms: FormLibrary, review_id: int, half: bool) -> Iterator[tuple]:
    form = forms.get(forms.default_version, "2B")
    stamp = to_db_time(NOW)
    items = form.items[:len(form.items) // 2] if half else form.items
    for item in items:
        if item.kind == "score":
            yield review_id, item.key, "", 20, stamp
        elif item.kind == "choice":
            yield review_id, item.key, item.options[0].key, None, stamp
        else:
            yield review_id, item.key, ANSWER, None, stamp
    if not half:
        for d in form.disqualifiers:
            yield review_id, rs.DQ + d.key, "no", None, stamp


async def build(repos: Repos, forms: FormLibrary, members: int) -> None:
    """The committee with executemany (sample_review would take minutes at 100,000)."""
    stamp = to_db_time(NOW)
    form = forms.get(forms.default_version, "2B")
    committee = await repos.org.ensure_committee("Đảng ủy Bench")
    submitted = [m for m in range(1, members + 1) if m % 4]
    drafts = [m for m in range(1, members + 1) if m % 4 == 0 and m % 3 == 0]
    async with repos.db.transaction() as tx:
        await insert_cells_and_members(tx, committee.id, CELLS, members, stamp)
        await tx.executemany(  # the first member of each cell is its secretary, the
            "INSERT INTO member_roles (member_id, role) VALUES (?, ?)",  # next the admin
            [(c, "secretary") for c in range(1, CELLS + 1)] + [(CELLS + 1, "admin")])
        await tx.executemany(
            "INSERT INTO accounts (channel, external_id, chat_id, member_id, created_at)"
            " VALUES ('telegram', ?, ?, ?, ?)",
            [(f"u{m}", f"u{m}", m, stamp) for m in range(1, CELLS + 2)])
        await tx.executemany(
            "INSERT INTO reviews (id, member_id, year, form_version, form_code, status,"
            " position, level, submitted_at, created_at, updated_at)"
            " VALUES (?, ?, 2026, ?, '2B', ?, ?, ?, ?, ?, ?)",
            [(m, m, form.version, "submitted", rs.SUMMARY, "good", stamp, stamp, stamp)
             for m in submitted] +
            [(m, m, form.version, "draft", form.items[0].key, None, None, stamp, stamp)
             for m in drafts])
        await tx.executemany(
            "INSERT INTO answers (review_id, item_key, text, score, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (row for m in submitted + drafts for row in _answers(forms, m, half=m % 4 == 0)))
    await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), NOW)


async def timed(assistant: Assistant, user: str, text: str, repeat: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        replies = await assistant.handle(Incoming("telegram", user, user, text=text))
        best = min(best, time.perf_counter() - start)
        size = sum(len(r.document.content) for r in replies if r.document)
    return best, size


async def one_alert(repos: Repos, forms: FormLibrary) -> float:
    """Submissions of members who are not secretaries, each alerting its cell's secretary."""
    best = float("inf")
    for member_id in [m for m in range(CELLS + 2, CELLS + 20) if m % 4][:REPEAT]:
        review = await repos.reviews.of_member(member_id, 2026)
        assert review is not None and review.status == "submitted"
        start = time.perf_counter()
        await on_submitted(repos, forms, review, NOW)
        best = min(best, time.perf_counter() - start)
    return best


def rss_mb() -> tuple[float, float]:
    """(now, peak) resident memory of this process in MB."""
    with open("/proc/self/statm") as statm:
        now = int(statm.read().split()[1]) * resource.getpagesize()
    return now / 2**20, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(members: int, forms: FormLibrary, folder: Path) -> None:
    db = await open_database(folder / f"bench-{members}.sqlite3")
    repos = Repos.of(db)
    started = time.perf_counter()
    await build(repos, forms, members)
    size = (folder / f"bench-{members}.sqlite3").stat().st_size / 2**20
    print(f"-- {members:,} members in {CELLS} cells, 3/4 submitted, campaign open; built in "
          f"{time.perf_counter() - started:.1f} s ({size:.0f} MB)")
    assistant = Assistant(repos, forms, clock=lambda: NOW)
    cell, _ = await timed(assistant, "u1", "/progress", REPEAT)
    admin, _ = await timed(assistant, f"u{CELLS + 1}", "/progress", REPEAT)
    alert = await one_alert(repos, forms)
    now_mb, peak_mb = rss_mb()
    print(f"   secretary /progress (one cell of {members // CELLS}): {cell * 1000:7.1f} ms")
    print(f"   admin /progress (all {CELLS} cells):      {admin * 1000:7.1f} ms"
          f"   (target ≤ 200 ms)")
    print(f"   one submission alert:                  {alert * 1000:7.1f} ms   (target ≤ 5 ms)")
    print(f"   RSS {now_mb:.0f} MB now, {peak_mb:.0f} MB peak incl. the build"
          f"   (target ≤ 200 MB at 100,000)")
    if members == EXPORT_AT:
        for who, user in (("secretary", "u1"), ("admin", f"u{CELLS + 1}")):
            seconds, files = await timed(assistant, user, "/export", 1)
            print(f"   {who} /export: {seconds:6.1f} s, files {files / 1024:.0f} KiB"
                  + ("   (target ≤ 10 s for 750 documents)" if who == "admin" else ""))
    await db.close()


async def main(members: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        await run(members, load_forms(BUILTIN_FORMS_DIR), Path(folder))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        asyncio.run(main(int(sys.argv[1])))
    else:  # one process per size, so each RSS is its own
        for size in SIZES:
            subprocess.run([sys.executable, __file__, str(size)], check=True)
