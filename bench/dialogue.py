"""Answers per second through the real application vs a bare PTB echo handler.

A real SQLite file holds 10,000 members, each with a draft; simulated members answer
their current item (a text message, then the «Done» button) through
`Application.process_update`, with an offline Bot API request object. The same updates
then go through a bare python-telegram-bot echo handler. Run: `make bench`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime
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
from conversations.assistant import Assistant
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.review.actions import REVIEW, Done
from handlers import telegram as telegram_handlers
from storage.db import open_database
from storage.models import MemberRecord
from storage.repos import Repos
from storage.reviews import Answer

MEMBERS = 10_000
CELLS = 400
ACTIVE = 300          # members answering during the run
ROUNDS = 4            # items each of them answers (a message and «Done» per item)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def build_database(path: Path) -> None:
    db = await open_database(path)
    repos = Repos.of(db)
    forms = load_forms(BUILTIN_FORMS_DIR)
    committee = await repos.org.ensure_committee("Đảng ủy Bench")
    records = [
        MemberRecord(cell=f"Chi bộ {i % CELLS:03d}", full_name=f"Đảng viên Số {i:05d}",
                     birth_date=date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                     form=("2A", "2B", "2C")[i % 3])
        for i in range(MEMBERS)
    ]
    await repos.org.apply_import(committee.id, records)
    for member in await repos.org.members_of_committee(committee.id):
        account = await repos.accounts.ensure("telegram", str(member.id), str(member.id), NOW)
        await repos.accounts.bind(account.id, member.id, NOW)
        form = forms.get(forms.default_version, member.form)
        review = await repos.reviews.start(member.id, 2026, form.version, form.code,
                                           form.items[1].key, NOW)
        await repos.reviews.save(review.id, NOW, answer=(form.items[0].key,
                                 Answer("Nội dung đã viết từ trước.")))
    await db.close()


def updates_for(bot, member_ids: list[int], forms, member_forms: dict[int, str]) -> list[Update]:
    updates, update_id = [], 0
    for round_ in range(ROUNDS):
        for member_id in member_ids:
            form = forms.get(forms.default_version, member_forms[member_id])
            step = form.items[1 + round_].key
            user = {"id": member_id, "is_bot": False, "first_name": "Bench"}
            chat = {"id": member_id, "type": "private"}
            update_id += 1
            updates.append(Update.de_json({"update_id": update_id, "message": {
                "message_id": update_id, "date": int(time.time()), "chat": chat, "from": user,
                "text": f"Câu trả lời vòng {round_} của đảng viên {member_id}.",
            }}, bot))
            update_id += 1
            updates.append(Update.de_json({"update_id": update_id, "callback_query": {
                "id": str(update_id), "from": user, "chat_instance": "1",
                "data": REVIEW.pack(Done(step)),
                "message": {"message_id": update_id, "date": int(time.time()), "chat": chat,
                            "from": {"id": 123456, "is_bot": True, "first_name": "k"},
                            "text": "…"},
            }}, bot))
    return updates


async def measure(app: Application, updates: list[Update]) -> list[float]:
    timings = []
    for update in updates:
        start = time.perf_counter()
        await app.process_update(update)
        timings.append(time.perf_counter() - start)
    return timings


def report(name: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    rate = len(timings) / sum(timings)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[int(len(ordered) * 0.99)] * 1000
    print(f"{name:>6}: {len(timings)} updates, {rate:8.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    return rate


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        started = time.perf_counter()
        await build_database(path)
        print(f"database: {MEMBERS} members with drafts, built in "
              f"{time.perf_counter() - started:.1f} s")

        forms = load_forms(BUILTIN_FORMS_DIR)
        db = await open_database(path)
        repos = Repos.of(db)
        members = (await repos.org.members_of_committee(1))[:: MEMBERS // ACTIVE][:ACTIVE]
        member_forms = {m.id: m.form for m in members}

        app = ApplicationBuilder().token("1:bench").request(OfflineRequest()).build()
        telegram_handlers.register(app, Assistant(repos, forms, clock=lambda: NOW))
        echo = ApplicationBuilder().token("1:bench").request(OfflineRequest()).build()

        async def echo_text(update: Update, _context) -> None:
            await update.message.reply_text(update.message.text)

        async def echo_button(update: Update, _context) -> None:
            await update.callback_query.answer()
            await update.callback_query.edit_message_text(update.callback_query.data)

        echo.add_handler(MessageHandler(filters.TEXT, echo_text))
        echo.add_handler(CallbackQueryHandler(echo_button))
        async with app, echo:
            updates = updates_for(app.bot, list(member_forms), forms, member_forms)
            bare = report("echo", await measure(echo, updates))
            real_timings = await measure(app, updates)
            real = report("real", real_timings)
        p99 = sorted(real_timings)[int(len(real_timings) * 0.99)] * 1000
        print(f" ratio: {real / bare:.2f} of the bare echo (target ≥ 0.5); "
              f"p99 {p99:.2f} ms (target ≤ 10 ms)")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
