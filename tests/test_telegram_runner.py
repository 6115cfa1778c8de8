"""`kiemdiem run` in its own process, against a fake Bot API over real HTTP."""

import asyncio
import signal
import sys
from datetime import timedelta

import pytest

from conversations.onboarding.invitations import issue_invite
from storage.db import open_database, utc_now
from storage.models import Member
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, bot_run_env
from tests.fakes.telegram_api import TEST_TOKEN as TOKEN


async def org_with_invite(path) -> tuple[str, dict[str, Member]]:
    """The sample organisation and an invitation code for Lê Minh Tuấn, written before the
    bot starts; returns (code, members by name)."""
    db = await open_database(path)
    repos = Repos.of(db)
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    members = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    invite = await issue_invite(repos, members["Lê Minh Tuấn"].id, utc_now(), timedelta(days=30))
    await db.close()
    return invite.code, members


@pytest.fixture
async def prepared_db(tmp_path):
    """An organisation and one invitation code, written before the bot starts."""
    path = tmp_path / "bot.sqlite3"
    code, members = await org_with_invite(path)
    return path, code, members


@pytest.fixture
async def bot_process(fake, prepared_db, tmp_path):
    path, _code, _members = prepared_db
    env = bot_run_env(fake.url, path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_runner_binds_with_start_code_and_stops_on_sigterm(fake, prepared_db, bot_process):
    path, code, members = prepared_db
    # the command menu is registered in both languages
    await fake.wait_for("setMyCommands", lambda c: "language_code" not in c.params, timeout=20)
    await fake.wait_for("setMyCommands", lambda c: c.params.get("language_code") == "en")
    vi = [c["description"] for c in fake.commands[""]]
    en = [c["description"] for c in fake.commands["en"]]
    assert "Bắt đầu, hoặc gắn tài khoản bằng mã mời" in vi
    assert "Start, or link your account with an invitation code" in en

    mark = len(fake.calls)
    fake.push_message(5001, f"/start {code}", first_name="Tuấn")
    sent = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5001,
                               after=mark, timeout=10)
    assert "Chào đồng chí Lê Minh Tuấn." in sent.params["text"]
    buttons = [b["callback_data"] for row in sent.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert "language" in buttons

    db = await open_database(path)
    try:
        account = await Repos.of(db).accounts.get("telegram", "5001")
        assert account.member_id == members["Lê Minh Tuấn"].id
    finally:
        await db.close()

    # a button press: the answer replaces the menu message in place
    message_id = sent.result["message_id"]
    fake.push_callback(5001, "language", message_id)
    await fake.wait_for("answerCallbackQuery", timeout=10)
    chosen = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5001, timeout=10)
    fake.push_callback(5001, "lang:en", chosen.result["message_id"])
    edited = await fake.wait_for("editMessageText", timeout=10)
    assert edited.params["text"].startswith("Language set to English.")

    # a stranger gets the explanation only
    fake.push_message(6001, "xin chào")
    stranger = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 6001,
                                   timeout=10)
    assert "chưa được gắn với đảng viên nào" in stranger.params["text"]

    bot_process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(bot_process.communicate(), timeout=20)
    assert bot_process.returncode == 0, output.decode()
    assert TOKEN not in output.decode()  # the token never reaches the logs
    assert "Unclosed" not in output.decode()  # the sender's own HTTP session was closed
