"""How much disk 10,000 submitted self-reviews take, and what takes it.

10,000 members in 100 cells, each with a submitted review answering every item (~3 KB of
Vietnamese per text, bench/support/answers.py), written with executemany into a real
SQLite file, then checkpointed and measured per table and index (SQLite's dbstat). With
KIEMDIEM_BENCH_PG=1 the same rows go into a throwaway PostgreSQL (tests/pg_server.py) too.
No fixed target: the figures say what a committee's database grows by per 10,000 reviews.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.answers import submitted_answers
from bench.support.committee import insert_cells_and_members
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from conversations.review import steps as rs
from storage.database import Database
from storage.db import open_database, to_db_time
from storage.repos import Repos

CELLS, REVIEWS = 100, 10_000
NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
MB = 2**20


async def fill(db: Database, forms: FormLibrary) -> int:
    """The committee and its reviews; returns the bytes of answer text written."""
    rnd = random.Random(7)
    stamp = to_db_time(NOW)
    form = forms.get(forms.default_version, "2B")
    committee = await Repos.of(db).org.ensure_committee("Đảng ủy Bench")
    answers = [row for m in range(1, REVIEWS + 1)
               for row in submitted_answers(forms, m, stamp, rnd)]
    async with db.transaction() as tx:
        await insert_cells_and_members(tx, committee.id, CELLS, REVIEWS, stamp)
        await tx.executemany(
            "INSERT INTO reviews (id, member_id, year, form_version, form_code, status,"
            " position, level, submitted_at, created_at, updated_at)"
            " VALUES (?, ?, 2026, ?, '2B', 'submitted', ?, 'good', ?, ?, ?)",
            [(m, m, form.version, rs.SUMMARY, stamp, stamp, stamp)
             for m in range(1, REVIEWS + 1)])
        await tx.executemany("INSERT INTO answers (review_id, item_key, text, score, updated_at)"
                             " VALUES (?, ?, ?, ?, ?)", answers)
    return sum(len(row[2].encode()) for row in answers)


def report(label: str, total: int, parts: list[tuple[str, int]], text: int) -> None:
    print(f"{label}: {total / MB:.0f} MB for {REVIEWS:,} submitted reviews "
          f"= {total / REVIEWS / 1024:.1f} KB per review (answer text itself: "
          f"{text / REVIEWS / 1024:.1f} KB per review, UTF-8); no fixed target")
    for name, size in parts[:5]:
        print(f"   {name:<28} {size / MB:7.1f} MB  {size / total:5.1%}")


async def sqlite_footprint(forms: FormLibrary, folder: Path) -> None:
    path = folder / "footprint.sqlite3"
    db = await open_database(path)
    began = time.perf_counter()
    text = await fill(db, forms)
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = await db.fetchall_bulk(
        "SELECT name, sum(pgsize) AS size FROM dbstat GROUP BY name ORDER BY size DESC")
    await db.close()
    total = path.stat().st_size
    print(f"(SQLite written in {time.perf_counter() - began:.1f} s)")
    report("SQLite", total, [(r["name"], r["size"]) for r in rows], text)


async def postgres_footprint(forms: FormLibrary) -> None:
    from tests.pg_server import PgServer, find_bin_dir, fresh_database

    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL: not installed here, skipped")
        return
    server = PgServer.start(bin_dir)
    try:
        db = await open_database(await fresh_database(server, "footprint"))
        text = await fill(db, forms)
        rows = await db.fetchall_bulk(
            "SELECT relname AS name, pg_total_relation_size(c.oid) AS size FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            " AND c.relkind = 'r' ORDER BY size DESC")
        total = (await db.fetchone("SELECT pg_database_size(current_database()) AS n"))["n"]
        await db.close()
        report("PostgreSQL (tables with their indexes and TOAST)", total,
               [(r["name"], r["size"]) for r in rows], text)
    finally:
        server.stop()


async def main() -> None:
    forms = load_forms(BUILTIN_FORMS_DIR)
    with tempfile.TemporaryDirectory() as folder:
        await sqlite_footprint(forms, Path(folder))
    if os.environ.get("KIEMDIEM_BENCH_PG") == "1":
        await postgres_footprint(forms)


if __name__ == "__main__":
    asyncio.run(main())
