"""`kiemdiem run` killed (SIGKILL) at random moments during bursts of messages from
several people, then started again: every message is handled and answered, each review
paragraph is saved once and in order (an update handled again after a kill falls in the
review's 30 s window for an identical answer)."""

from __future__ import annotations

import random
import signal
import sqlite3
from datetime import timedelta

from conversations.forms.rating import review_year
from conversations.onboarding.invitations import issue_invite
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import bot_run_env
from tests.inbox_helpers import inbox_settled
from tests.test_run_command import BotProcess, Start, bot_processes
from tests.test_runtime import prepare

MEMBERS = {"Trần Văn Đức": 7001, "Nguyễn Thị Hồng Nhung": 7002, "Lê Minh Tuấn": 7003,
           "Bùi Thị Mai": 7004}
STRANGERS = (7101, 7102)
NOT_LINKED = "chưa được gắn với đảng viên nào"


async def prepare_invites(path) -> tuple[dict[str, str], dict[str, int]]:
    """The sample organisation, nobody linked; (invitation code, member id) by name."""
    members = await prepare(path, campaign=False, bindings={})
    db = await open_database(path)
    try:
        repos = Repos.of(db)
        codes = {name: (await issue_invite(repos, members[name].id, utc_now(),
                                           timedelta(days=30))).code for name in MEMBERS}
        return codes, {name: members[name].id for name in MEMBERS}
    finally:
        await db.close()


def scripts(codes: dict[str, str]) -> dict[int, list[str]]:
    """What each person writes, in order."""
    said = {uid: [f"/start {codes[name]}", "/review"] + [f"Đoạn {k} của {uid}." for k in
                                                            range(1, 7)]
            for name, uid in MEMBERS.items()}
    said.update({uid: [f"xin chào {k}" for k in range(1, 5)] for uid in STRANGERS})
    return said


def interleaved(said: dict[int, list[str]]) -> list[tuple[int, str]]:
    """One message of each person in turn, as a burst from several people looks."""
    rounds = max(len(texts) for texts in said.values())
    return [(uid, texts[k]) for k in range(rounds) for uid, texts in said.items()
            if k < len(texts)]


async def test_every_message_survives_random_kills(fake, tmp_path):
    async with bot_processes(tmp_path) as spawn:
        await kill_and_restart(fake, tmp_path, spawn)


async def kill_and_restart(fake, tmp_path, spawn: Start) -> None:
    path = tmp_path / "bot.sqlite3"
    codes, member_ids = await prepare_invites(path)
    said = scripts(codes)
    queue = interleaved(said)
    rng = random.Random(20261130)
    kills = 0
    total = len(queue)

    async def start() -> BotProcess:
        bot = await spawn(bot_run_env(fake.url, path))
        await bot.running()
        return bot

    while queue:
        bot = await start()
        size = rng.randint(6, 12)
        burst, queue = queue[:size], queue[size:]  # the rest comes in the next run
        mark = len(fake.calls)
        for uid, text in burst:
            fake.push_message(uid, text)
        for _reply in range(rng.randint(1, len(burst))):  # killed after a random reply
            await fake.wait_for("sendMessage", after=mark, timeout=15)
        bot.proc.send_signal(signal.SIGKILL)
        await bot.exited()
        kills += 1
    bot = await start()
    try:
        await inbox_settled(path, stored=total)
    finally:
        await bot.stop()

    with sqlite3.connect(path) as conn:
        states = conn.execute("SELECT state, count(*) FROM inbox GROUP BY state").fetchall()
        # begun again after a kill: in the duplicate window if it had been handled
        again = dict(conn.execute("SELECT chat_key, count(*) FROM inbox WHERE attempts > 1"
                                  " GROUP BY chat_key").fetchall())
    assert states == [("done", total)]
    assert kills >= 3

    db = await open_database(path)
    try:
        repos = Repos.of(db)
        for name, uid in MEMBERS.items():
            account = await repos.accounts.get("telegram", str(uid))
            assert account is not None and account.member_id == member_ids[name]
            review = await repos.reviews.of_member(member_ids[name], review_year(utc_now()))
            assert review is not None
            paragraphs = [text for text in said[uid] if text.startswith("Đoạn")]
            assert review.answers[review.position].text == "\n".join(paragraphs)
    finally:
        await db.close()
    for uid, texts in said.items():
        replies = [c.params["text"] for c in fake.calls_of("sendMessage")
                   if c.params["chat_id"] == uid and c.outcome == "ok"]
        assert len(replies) >= len(texts), (uid, replies)
        if uid in STRANGERS:  # one answer each, and again only for one a kill cut off
            assert all(NOT_LINKED in reply for reply in replies)
            assert len(replies) <= len(texts) + again.get(str(uid), 0)
