"""Several processes on one PostgreSQL database, each played here by its own connections
(its own PgDatabase, so its own advisory-lock session): one process at a time serves a
chat, outbox claims carry a lease, a scheduled job runs in one process, and a database
that cannot answer is reported as DatabaseUnavailable. (tests/test_processes.py runs the
same with real `kiemdiem run` processes.)"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg
import pytest

from bot.runtime import Runtime
from bot.schedule import ScheduledWork
from conversations.broadcasts.plan import Audience, create_broadcast, plan
from conversations.core.menus import failure_reply
from handlers.broadcast_progress import BroadcastProgress
from handlers.inbox import InboxProcessor
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from handlers.updates import failure_replies, storage_unavailable
from storage.database import DatabaseUnavailable
from storage.db import open_database, utc_now
from storage.inbox import InboxRepo, InboxRow, NewUpdate
from storage.outbox import OutboxRepo
from storage.repos import Repos
from storage.sending import SendingRepo
from tests.conftest import COMMITTEE, ORG
from tests.sender_helpers import make_bot, messages
from tests.test_runtime import until


@pytest.fixture
async def two(pg_url):
    """Two 'processes' on one database."""
    first, second = await open_database(pg_url), await open_database(pg_url)
    yield first, second
    await first.close()
    await second.close()


class Served:
    """Records what was handled, by whom, and whether two handlings of one chat overlapped."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.busy = False
        self.overlapped = False

    def handler(self, name: str):
        async def handle(row: InboxRow) -> None:
            self.overlapped |= self.busy
            self.busy = True
            await asyncio.sleep(0.01)  # a few round trips' worth of handling
            self.texts.append(row.payload["text"])
            self.busy = False
        return handle


async def nothing(row: InboxRow) -> None:
    return None


async def until_none_pending(inbox: InboxRepo) -> None:
    for _ in range(600):
        if not await inbox.pending("t"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("updates left pending")


async def test_one_chat_is_served_by_one_process_at_a_time_in_arrival_order(two, clock):
    served = Served()
    processors = [InboxProcessor(InboxRepo(db), "t", served.handler(name), nothing,
                                 clock=clock, sweep_every=0.2)
                  for name, db in zip("AB", two, strict=True)]
    for processor in processors:
        await processor.recover()
    sent = [str(n) for n in range(30)]
    for n, text in enumerate(sent):  # the platform spreads one chat's updates over both
        processor = processors[n % 2]
        processor.submit(await processor.inbox.store(
            "t", [NewUpdate(f"u{text}", "c", {"text": text})], clock()))
        await asyncio.sleep(0.005)
    await until_none_pending(processors[0].inbox)
    for processor in processors:
        await processor.idle()
        await processor.stop()
    assert served.texts == sent and not served.overlapped


async def test_a_chat_left_by_a_dead_process_is_served_by_another(two, clock):
    first, second = two
    served = Served()
    stored = await InboxRepo(first).store("t", [NewUpdate("u1", "c", {"text": "1"})], clock())
    assert await first.locks.try_lock("inbox:t:c")  # "A" took the chat, then died
    survivor = InboxProcessor(InboxRepo(second), "t", served.handler("B"), nothing,
                              clock=clock, sweep_every=0.1)
    await survivor.recover()
    survivor.submit(stored)
    await survivor.idle()
    assert served.texts == []  # not while A holds the chat
    await first.locks.close()  # A's connection gone: the server lets go of its locks
    await until(lambda: served.texts)  # the sweep finds the chat
    await survivor.stop()
    assert served.texts == ["1"]


async def test_outbox_claims_are_leased_and_a_dead_claimers_rows_are_taken_after(two, clock):
    first, second = two
    await OutboxRepo(first).enqueue(messages(list(range(1, 7))), clock())
    a, b = SendingRepo(first), SendingRepo(second)
    lease = timedelta(seconds=60)
    mine = await a.claim(["telegram"], clock(), 3, lease)
    theirs = await b.claim(["telegram"], clock(), 10, lease)
    assert {r.id for r in mine}.isdisjoint(r.id for r in theirs) and len(theirs) == 3
    assert await b.release_in_flight(clock()) == 0  # a start-up never steals live claims
    clock.advance(seconds=40)
    await a.renew([r.id for r in mine[:1]], clock() + lease)  # A still holds its first row
    clock.advance(seconds=30)  # past the lease of the two rows A no longer renews
    taken = await b.claim(["telegram"], clock(), 10, lease, held=[r.id for r in theirs])
    assert sorted(r.id for r in taken) == sorted(r.id for r in mine[1:])


async def test_a_live_sender_renews_its_claims_so_no_other_process_takes_them(two, fake):
    first, second = two
    await OutboxRepo(first).enqueue(messages([1, 2, 3]), utc_now())
    fake.set_latency(3.5)  # the platform answers slowly: the claims outlive their lease
    config = SenderConfig(rate=None, private_interval=0.0, lease=1.5)
    async with make_bot(fake.url) as bot:
        sender = OutboxSender(SendingRepo(first), [TelegramTransport(bot)], config)
        await sender.start()
        await fake.wait_for("sendMessage")
        await asyncio.sleep(3.0)  # twice the lease: renewed every half second meanwhile
        assert await SendingRepo(second).claim(["telegram"], utc_now(), 10) == []
        await sender.stop()
    assert len(fake.calls_of("sendMessage")) == 3


async def test_a_scheduled_job_runs_in_one_process_only(two, forms, clock):
    first, second = two
    runs: list[str] = []

    async def work() -> None:
        runs.append("ran")

    elsewhere = ScheduledWork(Repos.of(second), forms, clock, lambda: None)
    assert await first.locks.try_lock("job:reminders")  # running in the first process
    await elsewhere._once(work, "reminders")
    assert runs == []
    await first.locks.unlock("job:reminders")
    await elsewhere._once(work, "reminders")
    assert runs == ["ran"]


async def test_one_process_reports_a_broadcasts_progress(two, fake, clock):
    first, second = two
    repos = Repos.of(first)
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    for n, member in enumerate(await repos.org.members_of_committee(committee.id)):
        account = await repos.accounts.ensure("telegram", str(8001 + n), str(8001 + n), clock())
        await repos.accounts.bind(account.id, member.id, clock())
    await create_broadcast(
        repos, committee_id=committee.id, committee=committee.name, author_id=None,
        text="Hướng dẫn", html=False, attachment=None, audience=Audience("all"),
        plan_=await plan(repos, committee.id, Audience("all")),
        report=("telegram", "9999", "vi"), now=clock())
    async with make_bot(fake.url) as bot:
        elsewhere = BroadcastProgress(Repos.of(second), [TelegramTransport(bot)], clock=clock)
        assert await first.locks.try_lock("job:broadcast-progress")  # the first reports
        await elsewhere.tick()
        assert fake.bot_messages(9999) == []
        await first.locks.unlock("job:broadcast-progress")
        await elsewhere.tick()
        assert len(fake.bot_messages(9999)) == 1


async def test_a_lost_connection_is_database_unavailable_and_answered_politely(two, pg_url):
    first, _second = two
    admin = await asyncpg.connect(pg_url)
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            async with first.transaction() as tx:  # the server goes away mid-transaction
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()")
                await tx.execute("UPDATE settings SET value = value")
    finally:
        await admin.close()
    assert storage_unavailable(raised.value) is raised.value
    assert failure_replies(raised.value, "vi") == [failure_reply("vi", storage=True)]


async def test_the_log_names_the_database_without_its_password(pg_url, forms, caplog):
    user = pg_url.split("://", 1)[1].split("@", 1)[0]
    with_password = pg_url.replace(f"{user}@", f"{user}:Mat-Khau-9@", 1)
    runtime = Runtime(with_password, forms, [], background=True)
    with caplog.at_level(logging.INFO):
        await runtime.start()
        await runtime.stop()
    assert "running on postgresql://" in caplog.text and ":***@" in caplog.text
    assert "Mat-Khau-9" not in caplog.text
