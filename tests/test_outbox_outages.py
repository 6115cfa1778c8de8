"""The outbox sender through outages of the Bot API, database write failures and error
texts that quote the token, against the fake Bot API over real HTTP."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.db import utc_now
from storage.sending import SendingRepo
from tests.sender_helpers import REQUESTS, TOKEN, make_bot, messages, moving_sleep

# Production backoff (2 s doubling to 5 min, with jitter), no pacing; waits move the clock.
OUTAGE = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0, idle_wait=0.1)
FAST = replace(OUTAGE, base_backoff=0.05)


@pytest.fixture(params=sorted(REQUESTS))
async def bot(fake, request):
    async with make_bot(fake.url, read_timeout=0.5, request=request.param) as b:
        yield b


def delivered(fake) -> Counter:
    return Counter(c.params["chat_id"] for c in fake.calls_of("sendMessage") if c.outcome == "ok")


@pytest.mark.parametrize("outage", ["bad_gateway", "refused"])
async def test_an_outage_of_20_minutes_loses_nothing_still_useful(db, repos, fake, bot, clock,
                                                                  outage):
    start = clock()
    alerts = list(range(100, 110))
    await repos.outbox.enqueue(messages(alerts, kind="alert"), start)
    # a reminder whose deadline falls inside the outage: no longer worth sending after it
    reminder = replace(messages([200], kind="reminder")[0],
                       expires_at=start + timedelta(minutes=10))
    await repos.outbox.enqueue([reminder], start)
    if outage == "refused":
        await fake.go_down()
    else:
        fake.fail("sendMessage", kind="server_error", status=502, times=None)
    sleep = moving_sleep(clock)
    back = False

    async def sleep_through_outage(seconds: float) -> None:
        nonlocal back
        await sleep(seconds)
        if not back and clock() - start >= timedelta(minutes=20):
            back = True
            await (fake.come_back() if outage == "refused" else asyncio.sleep(0))
            fake.clear_failures()

    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], OUTAGE, clock=clock,
                          sleep=sleep_through_outage)
    await sender.drain()
    assert back
    assert delivered(fake) == Counter(dict.fromkeys(alerts, 1))  # each once, after the outage
    for chat in alerts:
        row = await repos.outbox.get(f"alert:1:{chat}:0")
        assert row.status == "sent" and row.error is None
        assert row.attempts >= 2
    late = await repos.outbox.get(reminder.dedup_key)
    assert late.status == "expired" and late.sent_at is None
    assert late.error.startswith("expired")
    # while it is down, a few requests per pause (2 s doubling to 5 min), not a request
    # per message and retry
    if outage == "bad_gateway":
        assert len(fake.calls_of("sendMessage")) < 100


async def test_a_row_past_its_expiry_is_not_sent(db, repos, fake, bot, clock):
    stale = replace(messages([300], kind="reminder")[0], expires_at=clock())
    await repos.outbox.enqueue([stale, *messages([301], kind="alert")], clock())
    await OutboxSender(SendingRepo(db), [TelegramTransport(bot)], FAST, clock=clock).drain()
    assert delivered(fake) == Counter({301: 1})
    row = await repos.outbox.get(stale.dedup_key)
    assert row.status == "expired" and row.attempts == 0


async def test_outcomes_survive_a_locked_database_and_nothing_is_sent_twice(
    db, repos, fake, bot, clock, caplog
):
    chats = list(range(400, 410))
    await repos.outbox.enqueue(messages(chats), clock())
    await db.conn.execute("PRAGMA busy_timeout = 50")  # give up on the lock quickly
    fake.set_latency(0.3)  # the rows are 'sending' while the answers are on their way
    config = replace(FAST, concurrency=len(chats))  # all on the wire before any answer
    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], config, clock=clock)
    locker = sqlite3.connect(db.path, isolation_level=None)
    try:
        await sender.start()
        for _ in chats:
            await fake.wait_for("sendMessage", timeout=5)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the database
        for _ in range(200):  # until the sender has failed to record twice
            if len([r for r in caplog.records if "recording" in r.getMessage()]) >= 2:
                break
            await asyncio.sleep(0.05)
        stuck = locker.execute("SELECT count(*) FROM outbox WHERE status = 'sending'")
        assert stuck.fetchone()[0] == len(chats)
        locker.execute("ROLLBACK")
        for _ in range(200):
            counts = await repos.outbox.counts("test", 1)
            if counts["sent"] == len(chats):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # room for a wrong second send to show up at the fake
    finally:
        locker.close()
        await sender.stop()
    assert delivered(fake) == Counter(dict.fromkeys(chats, 1))
    counts = await repos.outbox.counts("test", 1)
    assert counts["sent"] == len(chats) and counts["sending"] == counts["pending"] == 0


async def test_stored_errors_hold_no_token_and_no_url(db, repos, fake, bot, clock):
    url = f"{fake.url}/bot{TOKEN}/sendMessage"
    said = f"Bad Request: see {url} (/bot{TOKEN}/sendMessage)"
    fake.fail("sendMessage", kind="bad_request", chat_id=501, times=None, description=said)
    fake.fail("sendMessage", kind="forbidden", chat_id=502, times=None,
              description=f"Forbidden: {url}")
    fake.fail("sendMessage", kind="server_error", chat_id=503, times=None,
              description=f"Bad Gateway at {url}")
    await repos.outbox.enqueue(messages([501, 502, 503, 504]), clock())
    config = replace(FAST, lifetimes={"*": 1 / 24})
    await OutboxSender(SendingRepo(db), [TelegramTransport(bot)], config, clock=clock,
                       sleep=moving_sleep(clock)).drain()
    rows = await db.fetchall("SELECT chat_id, status, error FROM outbox ORDER BY chat_id")
    assert [r["status"] for r in rows] == ["failed", "unreachable", "expired", "sent"]
    for row in rows[:3]:  # PTB lower-cases descriptions: compare without case
        assert row["error"] and TOKEN.lower() not in row["error"].lower()
        assert "http" not in row["error"] and fake.url.split("//")[1] not in row["error"]
    assert rows[0]["error"].startswith("See <url>")  # PTB drops "Bad Request: "
    assert "Bad Gateway" in rows[2]["error"]
    dump = "\n".join(str(tuple(r)) for r in await db.fetchall("SELECT * FROM outbox"))
    assert TOKEN.split(":")[1].lower() not in dump.lower()


def test_enough_requests_in_flight_for_the_rate():
    # at 25 messages/s and a 200 ms round trip, 5 requests must be on the wire at once
    config = SenderConfig()
    assert config.on_wire >= 2 * 25 * 0.2
    assert config.on_wire <= config.batch_size  # never more than the window


def test_lifetimes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KIEMDIEM_OUTBOX_LIFETIME_DAYS", "broadcast=30, *=5")
    config = SenderConfig()
    assert config.lifetimes["broadcast"] == 30 and config.lifetimes["*"] == 5
    assert config.lifetimes["digest"] == 1
    monkeypatch.setenv("KIEMDIEM_OUTBOX_LIFETIME_DAYS", "broadcast=soon")
    with pytest.raises(ValueError, match="KIEMDIEM_OUTBOX_LIFETIME_DAYS"):
        SenderConfig()


async def test_outage_pauses_every_send_instead_of_trying_each_row(db, repos, fake, bot):
    fake.fail("sendMessage", kind="server_error", status=502, times=None)
    await repos.outbox.enqueue(messages(list(range(600, 700)), kind="broadcast"), utc_now())
    config = replace(OUTAGE, base_backoff=60.0)  # one pause outlasts the test
    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], config)  # real time
    await sender.start()
    try:
        await fake.wait_for("sendMessage", timeout=5)
        for _ in range(20):
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    # 100 rows queued, but after a few failures everyone waits: far fewer requests
    assert len(fake.calls_of("sendMessage")) <= OUTAGE.outage_after + OUTAGE.on_wire
    counts = await repos.outbox.counts("broadcast", 1)
    assert counts["sending"] == 0 and counts["pending"] == 100

