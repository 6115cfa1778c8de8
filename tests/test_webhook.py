"""Webhook mode: the bot's own HTTP server (bot/http_server.py) on real HTTP, with the fake
Telegram and Zalo servers answering the bot's calls."""

import json
import logging
import re
import socket
from datetime import timedelta

import aiohttp
import pytest

from bot.config import Settings
from bot.http_server import TELEGRAM_SECRET_HEADER, HttpConfig, http_config, webhook_base
from bot.runtime import ChannelStartError, Runtime, configured_channels
from bot.telegram_runner import TelegramChannel
from bot.zalo_runner import ZaloChannel
from handlers.redact import redact
from storage import health
from storage.inbox import NewUpdate
from storage.outbox import STATUSES, OutMessage
from tests.fakes.telegram_api import TEST_TOKEN
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.test_runtime import FAST, until
from tests.test_telegram_runner import org_with_invite

SECRET = "hook-Secret_0123456789"
PUBLIC_URL = "https://kiemdiem.example.org"
METRIC_LINE = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as api:
        yield api


@pytest.fixture
async def running(tmp_path, fake, zalo, forms):
    """The runtime in webhook mode for Telegram and Zalo; (runtime, base URL, start code)."""
    path = tmp_path / "bot.sqlite3"
    code, _members = await org_with_invite(path)
    port = free_port()  # Zalo's webhook URL names it before the server starts
    base = f"http://127.0.0.1:{port}"
    channels = [TelegramChannel(TEST_TOKEN, fake.url, webhook_url=PUBLIC_URL,
                                webhook_secret=SECRET),
                ZaloChannel(ZALO_TOKEN, zalo.url, webhook_url=base, webhook_secret=SECRET)]
    runtime = Runtime(str(path), forms, channels, sender=FAST,
                      http=HttpConfig("127.0.0.1", port, SECRET))
    await runtime.start()
    yield runtime, base, code
    await runtime.stop()


async def post(url: str, body: object, secret: str | None) -> int:
    headers = {TELEGRAM_SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, \
            session.post(url, json=body, headers=headers) as response:
        return response.status


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_start_registers_the_webhooks_instead_of_polling(running, fake, zalo):
    assert fake.webhook["url"] == f"{PUBLIC_URL}/telegram"
    assert fake.webhook["secret_token"] == SECRET
    assert set(fake.webhook["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    assert fake.calls_of("getUpdates") == [] and zalo.calls_of("getUpdates") == []
    assert zalo.webhook["url"] == f"{running[1]}/zalo"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET[:-1]])
async def test_telegram_refuses_a_wrong_or_missing_secret_unstored(running, fake, secret,
                                                                   caplog):
    runtime, base, _code = running
    update = fake.push_message(8003, "/start")
    fake.updates.clear()  # delivered by the webhook only
    with caplog.at_level(logging.DEBUG):
        assert await post(f"{base}/telegram", update, secret) == 403
    assert await runtime.repos.inbox.state("telegram", str(update["update_id"])) is None
    assert fake.calls_of("sendMessage") == []
    assert SECRET not in caplog.text


async def test_telegram_update_is_stored_then_answered(running, fake):
    runtime, base, code = running
    update = fake.push_message(8003, f"/start {code}")
    fake.updates.clear()
    assert await post(f"{base}/telegram", update, SECRET) == 200
    # stored before the 200 (handled since, or still being handled)
    assert await runtime.repos.inbox.state("telegram", str(update["update_id"])) is not None
    sent = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 8003)
    assert "Lê Minh Tuấn" in sent.params["text"]
    # Telegram delivering it again: stored once, answered once
    answers = len(fake.calls_of("sendMessage"))
    assert await post(f"{base}/telegram", update, SECRET) == 200
    await runtime.channels[0].processor.idle()
    assert len(fake.calls_of("sendMessage")) == answers
    assert await runtime.repos.inbox.state("telegram", str(update["update_id"])) == ("done", 1)


@pytest.mark.parametrize("body", [[1, 2], {"message": "no id"}, {"update_id": "7"}])
async def test_telegram_body_that_is_not_an_update_is_a_bad_request(running, body):
    _runtime, base, _code = running
    assert await post(f"{base}/telegram", body, SECRET) == 400


async def test_zalo_webhook_checks_its_secret_and_answers(running, zalo):
    assert await zalo.deliver(zalo.message("u-1", text="xin chào"), secret="") == 403
    assert await zalo.deliver(zalo.message("u-1", text="xin chào"), secret="wrong-0123456") == 403
    assert zalo.sent == []
    assert await zalo.deliver(zalo.message("u-1", text="xin chào")) == 200
    await zalo.wait_for_sent("u-1")


async def test_healthz_reports_the_parts_and_503_when_the_database_is_gone(running):
    runtime, base, _code = running
    status, text = await get(f"{base}/healthz")
    body = json.loads(text)
    assert status == 200, body
    assert body["database"] is True and body["scheduler"] is True
    assert isinstance(body["outbox_pending"], int) and isinstance(body["inbox_pending"], int)
    assert "outbox_oldest_due_seconds" in body
    assert runtime.db is not None
    await runtime.db.close()
    status, text = await get(f"{base}/healthz")
    assert status == 503
    assert json.loads(text)["database"] is False


async def test_metrics_parse_and_count_the_updates(running, fake):
    runtime, base, code = running
    update = fake.push_message(8003, f"/start {code}")
    fake.updates.clear()
    assert await post(f"{base}/telegram", update, SECRET) == 200
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 8003)
    await runtime.channels[0].processor.idle()
    status, text = await get(f"{base}/metrics")
    assert status == 200
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert samples and all(METRIC_LINE.fullmatch(line) for line in samples), text
    assert 'kiemdiem_updates_total{channel="telegram",outcome="answered"} 1' in samples
    assert 'kiemdiem_update_seconds_count{channel="telegram"} 1' in samples
    assert any(line.startswith('kiemdiem_outbox_messages{status="sent"}') for line in samples)
    assert any(line.startswith("kiemdiem_outbox_backlog ") for line in samples)


def test_webhook_settings_are_checked_and_the_secret_never_shown():
    def settings(**fields: object) -> Settings:
        return Settings(db_path="x.sqlite3", telegram_token=None, telegram_api_url=None,
                        invite_ttl=timedelta(days=30), language="vi", forms_dir=None,
                        **fields)  # type: ignore[arg-type]

    assert http_config(settings()) is None  # polling
    assert http_config(settings(webhook_url=PUBLIC_URL, webhook_secret=SECRET,
                                http_port=9000)) == HttpConfig("0.0.0.0", 9000, SECRET, "vi")
    assert SECRET not in redact(f"secret={SECRET}")
    assert webhook_base(settings(webhook_url=PUBLIC_URL + "/")) == PUBLIC_URL
    for wrong in ({"webhook_url": PUBLIC_URL}, {"webhook_secret": SECRET},
                  {"webhook_url": "http://plain.example.org", "webhook_secret": SECRET},
                  {"webhook_url": PUBLIC_URL, "webhook_secret": "short"},
                  {"webhook_url": PUBLIC_URL, "webhook_secret": "has space 1234"}):
        with pytest.raises(SystemExit):
            http_config(settings(**wrong))


async def test_backlog_counts_by_status_and_ages_only_due_messages(db, repos, clock):
    def message(key: str, *, chat: str | None = "1", due_in: float = 0) -> OutMessage:
        return OutMessage(key, "alert", "{}", channel="telegram" if chat else None,
                          chat_id=chat, not_before=clock() + timedelta(minutes=due_in))

    await repos.outbox.enqueue([message("late", due_in=-30), message("due", due_in=-5),
                                message("quiet hours", due_in=+600),
                                message("nobody", chat=None)], clock())
    await repos.inbox.store("telegram", [NewUpdate("1", "8003", {"update_id": 1})], clock())
    found = await health.backlog(db, clock(), STATUSES)
    assert found.outbox == {"pending": 3, "sending": 0, "sent": 0, "failed": 0,
                            "unreachable": 1, "expired": 0}
    assert found.oldest_due == clock() - timedelta(minutes=30)  # not the one held back
    assert found.inbox_pending == 1


async def test_polling_mode_removes_a_webhook_left_by_webhook_mode(tmp_path, fake, forms):
    fake.webhook = {"url": f"{PUBLIC_URL}/telegram"}
    path = tmp_path / "bot.sqlite3"
    code, _members = await org_with_invite(path)
    runtime = Runtime(str(path), forms, [TelegramChannel(TEST_TOKEN, fake.url)], sender=FAST)
    await runtime.start()
    try:
        assert fake.webhook == {} and runtime.http is None
        fake.push_message(8003, f"/start {code}")
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 8003)
    finally:
        await runtime.stop()


def test_settings_from_the_environment_switch_the_channels_to_webhooks(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("KIEMDIEM_WEBHOOK_URL", PUBLIC_URL)
    monkeypatch.setenv("KIEMDIEM_WEBHOOK_SECRET", SECRET)
    settings = Settings.from_env()
    runtime = Runtime.from_settings(settings, configured_channels(settings))
    assert runtime.http is not None and runtime.http.config == HttpConfig("0.0.0.0", 8080,
                                                                          SECRET)
    assert [(c.webhook_url, c.webhook_secret) for c in runtime.channels] == \
        [(PUBLIC_URL, SECRET)] * 2


async def test_a_port_in_use_stops_start_up_with_one_clear_sentence(tmp_path, fake, forms):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runtime = Runtime(str(tmp_path / "bot.sqlite3"), forms,
                          [TelegramChannel(TEST_TOKEN, fake.url, webhook_url=PUBLIC_URL,
                                           webhook_secret=SECRET)],
                          sender=FAST, http=HttpConfig("127.0.0.1", port, SECRET, "en"))
        with pytest.raises(ChannelStartError, match=f"127.0.0.1:{port}.*KIEMDIEM_HTTP_PORT"):
            await runtime.start()
    assert runtime.db is None and fake.webhook == {}  # stopped cleanly, nothing registered


async def test_metrics_report_how_late_the_last_reminder_run_started(running):
    runtime, base, _code = running
    assert runtime.scheduled is not None
    await until(lambda: runtime.scheduled.reminder_lag is not None)  # due at start-up
    _status, text = await get(f"{base}/metrics")
    [lag] = [line for line in text.splitlines()
             if line.startswith("kiemdiem_reminder_lag_seconds ")]
    assert METRIC_LINE.fullmatch(lag) and float(lag.split()[1]) >= 0
