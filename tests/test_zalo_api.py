"""The Zalo client against the fake Zalo server over real HTTP."""

import logging
import traceback

import pytest

from handlers.outbox_sender import FloodWait, RecipientBlocked, SendError, TransientError
from handlers.redact import redact
from handlers.zalo_api import InvalidToken, ZaloApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def api(zalo):
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url, flood_wait=7.5) as client:
        yield client


async def test_methods_send_json_and_read_string_ids(zalo, api):
    me = await api.get_me()
    assert me["id"] == "1234567890" and me["can_join_groups"] is False
    sent = await api.send_message("u-42", "Xin chào đồng chí")
    assert isinstance(sent["message_id"], str) and sent["date"] > 10**12  # milliseconds
    assert zalo.sent[0]["chat_id"] == "u-42" and zalo.sent[0]["text"] == "Xin chào đồng chí"
    await api.send_chat_action("u-42")
    assert zalo.calls_of("sendChatAction")[0].params == {"chat_id": "u-42", "action": "typing"}


async def test_webhook_set_read_and_deleted(zalo, api):
    await api.set_webhook("https://kiemdiem.example/zalo", "s3cret-s3cret")
    assert (await api.get_webhook_info())["url"] == "https://kiemdiem.example/zalo"
    with pytest.raises(SendError, match="Webhook is set"):  # no polling while it is set
        await api.get_updates(timeout=0)
    await api.delete_webhook()
    assert (await api.get_webhook_info())["url"] == ""


async def test_an_update_comes_back_as_a_list_of_one(zalo, api):
    zalo.push_text("u-1", "ABCD-EFGH-JKMN")
    updates = await api.get_updates(timeout=5)
    assert [u["message"]["text"] for u in updates] == ["ABCD-EFGH-JKMN"]
    assert updates[0]["event_name"] == "message.text.received"


async def test_empty_poll_is_408_and_no_updates(zalo, api):
    assert await api.get_updates(timeout=0) == []
    assert zalo.calls_of("getUpdates")[0].status == 408


async def test_ok_false_on_http_200_raises(zalo, api):
    zalo.fail("sendMessage", status=200, error_code=400, description="text too long")
    with pytest.raises(SendError, match="400 text too long") as caught:
        await api.send_message("u-1", "x")
    assert type(caught.value) is SendError
    assert zalo.calls_of("sendMessage")[0].status == 200  # HTTP said fine, the body did not
    zalo.fail("sendMessage", status=200, error_code=429)
    with pytest.raises(FloodWait):
        await api.send_message("u-1", "x")


async def test_429_is_a_flood_wait_of_the_configured_length(zalo, api):
    zalo.fail("sendMessage", status=429)
    with pytest.raises(FloodWait) as caught:
        await api.send_message("u-1", "x")
    assert caught.value.seconds == 7.5  # Zalo publishes no retry_after


@pytest.mark.parametrize(("status", "kind"), [
    (500, TransientError), (502, TransientError), (403, RecipientBlocked), (400, SendError),
    (404, SendError),
])
async def test_http_errors_map_onto_the_senders_kinds(zalo, api, status, kind):
    zalo.fail("sendMessage", status=status)
    with pytest.raises(kind) as caught:
        await api.send_message("u-1", "x")
    assert type(caught.value) is kind


async def test_wrong_token_is_invalid_token_and_never_shown(zalo, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "999:some-other-zalo-token"
    async with ZaloApi(wrong, base_url=zalo.url) as api:
        with pytest.raises(InvalidToken) as caught:
            await api.get_me()
        text = "".join(traceback.format_exception(caught.value)) + repr(api)
    assert wrong not in text and wrong not in caplog.text


async def test_connection_errors_are_transient_and_never_show_the_token(caplog):
    caplog.set_level(logging.DEBUG)
    async with FakeZaloApi() as gone:
        url = gone.url  # a port nobody listens on once the fake is closed
    async with ZaloApi(ZALO_TOKEN, base_url=url) as api:
        for call in (api.get_me(), api.get_updates(timeout=0), api.send_message("u", "x")):
            with pytest.raises(TransientError) as caught:
                await call
            assert ZALO_TOKEN not in "".join(traceback.format_exception(caught.value))
        assert ZALO_TOKEN not in repr(api)
    assert ZALO_TOKEN not in caplog.text


async def test_a_wrong_api_url_is_refused_for_good_with_the_token_masked(caplog):
    caplog.set_level(logging.DEBUG)
    async with ZaloApi(ZALO_TOKEN, base_url="http://127.0.0.1:99999") as api:
        with pytest.raises(SendError) as caught:
            await api.get_me()
    assert type(caught.value) is SendError  # not retried as if the network were down
    shown = "".join(traceback.format_exception(caught.value))
    assert "/bot<token>/getMe" in shown and ZALO_TOKEN not in shown + caplog.text


async def test_a_non_json_answer_is_an_error_not_a_crash(zalo, api):
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url + "/nothing-here") as lost:
        with pytest.raises(SendError, match="404"):
            await lost.get_me()


async def test_the_api_url_comes_from_zalo_api_url_when_not_given(zalo, monkeypatch):
    monkeypatch.setenv("ZALO_API_URL", zalo.url + "/")
    async with ZaloApi(ZALO_TOKEN) as api:
        assert (await api.get_me())["account_name"] == zalo.bot_name
    monkeypatch.delenv("ZALO_API_URL")
    assert repr(ZaloApi(ZALO_TOKEN)) == "ZaloApi(https://bot-api.zaloplatforms.com/bot<token>/)"


def test_an_unregistered_token_in_a_zalo_url_is_masked_and_the_host_kept():
    url = "https://bot-api.zaloplatforms.com/bot999:never-registered-token/getMe"
    assert redact(url) == "https://bot-api.zaloplatforms.com/bot<token>/getMe"
