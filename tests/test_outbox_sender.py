"""The outbox sender against the fake Bot API over real HTTP: limits, errors, a kill."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest

from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.db import to_db_time, utc_now
from storage.sending import SendingRepo
from tests.sender_helpers import REQUESTS, kill_sender_process, make_bot, messages, moving_sleep

FAST = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0, base_backoff=0.05,
                    max_attempts=3, idle_wait=0.1)


@pytest.fixture(params=sorted(REQUESTS))
def request_kind(request) -> str:
    """Every test runs with PTB's httpx request and with our aiohttp one."""
    return request.param


@pytest.fixture
async def bot(fake, request_kind):
    async with make_bot(fake.url, read_timeout=0.5, request=request_kind) as b:
        yield b


def sender_for(db, bot, config: SenderConfig = FAST, clock=None) -> OutboxSender:
    kwargs = {"clock": clock} if clock else {}
    return OutboxSender(SendingRepo(db), [TelegramTransport(bot)], config, **kwargs)


def delivered(fake) -> Counter:
    """Messages the fake accepted, per chat id."""
    return Counter(c.params["chat_id"] for c in fake.calls_of("sendMessage") if c.outcome == "ok")


async def test_sends_each_message_once_with_buttons(db, repos, fake, bot, clock):
    chats = list(range(1001, 1031))
    await repos.outbox.enqueue(messages(chats), utc_now())
    await sender_for(db, bot).drain()
    assert delivered(fake) == Counter(dict.fromkeys(chats, 1))
    call = fake.calls_of("sendMessage")[0]
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "menu"
    counts = await repos.outbox.counts("test", 1)
    assert counts["sent"] == 30 and counts["pending"] == counts["sending"] == 0
    row = await repos.outbox.get("test:1:1001:0")
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


async def test_rate_limits_measured_at_the_fake(db, repos, fake, bot, clock):
    rate, interval = 20.0, 1.0  # Telegram's: about 1 message/s per chat
    config = SenderConfig(rate=rate, batch_size=25)  # the default interval keeps a margin
    # 30 chats once, and 3 chats three times each: 39 messages
    await repos.outbox.enqueue(messages(list(range(2001, 2031))), utc_now())
    await repos.outbox.enqueue(messages([3001, 3002, 3003], per_chat=3, ref_id=2), utc_now())
    await sender_for(db, bot, config).drain()
    calls = [c for c in fake.calls_of("sendMessage") if c.outcome == "ok"]
    assert len(calls) == 39
    times = sorted(c.received_at for c in calls)
    # a bucket of one: n messages need at least (n - 1) / rate seconds
    assert times[-1] - times[0] >= (len(times) - 1) / rate * 0.95
    per_chat = defaultdict(list)
    for c in calls:
        per_chat[c.params["chat_id"]].append(c.received_at)
    for chat in (3001, 3002, 3003):
        stamps = sorted(per_chat[chat])
        assert len(stamps) == 3
        assert all(b - a >= interval for a, b in pairwise(stamps)), stamps


async def test_group_chats_get_at_most_20_a_minute(db, repos, fake, bot, clock):
    config = SenderConfig(rate=None, private_interval=0.0, group_interval=3.1)
    await repos.outbox.enqueue(messages([-4001], per_chat=3), utc_now())
    await sender_for(db, bot, config).drain()
    stamps = sorted(c.received_at for c in fake.calls_of("sendMessage"))
    assert len(stamps) == 3
    assert all(b - a >= 3.0 for a, b in pairwise(stamps))


async def test_retry_after_pauses_every_chat(db, repos, fake, bot, clock):
    fake.fail("sendMessage", kind="retry_after", retry_after=1, times=1)
    config = SenderConfig(rate=20.0, private_interval=0.0)
    await repos.outbox.enqueue(messages(list(range(5001, 5011))), utc_now())
    await sender_for(db, bot, config).drain()
    calls = fake.calls_of("sendMessage")
    refused = next(c for c in calls if c.outcome == "retry_after")
    after = [c for c in calls if c.received_at > refused.received_at]
    # at most one request was already on its way; every later one waited the second
    early = [c for c in after if c.received_at < refused.received_at + 1.0]
    assert len(early) <= 1
    assert delivered(fake) == Counter(dict.fromkeys(range(5001, 5011), 1))
    row = await repos.outbox.get(f"test:1:{refused.params['chat_id']}:0")
    assert row.status == "sent"


async def test_blocked_user_is_unreachable_without_retry(db, repos, org, fake, bot, clock):
    member = org["Lê Minh Tuấn"]
    account = await repos.accounts.ensure("telegram", "6001", "6001", clock())
    await repos.accounts.bind(account.id, member.id, clock())
    fake.fail("sendMessage", kind="forbidden", chat_id=6001, times=None)
    await repos.outbox.enqueue(messages([6001, 6002]), utc_now())
    await sender_for(db, bot).drain()
    assert len(fake.calls_of("sendMessage")) == 2  # one try each, no retry
    row = await repos.outbox.get("test:1:6001:0")
    assert row.status == "unreachable" and "blocked" in row.error and row.attempts == 1
    flagged = await db.fetchone("SELECT blocked_at FROM accounts WHERE id = ?", (account.id,))
    assert flagged["blocked_at"] is not None
    assert (await repos.outbox.get("test:1:6002:0")).status == "sent"


async def test_timeout_is_retried_and_server_errors_until_the_row_expires(db, repos, fake,
                                                                          bot, clock):
    # server errors are retried until the message is no longer useful (here an hour),
    # not given up after a few tries; waiting moves the test clock
    config = replace(FAST, base_backoff=2.0, lifetimes={"*": 1 / 24})
    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], config, clock=clock,
                          sleep=moving_sleep(clock))
    fake.fail("sendMessage", kind="timeout", chat_id=7001, times=1, delay=2.0)
    fake.fail("sendMessage", kind="server_error", chat_id=7002, times=None, status=502)
    await repos.outbox.enqueue(messages([7001, 7002, 7003]), clock())
    await sender.drain()
    calls = Counter(c.params["chat_id"] for c in fake.calls_of("sendMessage"))
    # the timed-out call reached the fake (Telegram may have delivered it), then a retry
    assert calls[7001] == 2
    timed_out = await repos.outbox.get("test:1:7001:0")
    assert timed_out.status == "sent" and timed_out.attempts == 2
    broken = await repos.outbox.get("test:1:7002:0")
    assert broken.status == "expired" and "Bad Gateway" in broken.error
    assert broken.attempts == calls[7002] > FAST.max_attempts  # tried all along the hour
    assert (await repos.outbox.get("test:1:7003:0")).status == "sent"


async def test_migrated_group_is_followed_and_stored(db, repos, org, fake, bot, clock):
    cell = org["Trần Văn Đức"].cell_id
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO cell_groups (cell_id, channel, chat_id, linked_at)"
            " VALUES (?, 'telegram', '-8001', ?)", (cell, to_db_time(clock())))
    # like Telegram: the old id refuses every message from now on
    fake.fail("sendMessage", kind="migrate", chat_id=-8001, migrate_to_chat_id=-1008001,
              times=None)
    await repos.outbox.enqueue(messages([-8001], per_chat=2), utc_now())
    await sender_for(db, bot).drain()
    ok = [c.params["chat_id"] for c in fake.calls_of("sendMessage") if c.outcome == "ok"]
    assert ok == [-1008001, -1008001]
    assert (await repos.outbox.get("test:1:-8001:0")).chat_id == "-1008001"
    group = await db.fetchone("SELECT chat_id FROM cell_groups WHERE cell_id = ?", (cell,))
    assert group["chat_id"] == "-1008001"


async def test_attachment_is_uploaded_once_then_reused(db, repos, fake, bot, clock):
    attachment = await repos.outbox.add_attachment("huong-dan.pdf", b"%PDF-1.4 test", clock())
    await repos.outbox.enqueue(messages([9001, 9002, 9003], attachment_id=attachment), utc_now())
    await sender_for(db, bot).drain()
    documents = fake.calls_of("sendDocument")
    assert len(documents) == 3
    uploads = [c for c in documents if "document" in c.files]
    assert len(uploads) == 1 and uploads[0].files["document"][0] == "huong-dan.pdf"
    file_id = uploads[0].result["document"]["file_id"]
    assert all(c.params.get("document") == file_id for c in documents if c not in uploads)


async def test_report_figures_equal_what_the_fake_received(db, repos, fake, bot, clock):
    fake.fail("sendMessage", kind="forbidden", chat_id=1102, times=None)
    fake.fail("sendMessage", kind="bad_request", chat_id=1103, times=None)
    await repos.outbox.enqueue(messages(list(range(1101, 1121))), utc_now())
    await sender_for(db, bot).drain()
    counts = await repos.outbox.counts("test", 1)
    assert counts["sent"] == sum(delivered(fake).values()) == 18
    assert counts["unreachable"] == 1 and counts["failed"] == 1


async def test_stop_records_the_batch_in_progress(db, repos, fake, bot, clock):
    await repos.outbox.enqueue(messages(list(range(1201, 1261))), utc_now())
    sender = sender_for(db, bot, SenderConfig(rate=30.0, private_interval=0.0))
    await sender.start()
    await fake.wait_for("sendMessage", timeout=5)
    await sender.stop()
    counts = await repos.outbox.counts("test", 1)
    assert counts["sending"] == 0  # nothing left half-done
    assert counts["sent"] == sum(delivered(fake).values())


async def test_killed_sender_resumes_without_loss(tmp_path, repos, db, fake, clock,
                                                  request_kind):
    chats = list(range(20001, 20301))  # 300 recipients
    await repos.outbox.enqueue(messages(chats), utc_now())
    async def sixty_sent() -> None:  # kill in the middle of the run
        for _ in range(60):
            await fake.wait_for("sendMessage", timeout=20)

    await kill_sender_process(db.path, fake.url, request_kind, sixty_sent)
    before = sum(delivered(fake).values())
    assert 60 <= before < len(chats)
    # SQLite: the start puts what was in flight back to pending; a shared database (other
    # processes' claims may be live) waits for the lease: this sender comes after it
    after_lease = (lambda: utc_now() + timedelta(seconds=SenderConfig().lease)) \
        if db.locks.shared else None
    async with make_bot(fake.url, request=request_kind) as bot:
        sender = sender_for(db, bot, clock=after_lease)
        await sender.start()
        await sender.stop()
        await sender.drain()
    got = delivered(fake)
    assert set(got) == set(chats)  # nobody skipped
    twice = [chat for chat, n in got.items() if n > 1]
    assert all(n <= 2 for n in got.values())
    assert len(twice) <= SenderConfig().batch_size  # at most the in-flight window
    counts = await repos.outbox.counts("test", 1)
    assert counts["sent"] == len(chats) and counts["sending"] == 0
