"""Three real `kiemdiem run` processes on one PostgreSQL database, in webhook mode behind
one fake Bot API that spreads the updates over them (and one fake Zalo): members answer
at once, each in a quick burst whose messages land on different processes; a reminder
step is due and a broadcast goes out; meanwhile one process is SIGKILLed and restarted.

Every answer is kept, in order; every update handled; every outbox message delivered,
each once except the few a killed process had on the wire (at most its in-flight window,
sent again after the lease); every reminder step recorded once, one reminder per member.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter

import aiohttp
import asyncpg
import pytest

from conversations.core.outgoing import decode_reply
from conversations.forms.rating import review_year
from handlers.outbox_policy import SenderConfig
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import ORG, bot_run_env, record
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.pg_server import free_port, fresh_database
from tests.test_run_command import BotProcess, Start, bot_processes
from tests.test_runtime import prepare

SECRET = "processes-Secret_0123456789"
PUBLIC_URL = "https://kiemdiem.example.org"  # the one URL the platforms are given
LEASE_S = 3
EXTRA = [record(f"Chi bộ {1 + k % 2}", f"Đảng viên Thử {k:02d}", f"19{60 + k}-01-15")
         for k in range(20)]
ON_ZALO = {"Bùi Thị Mai": "zalo-user-1", "Đảng viên Thử 00": "zalo-user-2"}
ON_TELEGRAM = {r.full_name: 9000 + n for n, r in enumerate([*ORG, *EXTRA])
               if r.full_name not in ON_ZALO}
ANSWERING = dict(list(ON_TELEGRAM.items())[:8])  # these write their review meanwhile
BROADCAST = "Thông báo: họp chi bộ thường kỳ lúc 8 giờ sáng thứ Bảy."

pytestmark = pytest.mark.timeout(170)


@pytest.fixture
async def database(pg_server):
    url = await fresh_database(pg_server, "kiemdiem_processes")
    yield url
    pg_server.drop_database("kiemdiem_processes")


def paragraphs(uid: int) -> list[str]:
    return [f"Đoạn {k} của {uid}." for k in range(1, 6)]


class Cluster:
    """Three bot processes behind the fake platforms, each on its own HTTP port."""

    def __init__(self, spawn: Start, fake, zalo: FakeZaloApi, url: str) -> None:
        self.spawn, self.fake, self.zalo, self.url = spawn, fake, zalo, url
        self.ports = [free_port() for _ in range(3)]
        self.bots: list[BotProcess | None] = [None] * 3

    def env(self, port: int) -> dict[str, str]:
        return bot_run_env(
            self.fake.url, self.url, KIEMDIEM_DATABASE_URL=self.url, ZALO_BOT_TOKEN=ZALO_TOKEN,
            ZALO_API_URL=self.zalo.url, KIEMDIEM_WEBHOOK_URL=PUBLIC_URL,
            KIEMDIEM_WEBHOOK_SECRET=SECRET, KIEMDIEM_HTTP_HOST="127.0.0.1",
            KIEMDIEM_HTTP_PORT=str(port), KIEMDIEM_OUTBOX_LEASE_SECONDS=str(LEASE_S))

    async def start(self, n: int) -> None:
        bot = await self.spawn(self.env(self.ports[n]))
        await bot.running()
        self.bots[n] = bot

    async def kill_and_restart(self, n: int) -> None:
        bot = self.bots[n]
        assert bot is not None
        bot.proc.send_signal(signal.SIGKILL)
        await bot.exited()
        await self.start(n)

    def receivers(self, path: str) -> list[str]:
        return [f"http://127.0.0.1:{port}/{path}" for port in self.ports]

    async def zalo_says(self, user_id: str, text: str, turn: int) -> None:
        """Like Zalo behind the load balancer: to one process, the next if it refuses."""
        update = self.zalo.message(user_id, text=text)
        receivers = self.receivers("zalo")
        for attempt in range(200):
            to = receivers[(turn + attempt) % len(receivers)]
            try:
                if await self.zalo.deliver(update, to=to) == 200:
                    return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("no process took the Zalo update")


async def member_writes(cluster: Cluster, uid: int) -> None:
    """/review, then every paragraph at once: successive messages to different processes."""
    for text in ["/review", *paragraphs(uid)]:
        await cluster.fake.deliver(cluster.fake.push_message(uid, text),
                                   cluster.receivers("telegram"))


async def settled(url: str, inbox_total: int) -> None:
    """Until every update is handled and every message out of the outbox (the killed
    process's claims after their lease)."""
    conn = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(60):
            while True:
                inbox = await conn.fetchval("SELECT count(*) FROM inbox WHERE state = 'done'")
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                if inbox >= inbox_total and waiting == 0:
                    return
                await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def test_three_processes_one_database_and_a_kill(fake, zalo, database, tmp_path):
    bindings = {**{name: ("telegram", str(uid)) for name, uid in ON_TELEGRAM.items()},
                **{name: ("zalo", uid) for name, uid in ON_ZALO.items()}}
    members = await prepare(database, campaign=True, bindings=bindings, extra=EXTRA)
    text_file = tmp_path / "broadcast.txt"
    text_file.write_text(BROADCAST, "utf-8")
    async with bot_processes(tmp_path) as spawn:
        cluster = Cluster(spawn, fake, zalo, database)
        await asyncio.gather(*(cluster.start(n) for n in range(3)))  # the reminder is due
        queued = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "broadcast", "--text-file", str(text_file),
            env=cluster.env(free_port()), cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        output, _ = await queued.communicate()
        assert queued.returncode == 0, output.decode()
        writing = asyncio.gather(
            *(member_writes(cluster, uid) for uid in ANSWERING.values()),
            *(cluster.zalo_says(uid, text, turn) for turn, (uid, text) in enumerate(
                (uid, text) for uid in ON_ZALO.values() for text in ("xin chào", "menu"))))
        await fake.wait_for("sendMessage", lambda c: BROADCAST in c.params.get("text", ""),
                            timeout=30)
        await cluster.kill_and_restart(1)  # mid-broadcast, mid-answers
        await writing
        await settled(database, inbox_total=len(ANSWERING) * 6 + len(ON_ZALO) * 2)
        for bot in cluster.bots:
            assert bot is not None
            await bot.stop()

    db = await open_database(database)
    try:
        repos = Repos.of(db)
        states = await db.fetchall("SELECT state, count(*) AS n FROM inbox GROUP BY state")
        assert {r["state"]: r["n"] for r in states} == {"done": len(ANSWERING) * 6 + 4}
        for name, uid in ANSWERING.items():  # every answer kept, once, in order
            review = await repos.reviews.of_member(members[name].id, review_year(utc_now()))
            assert review is not None, name
            assert review.answers[review.position].text == "\n".join(paragraphs(uid)), name
        steps = await db.fetchall("SELECT cell_id, step, status FROM reminder_steps")
        assert steps and all(r["status"] == "done" for r in steps)
        assert len({(r["cell_id"], r["step"]) for r in steps}) == len(steps)
        rows = await db.fetchall(  # a text for many is stored once (outbox_payloads)
            "SELECT o.kind, o.channel, o.chat_id, o.status,"
            " coalesce(p.payload, o.payload) AS payload FROM outbox o"
            " LEFT JOIN outbox_payloads p ON p.id = o.payload_id"
            " WHERE o.kind IN ('reminder', 'broadcast')")
    finally:
        await db.close()
    reminded = Counter(r["chat_id"] for r in rows if r["kind"] == "reminder")
    assert set(reminded) == {str(uid) for uid in [*ON_TELEGRAM.values(), *ON_ZALO.values()]}
    assert set(reminded.values()) == {1}  # every step ran once: one reminder each
    assert {r["status"] for r in rows} == {"sent"}
    delivered = [(str(c.params["chat_id"]), c.params["text"])
                 for c in fake.calls_of("sendMessage") if c.outcome == "ok"]
    delivered += [(m["chat_id"], m["text"]) for m in zalo.sent]
    extra = 0
    for row in rows:  # each message arrived; again only for what the kill had on the wire
        first_line = decode_reply(row["payload"]).text.splitlines()[0]
        times = sum(1 for chat, text in delivered
                    if chat == row["chat_id"] and first_line in text)
        assert times >= 1, (row["kind"], row["chat_id"])
        extra += times - 1
    assert extra <= SenderConfig().batch_size
    for uid in ON_ZALO.values():  # the Zalo messages were answered too
        assert len(zalo.texts_to(uid)) >= 2 + 2

