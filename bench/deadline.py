"""Deadline evening: the real `kiemdiem run` while 200 members write their self-review.

A SQLite file of 20,000 members (bench/support/deadline_db.py: long Vietnamese answers,
three quarters submitted, a campaign open; kept as a template under /tmp), the bot as its
own process (`python -m bot run`), the fake Bot API over real HTTP in this process with a
round trip of 0, 100 and 200 ms with long polling, and 100 ms in webhook mode
(bench/support/network_fake.py). While 200 members go
through every item of form 2B (a long answer and «Done» per text item, the scores typed,
the four questions, the level), submit and confirm, with a think time between steps, an
announcement to all 20,000 drains through the outbox (queued by `kiemdiem broadcast`) and
each submission alerts its cell's secretary.

Printed per round trip: update-to-reply p50/p99 per step kind (from the update being
pushed to the fake to the bot's first reply arriving there), the bot's CPU share and RSS,
the outbox's rate (announcement + alerts) against the configured 25/s, and "nothing lost"
(every answer stored as sent, every member submitted, every update handled).
Targets at 100 ms: p50 ≤ 150 ms and p99 ≤ 400 ms per step kind; nothing lost; ≥ 95% of
the rate. Run: `make bench`, or `python bench/deadline.py [--full] [--profile] [RTT_MS…]`
(RTT_MS «100w»: webhook mode)
(--full: longer thinking, so a longer evening; --profile: the bot under cProfile at the
first round trip given, its top functions printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import random
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.deadline_db import CACHE, active_members, answer_text, prepared_copy
from bench.support.network_fake import NetworkFake
from conversations.forms.library import BUILTIN_FORMS_DIR, FormDef, load_forms
from conversations.review.actions import REVIEW, Confirm, Done, Propose, Skip, Submit, YesNo

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-DEADLINE"
LOG = CACHE / "deadline-bot.log"  # the bot's output of the last evening
MEMBERS, ACTIVE = 20_000, 200
RATE = 25.0  # the sender's default KIEMDIEM_SEND_RATE
THINK = (0.4, 2.0)  # seconds between a reply and the member's next step
THINK_FULL = (4.0, 20.0)
REPLY_TIMEOUT = 30.0  # a reply later than this counts as missing
SCORES = {"B.I.general": "27", "B.I.tasks": "58"}
MARK = "Số 12-TB/ĐU"  # in the announcement's text: how the fake tells it from the rest
ANNOUNCEMENT = (f"THÔNG BÁO {MARK} của Đảng ủy Bench: hạn nộp bản kiểm điểm là ngày 20/12. Đề nghị "
                "các đồng chí hoàn thành đúng hạn.")
KINDS = ("command", "text", "done", "submit", "confirm")
TARGET_P50, TARGET_P99 = 0.150, 0.400


@dataclass(frozen=True)
class Step:
    kind: str  # one of KINDS
    text: str | None = None  # typed
    data: str | None = None  # pressed


def plan(form: FormDef, member: int) -> list[Step]:
    """/review, then every item, the questions, the level, submit and confirm."""
    steps = [Step("command", text="/review")]
    for index, item in enumerate(form.items):
        if item.kind == "score":
            steps.append(Step("text", text=SCORES[item.key]))
        elif item.kind == "list":  # the optional annex of products
            steps.append(Step("done", data=REVIEW.pack(Skip(item.key))))
        else:
            steps.append(Step("text", text=answer_text(member, index)))
            steps.append(Step("done", data=REVIEW.pack(Done(item.key))))
    steps += [Step("done", data=REVIEW.pack(YesNo(f"dq.{d.key}", "no")))
              for d in form.disqualifiers]
    steps.append(Step("done", data=REVIEW.pack(Propose("level", "good"))))
    steps.append(Step("submit", data=REVIEW.pack(Submit("summary"))))
    steps.append(Step("confirm", data=REVIEW.pack(Confirm("summary"))))
    return steps


@dataclass
class Evening:
    """What the fake saw: replies matched to the step waiting for them, the outbox's
    messages by kind."""

    active: set[int]
    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    buttons: dict[int, tuple[int, set[str]]] = field(default_factory=dict)  # chat ->
    # its last message with buttons, and their data
    shown: dict[int, asyncio.Event] = field(default_factory=dict)  # set: new buttons
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    missing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    not_shown: int = 0  # presses of a button the last message did not carry
    announcement: list[float] = field(default_factory=list)
    alerts: list[float] = field(default_factory=list)

    def on_reply(self, chat: int, method: str, arrived: float, result: dict) -> None:
        text = result.get("text") or result.get("caption") or ""
        if MARK in text:
            self.announcement.append(arrived)
            return
        if chat not in self.active:
            self.alerts.append(arrived)
            return
        if result.get("reply_markup"):
            self.buttons[chat] = (result["message_id"], {
                button.get("callback_data") for row in result["reply_markup"]["inline_keyboard"]
                for button in row})
            self.shown.setdefault(chat, asyncio.Event()).set()
        waiter = self.waiting.pop(chat, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(arrived)


async def member(fake: NetworkFake, evening: Evening, uid: int, steps: list[Step],
                 think: tuple[float, float], rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, think[1]))  # members start at different moments
    for step in steps:
        if step.data is not None and not await button_shown(evening, uid, step.data):
            evening.not_shown += 1
        waiter = asyncio.get_running_loop().create_future()
        evening.waiting[uid] = waiter
        pushed = time.monotonic()
        if step.text is not None:
            fake.push_message(uid, step.text)
        else:
            fake.push_callback(uid, step.data, evening.buttons.get(uid, (0, set()))[0],
                               strict=False)
        try:
            arrived = await asyncio.wait_for(waiter, REPLY_TIMEOUT)
            evening.latencies[step.kind].append(arrived - pushed)
        except TimeoutError:
            evening.missing[step.kind] += 1
        await asyncio.sleep(rng.uniform(*think))


async def button_shown(evening: Evening, uid: int, data: str) -> bool:
    """Until the member sees the button (a reply may still be on its way)."""
    shown = evening.shown.setdefault(uid, asyncio.Event())
    deadline = time.monotonic() + REPLY_TIMEOUT
    while data not in evening.buttons.get(uid, (0, set()))[1]:
        shown.clear()
        try:
            await asyncio.wait_for(shown.wait(), deadline - time.monotonic())
        except TimeoutError:
            return False
    return True


class BotProcess:
    """`python -m bot run` (optionally under cProfile) and its output."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output: list[str] = []
        self.started = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str], profile: Path | None) -> BotProcess:
        prefix = ["-m", "cProfile", "-o", str(profile)] if profile else []
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *prefix, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        bot = cls(proc)
        await asyncio.wait_for(asyncio.shield(bot.started), 120)
        return bot

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.output.append(line.decode(errors="replace"))
            if "kiemdiem is running" in self.output[-1] and not self.started.done():
                self.started.set_result(None)
        if not self.started.done():
            self.started.set_exception(RuntimeError("".join(self.output[-20:])))

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run_queue_seconds(self) -> float:
        """Time the process's threads were ready to run but waited for a CPU."""
        wait = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                wait += int((task / "schedstat").read_text().split()[1])
        return wait / 1e9

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) in MB."""
        status = dict(line.split(":", 1) for line in
                      Path(f"/proc/{self.proc.pid}/status").read_text().splitlines())
        return (int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024)

    async def stop(self) -> list[str]:
        self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self._reader, 60)
        await self.proc.wait()
        LOG.write_text("".join(self.output), encoding="utf-8")
        return [line for line in self.output if " ERROR " in line or "Traceback" in line]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def rate_of(times: list[float], until: float) -> tuple[int, float]:
    """(messages, messages/s) from the first one to `until`."""
    inside = [t for t in times if t <= until]
    if len(inside) < 2:
        return len(inside), 0.0
    return len(inside), (len(inside) - 1) / (max(inside) - min(inside))


def nothing_lost(path: Path, form: FormDef, plans: dict[int, list[Step]]) -> list[str]:
    """Read the database the bot left: every member submitted, every answer as sent,
    every update handled. Returns what is wrong (empty: nothing lost)."""
    problems = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        placeholders = ",".join("?" * len(plans))
        statuses = dict(conn.execute(
            f"SELECT member_id, status FROM reviews WHERE member_id IN ({placeholders})",
            list(plans)).fetchall())
        answers = {(m, k): (t, s) for m, k, t, s in conn.execute(
            "SELECT r.member_id, a.item_key, a.text, a.score FROM answers a JOIN reviews r"
            f" ON r.id = a.review_id WHERE r.member_id IN ({placeholders})", list(plans))}
        inbox = dict(conn.execute("SELECT state, count(*) FROM inbox GROUP BY state"))
    unsubmitted = [m for m in plans if statuses.get(m) != "submitted"]
    if unsubmitted:
        problems.append(f"{len(unsubmitted)} members not submitted")
    wrong = 0
    for uid in plans:
        for index, item in enumerate(form.items):
            stored = answers.get((uid, item.key))
            if item.kind == "score":
                wrong += stored is None or stored[1] != int(SCORES[item.key])
            elif item.kind != "list":
                wrong += stored is None or stored[0] != answer_text(uid, index)
    if wrong:
        problems.append(f"{wrong} answers missing or not as sent")
    updates = sum(len(steps) for steps in plans.values())
    if set(inbox) - {"done"} or inbox.get("done") != updates:
        problems.append(f"inbox not all handled: {inbox} of {updates} updates")
    return problems


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def one_evening(round_trip: float, webhook: bool, think: tuple[float, float],
                      folder: Path, profile: Path | None) -> dict[str, object]:
    forms = load_forms(BUILTIN_FORMS_DIR)
    form = forms.get(forms.default_version, "2B")
    active = active_members(MEMBERS, ACTIVE)
    path, built = await prepared_copy(forms, MEMBERS, active, folder / "evening.sqlite3")
    if built is not None:
        print(f"   (template database of {MEMBERS:,} members built in {built:.1f} s, "
              f"{path.stat().st_size / 2**20:.0f} MB; kept in /tmp for the next runs)")
    evening = Evening(set(active))
    fake = await NetworkFake(round_trip, evening.on_reply, token=TOKEN).start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url,
           "KIEMDIEM_DB": str(path), "KIEMDIEM_SEND_RATE": str(RATE),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONIOENCODING": "utf-8"}
    if webhook:  # Telegram posts each update at once: no long-poll cycle to wait for
        port = free_port()
        env |= {"KIEMDIEM_WEBHOOK_URL": "https://bench.example",
                "KIEMDIEM_WEBHOOK_SECRET": "bench-secret-1",
                "KIEMDIEM_HTTP_HOST": "127.0.0.1", "KIEMDIEM_HTTP_PORT": str(port)}
        fake.webhook_target = f"http://127.0.0.1:{port}"
    bot = await BotProcess.start(env, profile)
    try:
        text_file = folder / "announcement.txt"
        text_file.write_text(ANNOUNCEMENT, encoding="utf-8")
        queued = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "broadcast", "--text-file", str(text_file), cwd=ROOT,
            env=env, stdout=asyncio.subprocess.DEVNULL)
        await queued.wait()
        plans = {uid: plan(form, uid) for uid in active}
        rng = random.Random(12)
        cpu, started, own_cpu = bot.cpu_seconds(), time.monotonic(), time.process_time()
        queued = bot.run_queue_seconds()
        forgetting = asyncio.create_task(forget_calls(fake))
        await asyncio.gather(*(member(fake, evening, uid, steps, think, rng)
                               for uid, steps in plans.items()))
        ended = time.monotonic()
        forgetting.cancel()
        bot_cpu = (bot.cpu_seconds() - cpu) / (ended - started)
        bench_cpu = (time.process_time() - own_cpu) / (ended - started)
        starved = (bot.run_queue_seconds() - queued) / (ended - started)
        load = os.getloadavg()[0]
        rss, peak = bot.memory_mb()
    finally:
        errors = await bot.stop()
        await fake.stop()
    updates = sum(len(steps) for steps in plans.values())
    return {"round_trip": round_trip, "webhook": webhook, "undelivered": fake.undelivered,
            "latencies": evening.latencies,
            "missing": dict(evening.missing), "not_shown": evening.not_shown,
            "seconds": ended - started, "updates": updates, "cpu": bot_cpu,
            "bench_cpu": bench_cpu, "starved": starved, "load": load, "rss": rss,
            "peak": peak, "announcement": rate_of(evening.announcement, ended),
            "alerts": rate_of(evening.alerts, ended),
            "outbox": rate_of(sorted(evening.announcement + evening.alerts), ended),
            "errors": errors,
            "lost": nothing_lost(path, form, plans)}


async def forget_calls(fake: NetworkFake) -> None:
    while True:
        await asyncio.sleep(5)
        fake.forget()


def report(figures: dict) -> None:
    rtt = figures["round_trip"]
    targeted = abs(rtt - 0.1) < 1e-9
    mode = "webhook" if figures["webhook"] else "polling"
    updates, seconds = figures["updates"], figures["seconds"]
    print(f"-- {mode}, round trip {rtt * 1000:.0f} ms: {ACTIVE} members, {updates:,} updates "
          f"in {seconds:.0f} s ({updates / seconds:.0f}/s)")
    for kind in KINDS:
        values = figures["latencies"].get(kind, [])
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        verdict = ""
        if targeted:
            met = p50 <= TARGET_P50 and p99 <= TARGET_P99
            verdict = f"  (target ≤ 150 / ≤ 400 ms: {'met' if met else 'NOT met'})"
        print(f"   {kind:>8}: {len(values):5,} steps  p50 {p50 * 1000:6.0f} ms  "
              f"p99 {p99 * 1000:6.0f} ms  max {max(values, default=0) * 1000:6.0f} ms{verdict}")
    sent, announced = figures["announcement"]
    alerts, alerted = figures["alerts"]
    share = figures["outbox"][1] / RATE  # both kinds together, over the time they were sent
    print(f"   bot process: CPU {figures['cpu'] * 100:.0f}% of one core "
          f"({figures['cpu'] * figures['seconds'] / figures['updates'] * 1000:.1f} ms an update,"
          f" outbox included), RSS {figures['rss']:.0f} MB (peak {figures['peak']:.0f} MB); "
          f"waited for a CPU {figures['starved'] * 100:.0f}% of the time (load average "
          f"{figures['load']:.1f} on {os.cpu_count()} cores); the fake and the members: "
          f"CPU {figures['bench_cpu'] * 100:.0f}%")
    print(f"   outbox: announcement {sent:,} sent ({announced:.1f}/s over its span) and {alerts} "
          f"alerts ({alerted:.1f}/s over theirs): together {figures['outbox'][1]:.1f}/s = "
          f"{100 * share:.0f}% of the configured {RATE:.0f}/s"
          + ("  (target ≥ 95%: " + ("met)" if share >= 0.95 else "NOT met)") if targeted
             else ""))
    lost = figures["lost"] + [f"{n} {kind} replies missing"
                              for kind, n in figures["missing"].items() if n]
    if figures["undelivered"]:
        lost.append(f"{figures['undelivered']} webhook posts refused")
    if figures["not_shown"]:
        lost.append(f"{figures['not_shown']} presses of a button not shown")
    fine = "yes (every member submitted, every answer stored as sent, every update handled)"
    print("   nothing lost: " + (fine if not lost else "NO: " + "; ".join(lost)))
    for line in figures["errors"][:5]:
        print(f"   bot error: {line.rstrip()}")


def show_profile(path: Path) -> None:
    stats = pstats.Stats(str(path))
    print("-- the bot under cProfile (top 25 by own time):")
    stats.sort_stats("tottime").print_stats(25)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("round_trips", nargs="*", default=["0", "100", "200", "100w"],
                        metavar="RTT_MS", help="round trips in ms; «100w»: webhook mode")
    parser.add_argument("--full", action="store_true", help="a longer evening")
    parser.add_argument("--profile", action="store_true",
                        help="the bot under cProfile at the first round trip; top functions")
    args = parser.parse_args()
    think = THINK_FULL if args.full else THINK
    print(f"deadline evening: {MEMBERS:,} members, {ACTIVE} answering (think time "
          f"{think[0]:g}–{think[1]:g} s), an announcement to all, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        for index, rtt in enumerate(args.round_trips):
            profile = Path(folder) / "bot.prof" if args.profile and index == 0 else None
            figures = await one_evening(float(rtt.removesuffix("w")) / 1000, rtt.endswith("w"),
                                        think, Path(folder), profile)
            report(figures)
            if profile is not None:
                show_profile(profile)


if __name__ == "__main__":
    asyncio.run(main())
