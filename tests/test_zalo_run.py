"""`kiemdiem run` with only ZALO_BOT_TOKEN, in its own process, against the fake Zalo
server over HTTP: a member links by typing the code and answers; the reminder at start-up
reaches a Zalo member through the outbox; a refused token is one line, exit 2; Telegram
and Zalo side by side in one process."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.forms.rating import review_year
from conversations.onboarding.invitations import display_code, issue_invite
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import bot_run_env
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.inbox_helpers import inbox_settled
from tests.review_helpers import answer_for
from tests.test_run_command import bot_processes
from tests.test_runtime import prepare

MAI, NHUNG = "zalo-mai", "zalo-nhung"
NOT_LINKED = "chưa được gắn với đảng viên nào"


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def run_zalo(zalo, tmp_path):
    """Starts `kiemdiem run` with Zalo only; every process is gone afterwards."""
    def env(path, token: str) -> dict[str, str]:
        return {key: value for key, value in os.environ.items()
                if not key.startswith("TELEGRAM_")} | {
            "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.url, "KIEMDIEM_DB": str(path),
            "PYTHONIOENCODING": "utf-8"}

    async with bot_processes(tmp_path) as start:
        yield lambda path, token=ZALO_TOKEN: start(env(path, token))


async def say(zalo: FakeZaloApi, path, user_id: str, text: str) -> str:
    """Everything the bot answered to `text` (marked done once the answer went out)."""
    before = len(zalo.texts_to(user_id))
    zalo.push_text(user_id, text)
    await zalo.wait_for_sent(user_id, before + 1)
    await inbox_settled(path)
    return "\n".join(zalo.texts_to(user_id)[before:])


async def test_a_zalo_member_links_answers_and_gets_the_reminder(zalo, run_zalo, tmp_path):
    path = tmp_path / "bot.sqlite3"
    members = await prepare(path, campaign=True, bindings={"Bùi Thị Mai": ("zalo", MAI)})
    nhung = members["Nguyễn Thị Hồng Nhung"]
    db = await open_database(path)
    code = (await issue_invite(Repos.of(db), nhung.id, utc_now(), timedelta(days=30))).code
    await db.close()

    bot = await run_zalo(path)
    await bot.running()
    reminder = (await zalo.wait_for_sent(MAI))[0]  # the reminder run at start-up
    assert "Bùi Thị Mai" in reminder or "kiểm điểm" in reminder.lower()

    assert "Chào đồng chí Nguyễn Thị Hồng Nhung." in await say(zalo, path, NHUNG,
                                                               display_code(code))
    forms = load_forms(BUILTIN_FORMS_DIR)
    form = forms.get(forms.default_version, nhung.form)
    first = form.items[0]
    assert "Mục 1/" in await say(zalo, path, NHUNG, "1")
    assert "Đã lưu" in await say(zalo, path, NHUNG, answer_for(first.key))
    output = await bot.stop()
    assert ZALO_TOKEN not in output and ZALO_TOKEN.split(":")[1] not in output

    db = await open_database(path)
    try:
        repos = Repos.of(db)
        review = await repos.reviews.of_member(nhung.id, review_year(utc_now()))
        assert review is not None and review.answers[first.key].text == answer_for(first.key)
        sent = await db.fetchall("SELECT channel, status FROM outbox WHERE kind = 'reminder'"
                                 " AND member_id = ?", (members["Bùi Thị Mai"].id,))
        assert [(row["channel"], row["status"]) for row in sent] == [("zalo", "sent")]
    finally:
        await db.close()


async def test_a_refused_zalo_token_is_one_line_naming_the_setting(zalo, run_zalo, tmp_path):
    bot = await run_zalo(tmp_path / "bot.sqlite3", token="42:a-token-zalo-refuses")
    output = await bot.exited()
    assert bot.proc.returncode == 2, output
    assert "Traceback" not in output and "a-token-zalo-refuses" not in output
    assert output.strip().splitlines()[-1].startswith(
        "kiemdiem: Zalo từ chối ZALO_BOT_TOKEN (401")


async def test_telegram_and_zalo_served_by_one_process(fake, zalo, tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path, campaign=False, bindings={})
    env = bot_run_env(fake.url, path, ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_URL=zalo.url)
    async with bot_processes(tmp_path) as start:
        bot = await start(env)
        await bot.running()
        assert "(channels: telegram, zalo)" in bot.output
        fake.push_message(6001, "xin chào")
        on_telegram = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 6001,
                                          timeout=15)
        assert NOT_LINKED in on_telegram.params["text"]
        assert NOT_LINKED in await say(zalo, path, "zalo-stranger", "xin chào")
        await bot.stop()
