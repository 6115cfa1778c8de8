"""Secretaries, campaigns and broadcasts on Zalo, over real HTTP to the fake Zalo server
(and the fake Telegram server beside it): everything typed, files as links."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
import pytest

from bot.http_server import HttpConfig
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import Chat, Clock
from tests.fakes.zalo_api import FakeZaloApi
from tests.review_helpers import complete_and_submit
from tests.secretary_helpers import link
from tests.test_reminder_jobs import _prepare
from tests.test_telegram_runner import org_with_invite
from tests.test_webhook import free_port
from tests.zalo_helpers import Person, choice, http_get, zalo_runtime

LINK = re.compile(r"http://127\.0\.0\.1:\d+/files/[A-Za-z0-9_-]+")
COMMENT = "Đề nghị bổ sung phần nguyên nhân của hạn chế."


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as api:
        yield api


def _http() -> HttpConfig:
    port = free_port()
    return HttpConfig("127.0.0.1", port, public_url=f"http://127.0.0.1:{port}")


async def _bind_telegram(repos, member, chat_id: int) -> None:
    account = await repos.accounts.ensure("telegram", str(chat_id), str(chat_id), utc_now())
    await repos.accounts.bind(account.id, member.id, utc_now())


async def test_secretary_reads_returns_and_gets_the_files_as_links(tmp_path, forms, zalo):
    path = tmp_path / "bot.sqlite3"
    _code, members = await org_with_invite(path)
    clock = Clock(utc_now())
    async with zalo_runtime(str(path), forms, zalo, _http(), clock=clock) as (runtime, channel):
        tuan, duc = members["Lê Minh Tuấn"], members["Trần Văn Đức"]
        tuan_id = await link(runtime.repos, clock, tuan, "zalo")
        await complete_and_submit(Chat(runtime.assistant, tuan_id, "zalo"),
                                  forms.get(forms.default_version, tuan.form))
        secretary = Person(zalo, channel, await link(runtime.repos, clock, duc, "zalo"))

        progress = await secretary.say("/progress")
        assert "Chi bộ 1" in progress and "Đã nộp 1/3" in progress
        review = await secretary.say(choice(progress, "Xem: Lê Minh Tuấn"))
        assert "Bản kiểm điểm năm" in review and "(đã nộp)" in review
        [url] = LINK.findall(await secretary.say(choice(review, "Bản in")))
        status, body, _ = await http_get(url)
        assert status == 200
        assert "Lê Minh Tuấn" in "\n".join(
            p.text for p in docx.Document(io.BytesIO(body)).paragraphs)

        review = await secretary.say(choice(await secretary.say("/progress"),
                                            "Xem: Lê Minh Tuấn"))
        assert "viết ý kiến" in await secretary.say(choice(review, "Trả lại"))
        assert f"«{COMMENT}»" in await secretary.say(COMMENT)  # shown before it is sent
        assert "Đã trả lại bản kiểm điểm" in await secretary.say("gửi")
        told = await zalo.wait_for_sent(tuan_id)  # through the outbox, on Zalo
        assert any(COMMENT in text for text in told), told

        files = await secretary.say(choice(await secretary.say("/progress"),
                                           "Hồ sơ của chi bộ"))
        xlsx_url, zip_url = LINK.findall(files)
        status, body, headers = await http_get(xlsx_url)
        assert status == 200 and ".xlsx" in headers["Content-Disposition"]
        assert "Lê Minh Tuấn" in [c.value for row in openpyxl.load_workbook(
            io.BytesIO(body)).active.iter_rows() for c in row]
        status, body, headers = await http_get(zip_url)
        assert status == 200 and zipfile.ZipFile(io.BytesIO(body)).testzip() is None


async def test_a_campaign_reminder_reaches_a_zalo_member(tmp_path, forms, zalo, fake):
    path = tmp_path / "bot.sqlite3"
    await _prepare(path)  # a campaign whose reminder is due as soon as the bot runs
    db = await open_database(path)
    repos = Repos.of(db)
    nhung = next(m for m in await repos.org.members_of_committee(1)
                 if m.full_name == "Nguyễn Thị Hồng Nhung")
    nhung_id = await link(repos, utc_now, nhung, "zalo")
    await db.close()
    async with zalo_runtime(str(path), forms, zalo, telegram=fake) as (_runtime, channel):
        [reminder] = await zalo.wait_for_sent(nhung_id)
        assert "Hạn nộp bản kiểm điểm" in reminder
        # its choice is typed as a number, like every other one on Zalo
        started = await Person(zalo, channel, nhung_id).say(choice(reminder, "Bắt đầu viết"))
        assert "Mục 1/" in started
    assert fake.calls_of("sendMessage") == []  # nobody is on Telegram


async def test_a_broadcast_reaches_zalo_and_telegram_and_its_report_counts_them_apart(
        tmp_path, forms, zalo, fake):
    path = tmp_path / "bot.sqlite3"
    _code, members = await org_with_invite(path)
    async with zalo_runtime(str(path), forms, zalo, telegram=fake) as (runtime, channel):
        repos = runtime.repos
        on_zalo = [await link(repos, utc_now, members[name], "zalo")
                   for name in ("Lê Minh Tuấn", "Nguyễn Thị Hồng Nhung")]
        await _bind_telegram(repos, members["Trần Văn Đức"], 8001)
        admin = Person(zalo, channel, await link(repos, utc_now, members["Bùi Thị Mai"], "zalo"))

        await admin.say("/broadcast")
        # no document asked: a Zalo chat cannot send the bot one
        audience = await admin.say("Họp chi bộ tối thứ Sáu, 19 giờ.")
        preview = await admin.say(choice(audience, "Toàn thể đảng viên"))
        assert "Người nhận: 5" in preview
        assert "đang được gửi tới 5 người nhận" in await admin.say(choice(preview, "Gửi tới"))

        for chat_id in on_zalo:
            [text] = await zalo.wait_for_sent(chat_id)
            assert "Họp chi bộ tối thứ Sáu, 19 giờ." in text
        await fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) == "8001")
        report = await _final_report(zalo, admin.user_id)
        assert "Đã gửi 4 · lỗi 0 · không liên lạc được 1" in report  # Bảo is bound nowhere
        assert "Đã gửi theo kênh: Telegram 1 · Zalo 3" in report


async def _final_report(zalo: FakeZaloApi, chat_id: str) -> str:
    count = len(zalo.texts_to(chat_id))
    while True:
        texts = await zalo.wait_for_sent(chat_id, count + 1)
        if texts[-1].startswith("Đã gửi xong thông báo"):
            return texts[-1]
        count = len(texts)
