"""The runtime in-process: Telegram (the fake Bot API over HTTP) and a second, non-Telegram
channel beside it, served by one database, one dialogue, one sender and one scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Runtime
from bot.telegram_runner import TelegramChannel
from conversations.campaigns.rules import expected_pairs
from conversations.core.replies import Reply
from handlers.outbox_sender import SenderConfig
from storage.campaigns import NewCampaign, PlanStep
from storage.db import open_database, utc_now
from storage.models import MemberRecord
from storage.outbox import OutboxRow
from storage.repos import Repos
from storage.sending import Attachment
from tests.conftest import COMMITTEE, ORG, Chat
from tests.fakes.telegram_api import TEST_TOKEN, FakeBotApi
from tests.review_helpers import answer_for, complete_and_submit

FAST = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0, idle_wait=0.05)
ON_TELEGRAM = {"Trần Văn Đức": 8001, "Lê Minh Tuấn": 8003}  # Đức: Chi bộ 1's secretary
ON_OTHER = ("Đặng Quốc Bảo", "Nguyễn Thị Hồng Nhung", "Bùi Thị Mai")  # Bảo: Chi bộ 2's
NOT_SAVED = "chưa lưu được tin nhắn vừa gửi"


class OtherTransport:
    """What the runtime's sender hands the second channel, kept for the test."""

    channel = "other"

    def __init__(self) -> None:
        self.sent: list[tuple[OutboxRow, Reply]] = []

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        self.sent.append((row, reply))
        return None

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        return message_id or "1"


class OtherChannel:
    """A minimal channel that is not Telegram: people talk to `runtime.handle` directly."""

    name = "other"

    def __init__(self) -> None:
        self.transport = OtherTransport()
        self.runtime: Runtime | None = None
        self.stopped = False

    async def start(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def stop(self) -> None:
        self.stopped = True

    def chat(self, user_id: str) -> Chat:
        assert self.runtime is not None
        return Chat(self.runtime, user_id, self.name)  # type: ignore[arg-type]

    def kinds_for(self, member_id: int) -> list[str]:
        return [row.kind for row, _reply in self.transport.sent if row.member_id == member_id]


async def until(check: Callable[[], object], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until `check()` is true (the sender and the scheduler run on their own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("the runtime never got there")
        await asyncio.sleep(0.02)


async def prepare(path, *, campaign: bool,
                  bindings: dict[str, tuple[str, str]] | None = None,
                  extra: Sequence[MemberRecord] = ()) -> dict:
    """The sample organisation (plus `extra` members) bound on both channels (or as
    `bindings` says: name -> (channel, user id)); with a campaign whose reminder (00:00
    local today, never quiet) is due whenever this runs."""
    db = await open_database(path)
    try:
        repos = Repos.of(db)
        committee = await repos.org.ensure_committee(COMMITTEE)
        await repos.org.apply_import(committee.id, [*ORG, *extra])
        members = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
        now = utc_now()
        if bindings is None:
            bindings = {**{n: ("telegram", str(uid)) for n, uid in ON_TELEGRAM.items()},
                        **{n: ("other", f"o{members[n].id}") for n in ON_OTHER}}
        for name, (channel, uid) in bindings.items():
            account = await repos.accounts.ensure(channel, uid, uid, now)
            await repos.accounts.bind(account.id, members[name].id, now)
        if campaign:
            today = now.astimezone(ZoneInfo(committee.timezone)).date()
            await repos.campaigns.create(
                NewCampaign(committee.id, "Kiểm điểm", today.year, "hd43-2025",
                            today - timedelta(days=3), today + timedelta(days=1),
                            today + timedelta(days=5), plan=(PlanStep(1, time(0)),),
                            quiet_start=time(0), quiet_end=time(0)),
                expected_pairs(list(members.values()), today), now - timedelta(days=2))
        return members
    finally:
        await db.close()


@pytest.fixture
async def started(tmp_path, fake, forms):
    """Start a runtime with Telegram and the other channel; stopped afterwards."""
    runtimes: list[Runtime] = []

    async def start(*, campaign: bool = False, telegram: bool = True):
        path = str(tmp_path / "runtime.sqlite3")
        members = await prepare(path, campaign=campaign)
        other = OtherChannel()
        channels = [TelegramChannel(TEST_TOKEN, fake.url), other] if telegram else [other]
        runtime = Runtime(path, forms, channels, sender=FAST)
        runtimes.append(runtime)
        await runtime.start()
        return runtime, other, members

    yield start
    for runtime in runtimes:
        await runtime.stop()


def telegram_texts(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [c.params["text"] for c in fake.calls_of("sendMessage")
            if c.params.get("chat_id") == chat_id and c.outcome == "ok"]


async def test_one_runtime_sends_reminders_and_alerts_on_both_channels(fake, forms, started):
    runtime, other, members = await started(campaign=True)
    # reminders: the run at start-up reaches everyone expected, on each one's channel
    for uid in ON_TELEGRAM.values():
        await fake.wait_for("sendMessage", lambda c, uid=uid: c.params["chat_id"] == uid,
                            timeout=10)
    await until(lambda: all("reminder" in other.kinds_for(members[n].id) for n in ON_OTHER))
    rows = await runtime.repos.db.fetchall(
        "SELECT channel, status FROM outbox WHERE kind = 'reminder'")
    assert sorted(r["channel"] for r in rows) == ["other"] * 3 + ["telegram"] * 2
    await until(lambda: len(fake.calls_of("sendMessage")) >= 2)

    # submission alerts: Chi bộ 1's secretary is on Telegram, Chi bộ 2's on the other one
    for name in ("Nguyễn Thị Hồng Nhung", "Bùi Thị Mai"):
        member = members[name]
        chat = other.chat(f"o{member.id}")
        await complete_and_submit(chat, forms.get(forms.default_version, member.form))
        assert "đã nộp" in chat.text.lower()
    duc = ON_TELEGRAM["Trần Văn Đức"]
    alert = await fake.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == duc and "Hồng Nhung đã nộp" in
        c.params["text"], timeout=10)
    assert "Đề xuất xếp loại" in alert.params["text"]
    bao = members["Đặng Quốc Bảo"].id
    await until(lambda: "alert" in other.kinds_for(bao))
    alert_to_bao = next(r for row, r in other.transport.sent
                        if row.member_id == bao and row.kind == "alert")
    assert alert_to_bao.text.startswith("Đồng chí Bùi Thị Mai đã nộp bản kiểm điểm")
    # nobody got a message meant for a member of another channel or cell
    assert not [row for row, _r in other.transport.sent if row.channel != "other"]
    assert not other.kinds_for(members["Trần Văn Đức"].id)

    await runtime.stop()
    assert other.stopped and runtime.db is None


async def test_a_telegram_edit_gets_a_reply_instead_of_silence(fake, started):
    await started()
    duc = ON_TELEGRAM["Trần Văn Đức"]
    sent = fake.push_message(duc, "Nội dung đầu tiên")
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == duc, timeout=10)
    fake.push_edit(duc, sent["message"]["message_id"], "Nội dung đã sửa")
    reply = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == duc, timeout=10)
    assert reply.params["text"].startswith("Trợ lý không đọc tin nhắn đã sửa")
    assert "«Sửa một mục»" in reply.params["text"]


async def _on_writers(db, pragma: str) -> None:
    """A connection's setting on both writers: aiosqlite's and the event loop's own."""
    await db.conn.execute(pragma)
    if db._direct is not None:
        db._direct.execute(pragma)


async def _answer_while(runtime, chat: Chat, break_db: str, repair_db: str, caplog):
    """The first item's answer sent while the database refuses writes, then again."""
    await chat.say("/review")
    answer = answer_for("A.I") + " MẬT-MÃ-RIÊNG" + " Nội dung chi tiết." * 300  # > 1 page
    await _on_writers(runtime.db, break_db)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        await chat.say(answer)
    assert NOT_SAVED in chat.text
    assert "MẬT-MÃ-RIÊNG" not in caplog.text  # the person's text never reaches the log
    failures = [r for r in caplog.records if r.name == "handlers.updates"]
    assert len(failures) == 1 and "OperationalError" in failures[0].getMessage()
    stored = await runtime.db.fetchall("SELECT 1 FROM answers WHERE text LIKE '%MẬT-MÃ-RIÊNG%'")
    assert stored == []  # nothing partial
    await _on_writers(runtime.db, repair_db)
    await chat.say(answer)  # served normally, without a restart
    assert NOT_SAVED not in chat.text
    stored = await runtime.db.fetchall("SELECT 1 FROM answers WHERE text LIKE '%MẬT-MÃ-RIÊNG%'")
    assert len(stored) == 1


async def test_a_read_only_database_is_answered_and_recovers(started, caplog):
    runtime, other, members = await started(telegram=False)
    chat = other.chat(f"o{members['Nguyễn Thị Hồng Nhung'].id}")
    await _answer_while(runtime, chat, "PRAGMA query_only = 1", "PRAGMA query_only = 0", caplog)


async def test_a_full_database_is_answered_and_recovers(started, caplog):
    runtime, other, members = await started(telegram=False)
    chat = other.chat(f"o{members['Nguyễn Thị Hồng Nhung'].id}")
    await runtime.db.conn.execute("VACUUM")  # no free pages left (e.g. a dropped table's)
    pages = (await runtime.db.fetchone("PRAGMA page_count"))[0]
    # the file may not grow: the long answer needs pages it cannot have
    await _answer_while(runtime, chat, f"PRAGMA max_page_count = {pages}",
                        "PRAGMA max_page_count = 1073741823", caplog)


async def test_a_bug_gets_a_polite_answer_and_one_log_line(started, caplog):
    runtime, other, members = await started(telegram=False)
    chat = other.chat(f"o{members['Nguyễn Thị Hồng Nhung'].id}")
    async with runtime.db.write() as conn:  # not inside the sender's transaction
        await conn.execute("ALTER TABLE reviews RENAME TO reviews_gone")
    with caplog.at_level(logging.ERROR):
        await chat.say("/review")
    assert chat.text.startswith("Xin lỗi đồng chí, trợ lý gặp sự cố")
    failures = [r.getMessage() for r in caplog.records if r.name == "handlers.updates"]
    assert len(failures) == 1
    assert "other text update failed: OperationalError at storage/" in failures[0]
    async with runtime.db.write() as conn:
        await conn.execute("ALTER TABLE reviews_gone RENAME TO reviews")
    await chat.say("/review")
    assert "gặp sự cố" not in chat.text


async def test_a_reply_telegram_refuses_is_logged_once_and_explained(fake, started, caplog):
    await started()
    duc = ON_TELEGRAM["Trần Văn Đức"]
    fake.fail("sendMessage", kind="bad_request", chat_id=duc, times=1)
    with caplog.at_level(logging.ERROR):
        fake.push_message(duc, "/help")
        told = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == duc
                                   and c.outcome == "ok", timeout=10)
    assert told.params["text"].startswith("Xin lỗi đồng chí, trợ lý gặp sự cố")
    failures = [r.getMessage() for r in caplog.records if r.name == "handlers.updates"]
    assert len(failures) == 1
    assert "telegram update failed: BadRequest at handlers/telegram.py" in failures[0]


async def test_the_alerts_catch_up_begins_once_the_channels_serve(tmp_path, forms):
    """Thousands of submissions to look at again never delay the start of polling."""

    class Watching(OtherChannel):
        catching_up: bool | None = None

        async def start(self, runtime: Runtime) -> None:
            await super().start(runtime)
            self.catching_up = any(t.get_name() == "alerts catch-up" and not t.done()
                                   for t in asyncio.all_tasks())

    path = str(tmp_path / "runtime.sqlite3")
    await prepare(path, campaign=False)
    channel = Watching()
    runtime = Runtime(path, forms, [channel], sender=FAST)
    await runtime.start()
    try:
        assert channel.catching_up is False
    finally:
        await runtime.stop()
