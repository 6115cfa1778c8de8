"""Updates per second through the real dialogue vs a bare python-telegram-bot echo.

A real SQLite file (bench/support/deadline_db.py's template: 20,000 members, long
Vietnamese answers, a campaign open) where ACTIVE members have a draft with DONE items
already answered (several KB each). Simulated members answer their current item (a long
text, then «Done») through `Application.process_update` with an offline Bot API request
object; a bare echo handler takes the same kind of updates. The two run interleaved,
ROUNDS rounds of ROUND_SECONDS each (echo, then the dialogue), so that a busy moment of the
machine weighs on both alike; printed: each round's ratio and the median.
Target: median ratio ≥ 0.5; the dialogue's p99 ≤ 10 ms. Run: `make bench`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bench.offline import OfflineRequest
from bench.support.deadline_db import active_members, answer_text, prepared_copy
from conversations.assistant import Assistant
from conversations.forms.library import BUILTIN_FORMS_DIR, FormDef, load_forms
from conversations.review.actions import REVIEW, Done
from handlers import telegram as telegram_handlers
from storage.db import open_database, to_db_time, utc_now
from storage.repos import Repos

MEMBERS = 20_000
ACTIVE = 2_000  # members with a draft, answering during the run
DONE = 3  # items of each draft answered before the run
ROUNDS, ROUND_SECONDS = 5, 3.0


async def add_drafts(repos: Repos, form: FormDef, members: list[int]) -> None:
    """Drafts at item DONE + 1 with the items before it answered (~700 characters each)."""
    now = utc_now()
    stamp = to_db_time(now)
    async with repos.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO reviews (member_id, year, form_version, form_code, status, position,"
            " created_at, updated_at) VALUES (?, ?, ?, '2B', 'draft', ?, ?, ?)",
            [(m, now.year, form.version, form.items[DONE].key, stamp, stamp) for m in members])
        await tx.executemany(
            "INSERT INTO answers (review_id, item_key, text, updated_at)"
            " SELECT id, ?, ?, ? FROM reviews WHERE member_id = ?",
            [(form.items[i].key, answer_text(m, i), stamp, m)
             for m in members for i in range(DONE)])


def without_review(path: Path, count: int) -> list[int]:
    """Members (not secretaries) who have no review in the template."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT m.id FROM members m WHERE m.id > 301 AND NOT EXISTS"
                            " (SELECT 1 FROM reviews r WHERE r.member_id = m.id)"
                            " ORDER BY m.id LIMIT ?", (count,)).fetchall()
    return [row[0] for row in rows]


def updates_for(bot, form: FormDef, members: list[int]) -> Iterator[Update]:
    """Each member's long answer and «Done», item after item, members interleaved."""
    update_id = 0
    for index in range(DONE, len(form.items)):
        item = form.items[index]
        if item.kind != "text":
            return
        for member in members:
            user = {"id": member, "is_bot": False, "first_name": "Bench"}
            chat = {"id": member, "type": "private"}
            update_id += 1
            yield Update.de_json({"update_id": update_id, "message": {
                "message_id": update_id, "date": int(time.time()), "chat": chat, "from": user,
                "text": answer_text(member, index)}}, bot)
            update_id += 1
            yield Update.de_json({"update_id": update_id, "callback_query": {
                "id": str(update_id), "from": user, "chat_instance": "1",
                "data": REVIEW.pack(Done(item.key)),
                "message": {"message_id": update_id, "date": int(time.time()), "chat": chat,
                            "from": {"id": 123456, "is_bot": True, "first_name": "k"},
                            "text": "…"}}}, bot)


def endless(bot, form: FormDef, members: list[int]) -> Iterator[Update]:
    """The same updates again and again (the echo keeps no state)."""
    while True:
        yield from updates_for(bot, form, members)


async def one_round(app: Application, updates: Iterator[Update]) -> list[float]:
    """Updates one after another for ROUND_SECONDS; the time of each."""
    timings: list[float] = []
    ends = time.perf_counter() + ROUND_SECONDS
    for update in updates:
        start = time.perf_counter()
        await app.process_update(update)
        timings.append(time.perf_counter() - start)
        if start > ends:
            break
    return timings


def echo_application() -> Application:
    echo = ApplicationBuilder().token("1:bench").request(OfflineRequest()).build()

    async def echo_text(update: Update, _context) -> None:
        await update.message.reply_text(update.message.text)

    async def echo_button(update: Update, _context) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(update.callback_query.data)

    echo.add_handler(MessageHandler(filters.TEXT, echo_text))
    echo.add_handler(CallbackQueryHandler(echo_button))
    return echo


async def main() -> None:
    forms = load_forms(BUILTIN_FORMS_DIR)
    form = forms.get(forms.default_version, "2B")
    with tempfile.TemporaryDirectory() as folder:
        path, _built = await prepared_copy(forms, MEMBERS, active_members(MEMBERS, 200),
                                           Path(folder) / "dialogue.sqlite3")
        members = without_review(path, ACTIVE)
        db = await open_database(path)
        repos = Repos.of(db)
        await add_drafts(repos, form, members)
        print(f"dialogue throughput: {MEMBERS:,} members, {len(members):,} drafts with {DONE} "
              f"items answered (~700 characters each); {ROUNDS} rounds of {ROUND_SECONDS:g} s "
              "each, echo then dialogue")
        app = ApplicationBuilder().token("1:bench").request(OfflineRequest()).build()
        telegram_handlers.register(app, Assistant(repos, forms))
        echo = echo_application()
        ratios, real_timings = [], []
        async with app, echo:
            real_updates = updates_for(app.bot, form, members)
            echo_updates = endless(echo.bot, form, members)
            for number in range(1, ROUNDS + 1):
                bare = await one_round(echo, echo_updates)
                real = await one_round(app, real_updates)
                real_timings += real
                ratio = (len(real) / sum(real)) / (len(bare) / sum(bare))
                ratios.append(ratio)
                print(f"   round {number}: echo {len(bare) / sum(bare):7,.0f}/s, dialogue "
                      f"{len(real) / sum(real):6,.0f}/s → ratio {ratio:.2f}")
        ordered = sorted(real_timings)
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[int(len(ordered) * 0.99)] * 1000
        median = statistics.median(ratios)
        print(f" median ratio {median:.2f} of the bare echo (target ≥ 0.5: "
              f"{'met' if median >= 0.5 else 'NOT met'}); dialogue p50 {p50:.2f} ms, "
              f"p99 {p99:.2f} ms (target ≤ 10 ms)")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
