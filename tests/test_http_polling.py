"""The bot's HTTP server while polling: /healthz and /metrics over real HTTP whenever a
port or a public URL is configured, no webhook routes; without a public URL, documents on
Zalo become a sentence saying where to get them."""

from __future__ import annotations

import json
from datetime import timedelta

import aiohttp
import pytest

from bot.config import Settings
from bot.http_server import HttpConfig, http_config
from tests.conftest import Chat
from tests.fakes.zalo_api import FakeZaloApi
from tests.review_helpers import complete_and_submit
from tests.secretary_helpers import link
from tests.test_telegram_runner import org_with_invite
from tests.test_webhook import METRIC_LINE, free_port
from tests.zalo_helpers import Person, choice, http_get, zalo_runtime


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as api:
        yield api


def settings(**fields: object) -> Settings:
    return Settings(db_path="x.sqlite3", telegram_token=None, telegram_api_url=None,
                    invite_ttl=timedelta(days=30), language="vi", forms_dir=None,
                    **fields)  # type: ignore[arg-type]


def test_a_port_or_a_public_url_runs_the_server_without_webhooks():
    assert http_config(settings()) is None
    assert http_config(settings(http_port=9100)) == HttpConfig("0.0.0.0", 9100, None, "vi")
    public = "https://kiemdiem.example.org"
    assert http_config(settings(public_url=public)) == HttpConfig(
        "0.0.0.0", 8080, None, "vi", public)
    secret = "hook-Secret_0123456789"
    assert http_config(settings(webhook_url=public, webhook_secret=secret, public_url=public)
                       ) == HttpConfig("0.0.0.0", 8080, secret, "vi", public)  # both
    with pytest.raises(SystemExit, match="https://"):
        http_config(settings(public_url="http://kiemdiem.example.org"))


async def test_polling_serves_health_and_metrics_over_http(tmp_path, forms, zalo):
    path = tmp_path / "bot.sqlite3"
    code, _members = await org_with_invite(path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with zalo_runtime(str(path), forms, zalo, HttpConfig("127.0.0.1", port)) as (
            runtime, channel):
        assert "Lê Minh Tuấn" in await Person(zalo, channel, "zalo-1").say(code)
        assert zalo.calls_of("getUpdates") and zalo.webhook["url"] in ("", None)

        status, body, _ = await http_get(f"{base}/healthz")
        health = json.loads(body)
        assert status == 200 and health["database"] is True and health["scheduler"] is True
        status, body, _ = await http_get(f"{base}/metrics")
        samples = [line for line in body.decode().splitlines()
                   if line and not line.startswith("#")]
        assert status == 200 and all(METRIC_LINE.fullmatch(line) for line in samples)
        assert 'kiemdiem_updates_total{channel="zalo",outcome="answered"} 1' in samples

        async with aiohttp.ClientSession() as session, \
                session.post(f"{base}/zalo", json={}) as response:
            assert response.status in (404, 405)  # no webhook while polling
        assert runtime.links is None


async def test_without_a_public_url_a_document_says_where_to_get_it(tmp_path, forms, zalo):
    path = tmp_path / "bot.sqlite3"
    _code, members = await org_with_invite(path)
    port = free_port()
    async with zalo_runtime(str(path), forms, zalo, HttpConfig("127.0.0.1", port)) as (
            runtime, channel):
        tuan = members["Lê Minh Tuấn"]
        uid = await link(runtime.repos, runtime.clock, tuan, "zalo")
        await complete_and_submit(Chat(runtime.assistant, uid, "zalo"),
                                  forms.get(forms.default_version, tuan.form))
        answer = await Person(zalo, channel, uid).say("/copy")
        assert "Không thể gửi tệp" in answer and "trên Telegram" in answer
        assert "/files/" not in answer
        status, body, _ = await http_get(f"http://127.0.0.1:{port}/files/{'a' * 43}")
        assert status == 404 and "không cung cấp tài liệu" in body.decode()

        # a secretary is not sent to the secretary for the cell's files
        secretary = Person(zalo, channel, await link(runtime.repos, runtime.clock,
                                                     members["Trần Văn Đức"], "zalo"))
        files = await secretary.say(choice(await secretary.say("/progress"),
                                           "Hồ sơ của chi bộ"))
        assert files.count("Không thể gửi tệp") == 2 and "kiemdiem export" in files
        assert "bí thư chi bộ" not in files
