"""Answers per second and their p99 with one, two and three `kiemdiem run` processes on one
PostgreSQL database, and one on SQLite, in the same run, printed side by side.

Each process runs in webhook mode; a fake Bot API (tests/fakes/telegram_api.py) answers
every call after a 100 ms round trip and delivers the members' messages to the processes
in turn, as a load balancer in front of one webhook URL would. MEMBERS members each open
their review, then write ANSWERS paragraphs, one after another: each is sent when the
reply to the previous one has arrived (a person reading it), so a member's messages are
handled in order by whichever process holds their chat. A measured answer: from its POST
to the webhook to the bot's reply at the fake. PostgreSQL is a throwaway cluster
(tests/pg_server.py). Run: `make bench`, or `.venv/bin/python bench/processes.py`
(`--pg-only`: without SQLite; `--one`: one PostgreSQL process only).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import bot_run_env, record
from tests.fakes.telegram_api import Call, FakeBotApi
from tests.pg_server import PgServer, find_bin_dir, free_port, fresh_database
from tests.test_run_command import BotProcess, bot_processes
from tests.test_runtime import prepare

MEMBERS = 60
ANSWERS = 5
ROUND_TRIP = 0.1  # seconds, every Bot API call
SECRET = "bench-Secret_0123456789"
EXTRA = [record(f"Chi bộ {1 + k % 3}", f"Đảng viên Đo {k:03d}",
                f"19{50 + k % 40}-0{1 + k % 9}-1{k % 10}") for k in range(MEMBERS)]
USERS = {r.full_name: 20000 + n for n, r in enumerate(EXTRA)}


class Replies:
    """sendMessage calls per chat, as the fake answers them."""

    def __init__(self) -> None:
        self.count: Counter[int] = Counter()
        self._events: dict[int, asyncio.Event] = {}

    def __call__(self, call: Call) -> None:
        if call.method == "sendMessage" and call.outcome == "ok":
            chat = int(call.params["chat_id"])
            self.count[chat] += 1
            if (event := self._events.get(chat)) is not None:
                event.set()

    async def beyond(self, chat: int, seen: int) -> None:
        event = self._events.setdefault(chat, asyncio.Event())
        while self.count[chat] <= seen:
            event.clear()
            await event.wait()


async def one_member(fake: FakeBotApi, replies: Replies, receivers: list[str], uid: int,
                     texts: list[str], latencies: list[float]) -> None:
    for text in texts:
        seen = replies.count[uid]
        started = time.perf_counter()
        await fake.deliver(fake.push_message(uid, text), receivers)
        await replies.beyond(uid, seen)
        latencies.append(time.perf_counter() - started)


async def measure(database: str, processes: int, workdir: Path) -> tuple[float, float, float]:
    """(answers/s, p50, p99) with `processes` processes on `database`."""
    await prepare(database, campaign=False, extra=EXTRA,
                  bindings={name: ("telegram", str(uid)) for name, uid in USERS.items()})
    replies = Replies()
    async with FakeBotApi() as fake, bot_processes(workdir) as spawn:
        fake.on_call = replies
        fake.set_latency(ROUND_TRIP)
        ports = [free_port() for _ in range(processes)]
        receivers = [f"http://127.0.0.1:{port}/telegram" for port in ports]

        async def start(port: int) -> BotProcess:
            bot = await spawn(bot_run_env(
                fake.url, database, KIEMDIEM_DATABASE_URL=database if "://" in database
                else "", KIEMDIEM_WEBHOOK_URL="https://kiemdiem.example.org",
                KIEMDIEM_WEBHOOK_SECRET=SECRET, KIEMDIEM_HTTP_HOST="127.0.0.1",
                KIEMDIEM_HTTP_PORT=str(port)))
            await bot.running()
            return bot

        bots = await asyncio.gather(*(start(port) for port in ports))
        warm: list[float] = []
        await asyncio.gather(*(one_member(fake, replies, receivers, uid, ["/review"], warm)
                               for uid in USERS.values()))
        await asyncio.sleep(1.0)  # the last replies of the review's first screens
        latencies: list[float] = []
        began = time.perf_counter()
        await asyncio.gather(*(one_member(
            fake, replies, receivers, uid, [f"Đoạn {k} của {uid}." for k in range(ANSWERS)],
            latencies) for uid in USERS.values()))
        elapsed = time.perf_counter() - began
        for bot in bots:
            await bot.stop()
    latencies.sort()
    return (len(latencies) / elapsed, statistics.median(latencies),
            latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))])


async def main() -> None:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (initdb, pg_ctl)")
    server = PgServer.start(bin_dir)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            if "--pg-only" not in sys.argv:
                rows.append(("SQLite", 1, await measure(str(workdir / "bench.sqlite3"), 1,
                                                        workdir)))
            for n in (1, 2, 3)[:1 if "--one" in sys.argv else 3]:
                url = await fresh_database(server, f"bench_{n}")
                rows.append(("PostgreSQL", n, await measure(url, n, workdir)))
    finally:
        server.stop()
    print(f"{MEMBERS} members × {ANSWERS} answers, each after the reply to the previous; "
          f"Bot API round trip {ROUND_TRIP * 1000:.0f} ms")
    print("| database | processes | answers/s | p50 | p99 |")
    print("|----------|----------:|----------:|----:|----:|")
    for engine, n, (rate, p50, p99) in rows:
        print(f"| {engine} | {n} | {rate:.0f} | {p50 * 1000:.0f} ms | {p99 * 1000:.0f} ms |")


if __name__ == "__main__":
    asyncio.run(main())
