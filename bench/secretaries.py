"""What secretaries and admins wait for: /progress and /export on a filled committee.

A real SQLite file holds MEMBERS members in cells of PER_CELL, three quarters of them with
a submitted review (every item answered). Timed through `Assistant.handle`, as a chat
would: a secretary's /progress, an admin's /progress over every cell, a cell's /export
(.xlsx + .zip of its .docx) and the committee's /export. Run: `make bench`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo_reviews import sample_review
from conversations.assistant import Assistant
from conversations.core.replies import Incoming
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from storage.db import open_database
from storage.models import MemberRecord
from storage.repos import Repos

MEMBERS = 1_000
PER_CELL = 25
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
REPEAT = 3  # the views; the exports are timed once


async def build(repos: Repos, forms) -> tuple[str, str]:
    committee = await repos.org.ensure_committee("Đảng ủy Bench")
    cells = MEMBERS // PER_CELL
    records = [
        MemberRecord(cell=f"Chi bộ {i % cells:03d}", full_name=f"Đảng viên Số {i:05d}",
                     birth_date=date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                     form=("2A", "2B", "2C")[i % 3],
                     roles=frozenset({"secretary"} if i < cells else
                                     {"admin"} if i == cells else ()))
        for i in range(MEMBERS)
    ]
    await repos.org.apply_import(committee.id, records)
    for n, member in enumerate(await repos.org.members_of_committee(committee.id)):
        if n % 4:
            level = "excellent" if n % 7 == 0 else "good"
            await sample_review(repos, forms, member, NOW, level=level)
    ids = {}
    for member in await repos.org.members_of_committee(committee.id):
        if member.is_cell_secretary and "secretary" not in ids:
            ids["secretary"] = member
        if member.is_admin:
            ids["admin"] = member
    for role, member in ids.items():
        account = await repos.accounts.ensure("telegram", role, role, NOW)
        await repos.accounts.bind(account.id, member.id, NOW)
    return "secretary", "admin"


async def timed(assistant: Assistant, user: str, text: str) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(REPEAT if text == "/progress" else 1):
        start = time.perf_counter()
        replies = await assistant.handle(Incoming("telegram", user, user, text=text))
        best = min(best, time.perf_counter() - start)
        size = sum(len(r.document.content) for r in replies if r.document)
    return best, size


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        repos = Repos.of(db)
        forms = load_forms(BUILTIN_FORMS_DIR)
        started = time.perf_counter()
        secretary, admin = await build(repos, forms)
        print(f"database: {MEMBERS} members in cells of {PER_CELL}, 3/4 submitted, built in "
              f"{time.perf_counter() - started:.1f} s")
        assistant = Assistant(repos, forms, clock=lambda: NOW)
        for who, user, text in (("secretary", secretary, "/progress"),
                                ("admin", admin, "/progress"),
                                ("secretary", secretary, "/export"),
                                ("admin", admin, "/export")):
            seconds, size = await timed(assistant, user, text)
            files = f", files {size / 1024:.0f} KiB" if size else ""
            print(f"{who:>9} {text:<9}: {seconds * 1000:8.1f} ms{files}")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
