"""A broadcast end to end: `kiemdiem run` in its own process against the fake Bot API."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import pytest

from conversations.broadcasts.actions import BROADCASTS as BC
from conversations.broadcasts.actions import (
    ChooseAudience,
    NoAttachment,
    SendBroadcast,
    ToggleGroups,
)
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, bot_run_env

ADMIN, SECRETARY, BLOCKED, GROUP = 7005, 7001, 7004, -9001


@pytest.fixture
async def prepared(tmp_path):
    """Everyone but Lê Minh Tuấn has linked Telegram (chat 7001…)."""
    path = tmp_path / "bot.sqlite3"
    db = await open_database(path)
    repos = Repos.of(db)
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    chats = {"Trần Văn Đức": SECRETARY, "Nguyễn Thị Hồng Nhung": 7002, "Đặng Quốc Bảo": BLOCKED,
             "Bùi Thị Mai": ADMIN}
    for member in await repos.org.members_of_committee(committee.id):
        if member.full_name in chats:
            chat = str(chats[member.full_name])
            account = await repos.accounts.ensure("telegram", chat, chat, utc_now())
            await repos.accounts.bind(account.id, member.id, utc_now())
    await db.close()
    return path, chats


def _message(chat: int, **fields) -> dict:
    user = {"id": chat, "is_bot": False, "first_name": "Mai", "language_code": "vi"}
    return {"message": {"message_id": int(time.monotonic() * 1000) % 10**9, "from": user,
                        "chat": {"id": chat, "type": "private", "first_name": "Mai"},
                        "date": int(time.time()), **fields}}


def _buttons(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_admin_broadcasts_from_telegram_and_sees_the_report(fake, prepared, tmp_path):
    path, _chats = prepared
    fake.fail("sendMessage", kind="forbidden", chat_id=BLOCKED, times=None)
    env = bot_run_env(fake.url, path, KIEMDIEM_SEND_RATE="0")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_for("setMyCommands", timeout=20)
        # the secretary links the cell's group chat; a plain member could not
        fake.push_message(7002, "/linkgroup", chat_id=GROUP)
        refused = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP,
                                      timeout=10)
        assert "Chỉ bí thư chi bộ" in refused.params["text"]
        fake.push_message(SECRETARY, "/linkgroup", chat_id=GROUP)
        linked = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP,
                                     timeout=10)
        assert "Chi bộ 1" in linked.params["text"]

        def to_admin(c):
            return c.params["chat_id"] == ADMIN

        fake.push_message(ADMIN, "/broadcast")
        await fake.wait_for("sendMessage", to_admin, timeout=10)
        fake.push_update(_message(ADMIN, text="Hạn nộp: 10/12/2026 <khẩn>",
                                  entities=[{"type": "bold", "offset": 0, "length": 8}]))
        await fake.wait_for("sendMessage", lambda c: to_admin(c) and
                            BC.pack(NoAttachment()) in _buttons(c), timeout=10)
        fake.push_update(_message(ADMIN, document={
            "file_id": "GUIDE-FILE", "file_unique_id": "u1", "file_name": "huong-dan.pdf"}))
        menu = await fake.wait_for("sendMessage", lambda c: to_admin(c) and
                                   BC.pack(ToggleGroups()) in _buttons(c), timeout=10)
        fake.push_callback(ADMIN, BC.pack(ToggleGroups()), menu.result["message_id"])
        await fake.wait_for("editMessageText", to_admin, timeout=10)
        fake.push_callback(ADMIN, BC.pack(ChooseAudience("all")), menu.result["message_id"])
        preview = await fake.wait_for("sendMessage", lambda c: to_admin(c) and
                                      c.params.get("parse_mode") == "HTML", timeout=10)
        assert preview.params["text"] == (f"<b>📢 Thông báo của {COMMITTEE}</b>\n\n"
                                          "<b>Hạn nộp:</b> 10/12/2026 &lt;khẩn&gt;")
        confirm = await fake.wait_for("sendMessage", lambda c: to_admin(c) and
                                      BC.pack(SendBroadcast()) in _buttons(c), timeout=10)
        assert "Người nhận: 6 (5 đảng viên nhận riêng, 1 nhóm chat)" in confirm.params["text"]
        fake.push_callback(ADMIN, BC.pack(SendBroadcast()), confirm.result["message_id"])

        report = await fake.wait_for("sendMessage", lambda c: to_admin(c) and
                                     "Đã gửi xong thông báo số 1" in c.params["text"],
                                     timeout=20)
        assert "Đã gửi 4 · lỗi 0 · không liên lạc được 2 · còn lại 0" in report.params["text"]
        # the progress message was posted and brought to 100%
        progress = [c for c in fake.calls if c.params.get("chat_id") == ADMIN and
                    "Đang gửi thông báo số 1" in str(c.params.get("text"))]
        assert progress and "100%" in progress[-1].params["text"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 20)

    announcements = [c for c in fake.calls_of("sendMessage") if c.outcome == "ok" and
                     str(c.params["text"]).startswith("<b>📢") and c is not preview]
    got = sorted(c.params["chat_id"] for c in announcements)
    assert got == sorted([SECRETARY, 7002, ADMIN, GROUP])  # blocked and unlinked: none
    group_call = next(c for c in announcements if c.params["chat_id"] == GROUP)
    assert "reply_markup" not in group_call.params  # no buttons in groups
    documents = fake.calls_of("sendDocument")
    assert sorted(c.params["chat_id"] for c in documents) == got
    assert all(c.params["document"] == "GUIDE-FILE" for c in documents)  # never re-uploaded

    db = await open_database(path)
    try:
        repos = Repos.of(db)
        counts = await repos.broadcasts.counts(1)
        assert counts["sent"] == len(got)  # the report's figures are what the fake received
        assert counts["unreachable"] == 2
        blocked = await repos.broadcasts.unreached(1)
        assert {(u.full_name, u.reason) for u in blocked} == {
            ("Đặng Quốc Bảo", "blocked"), ("Lê Minh Tuấn", "not_linked")}
        assert (await repos.broadcasts.get(1)).finished_at is not None
    finally:
        await db.close()
