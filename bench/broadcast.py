"""Outbox sender throughput (20,000 recipients by default, so that `make bench` stays under
10 minutes; `python bench/broadcast.py 100000` for the full size), and the 25/s limit kept.

1. No rate limit, in-process no-op transport: the engine alone (claim, pace, record).
2. No rate limit, PTB with an offline Bot API request object: engine + PTB, no network.
3. No rate limit, PTB against the fake Bot API over real HTTP in another process, with the
   aiohttp request the running bot's sender uses; then PTB's default httpx request on a
   tenth of the recipients (it is slower; for comparison).
4. The default 25 messages/s limit for a short run against the fake, which answers after
   a realistic 100–200 ms (a Bot API round trip from Vietnam): achieved rate as a share
   of the limit, measured from the fake's receive times (target ≥ 95%, never above).

Run: `make bench` (or `python bench/broadcast.py [recipients]`).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.offline import OfflineRequest
from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply, rows
from handlers.aiohttp_request import AiohttpRequest
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.db import open_database, utc_now
from storage.outbox import OutMessage
from storage.repos import Repos
from storage.sending import SendingRepo

ROOT = str(Path(__file__).resolve().parents[1])
RECIPIENTS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20_000
LIMITED_SECONDS = 16
TOKEN = "123456:BENCH"
UNLIMITED = SenderConfig(rate=None, batch_size=100)  # a larger in-flight window than the default 25


class NoopTransport:
    channel = "telegram"

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, row, reply, attachment) -> None:
        return None

    async def post_status(self, chat_id, text, message_id) -> str:
        return "1"


async def fresh_db(folder: str, name: str, count: int):
    db = await open_database(Path(folder) / f"{name}.sqlite3")
    payload = encode_reply(Reply("📢 Thông báo của Đảng ủy phường Hòa Bình\n\nHướng dẫn số 12 "
                                 "về kiểm điểm cuối năm.", rows(Choice("Menu chính", "menu"))))
    started = time.perf_counter()
    await Repos.of(db).outbox.enqueue(
        (OutMessage(f"broadcast:1:{n}", "broadcast", payload, None, "telegram",
                    str(10_000_000 + n), 1) for n in range(count)), utc_now())
    return db, time.perf_counter() - started


async def run_unlimited(db, transport, label: str) -> float:
    sender = OutboxSender(SendingRepo(db), [transport], UNLIMITED)
    started = time.perf_counter()
    await sender.drain()
    elapsed = time.perf_counter() - started
    row = await db.fetchone("SELECT count(*) AS n FROM outbox WHERE status = 'sent'")
    rate = row["n"] / elapsed
    print(f"{label}: {row['n']:,} sent in {elapsed:.1f} s → {rate:,.0f} messages/s")
    return rate


async def serve_fake() -> None:
    """Child process: the fake Bot API; prints its URL, then answers until killed."""
    from tests.fakes.telegram_api import FakeBotApi

    fake = await FakeBotApi(token=TOKEN).start()
    stats = {"n": 0}
    latency = [0.0, 0.0]  # answers come after uniform(low, high) seconds
    original = fake._send_message

    async def counted(call):
        stats["n"] += 1
        if latency[1] > 0:
            await asyncio.sleep(random.uniform(*latency))
        return await original(call)

    fake._methods["sendmessage"] = ("sendMessage", counted)
    print(json.dumps({"url": fake.url}), flush=True)
    while True:  # report receive times on request: one line per "?" on stdin
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        if line.startswith("latency"):  # "latency LOW HIGH": answer that late from now on
            latency[:] = [float(x) for x in line.split()[1:3]]
            continue
        times = [c.received_at for c in fake.calls if c.method == "sendMessage"]
        fake.calls.clear()  # keep memory flat over 100,000 calls
        fake.messages.clear()
        print(json.dumps({"n": len(times), "first": min(times, default=0),
                          "last": max(times, default=0)}), flush=True)


async def start_fake():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-fake", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": ROOT},
    )
    line = await proc.stdout.readline()
    return proc, json.loads(line)["url"]


async def fake_figures(proc) -> dict:
    proc.stdin.write(b"?\n")
    await proc.stdin.drain()
    return json.loads(await proc.stdout.readline())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_bot(url: str, kind: type[BaseRequest] = AiohttpRequest) -> Bot:
    request = kind(connection_pool_size=256, read_timeout=30, write_timeout=30,
                   connect_timeout=30, pool_timeout=30)
    return Bot(TOKEN, base_url=f"{url}/bot", request=request)


async def run_http(folder: str, proc, url: str, kind: type[BaseRequest], count: int,
                   label: str) -> float:
    db, _ = await fresh_db(folder, f"http-{kind.__name__}", count)
    async with http_bot(url, kind) as bot:
        await fake_figures(proc)  # forget getMe
        cpu = (time.process_time(), cpu_seconds(proc.pid))
        started = time.perf_counter()
        rate = await run_unlimited(db, TelegramTransport(bot), label)
        wall = time.perf_counter() - started
        ours, fakes = time.process_time() - cpu[0], cpu_seconds(proc.pid) - cpu[1]
    figures = await fake_figures(proc)
    print(f"   the fake received {figures['n']:,} messages; CPU busy: sender process "
          f"{100 * ours / wall:.0f}%, fake {100 * fakes / wall:.0f}% of one core; sender CPU "
          f"{1e6 * ours / max(figures['n'], 1):,.0f} µs a message")
    await db.close()
    return rate


async def main() -> None:
    print(f"outbox sender, {RECIPIENTS:,} recipients, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        db, enqueue_s = await fresh_db(folder, "noop", RECIPIENTS)
        print(f"enqueue {RECIPIENTS:,} rows in one transaction: {enqueue_s:.1f} s")
        await run_unlimited(db, NoopTransport(), "1. engine only (no-op transport)")
        await db.close()

        db, _ = await fresh_db(folder, "offline", RECIPIENTS)
        async with Bot(TOKEN, request=OfflineRequest()) as bot:
            await run_unlimited(db, TelegramTransport(bot), "2. engine + PTB, offline Bot API")
        await db.close()

        proc, url = await start_fake()
        try:
            rate = await run_http(folder, proc, url, AiohttpRequest, RECIPIENTS,
                                  "3. engine + PTB (aiohttp request), fake Bot API over HTTP")
            print(f"   target ≥ 1,000/s: {'met' if rate >= 1000 else 'NOT met'}")
            await run_http(folder, proc, url, HTTPXRequest, max(RECIPIENTS // 10, 1),
                           "   the same with PTB's default HTTPXRequest")

            limit = SenderConfig().rate or 25.0
            count = int(limit * LIMITED_SECONDS)
            db, _ = await fresh_db(folder, "limited", count)
            proc.stdin.write(b"latency 0.1 0.2\n")
            async with http_bot(url) as bot:
                await fake_figures(proc)
                sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], SenderConfig())
                await sender.drain()
            figures = await fake_figures(proc)
            span = figures["last"] - figures["first"]
            achieved = (figures["n"] - 1) / span if span > 0 else 0.0
            print(f"4. limit {limit:.0f}/s, fake answering in 100–200 ms: {figures['n']} "
                  f"messages over {span:.1f} s at the fake → {achieved:.2f}/s = "
                  f"{100 * achieved / limit:.1f}% of the limit (target ≥ 95%, never above "
                  f"100%; {SenderConfig().on_wire} requests on the wire at most)")
            await db.close()
        finally:
            proc.kill()
            await proc.wait()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve-fake"]:
        asyncio.run(serve_fake())
    else:
        asyncio.run(main())
