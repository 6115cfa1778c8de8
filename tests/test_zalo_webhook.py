"""The webhook receiver on real HTTP: the fake Zalo server posts to it as Zalo would."""

import logging

import aiohttp
import pytest
from aiohttp import web

from conversations.core.replies import Reply
from handlers.zalo import ZaloUpdates, webhook_handler
from handlers.zalo_api import ZaloApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi, serve

SECRET = "webhook-secret-0123456789"


class Dialogue:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, incoming) -> list[Reply]:
        self.seen.append(incoming.text)
        return [Reply(f"Đã nhận: {incoming.text}")]


@pytest.fixture
async def setup(repos, clock):
    """(fake Zalo, the dialogue) with our receiver listening and registered by setWebhook."""
    dialogue = Dialogue()
    async with FakeZaloApi() as zalo, ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        app = web.Application()
        app.router.add_post("/zalo", webhook_handler(ZaloUpdates(api, repos, dialogue,
                                                                 clock=clock), SECRET))
        receiver = await serve(app)
        await api.set_webhook(str(receiver.make_url("/zalo")), SECRET)
        yield zalo, dialogue
        await receiver.close()


@pytest.mark.parametrize("wrapped", [True, False])
async def test_the_right_secret_is_answered_in_either_body_shape(setup, wrapped):
    zalo, dialogue = setup
    status = await zalo.deliver(zalo.message("u-1", text="xin chào"), wrapped=wrapped)
    assert status == 200
    assert dialogue.seen == ["xin chào"]
    assert zalo.texts_to("u-1") == ["Đã nhận: xin chào"]  # sent before the 200


@pytest.mark.parametrize("secret", ["", "wrong-secret-0123456789", SECRET[:-1], SECRET + "x"])
async def test_a_wrong_or_missing_secret_is_refused_unread(setup, secret, caplog):
    zalo, dialogue = setup
    with caplog.at_level(logging.DEBUG):
        status = await zalo.deliver(zalo.message("u-1", text="giả mạo"), secret=secret)
    assert status == 403
    assert dialogue.seen == [] and zalo.sent == []
    assert SECRET not in caplog.text


async def test_the_same_message_delivered_twice_is_answered_once(setup):
    zalo, dialogue = setup
    update = zalo.message("u-1", text="một lần")
    assert [await zalo.deliver(update), await zalo.deliver(update, wrapped=False)] == [200, 200]
    assert dialogue.seen == ["một lần"]


async def test_a_body_that_is_not_json_is_a_bad_request(setup):
    zalo, dialogue = setup
    async with aiohttp.ClientSession() as session, session.post(
            zalo.webhook["url"], data=b"\xff not json",
            headers={"X-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 400
    assert dialogue.seen == []


async def test_an_event_it_does_not_handle_is_acknowledged(setup):
    zalo, dialogue = setup
    assert await zalo.deliver({"event_name": "bot.added.to.group"}) == 200
    assert dialogue.seen == []


def test_a_secret_zalo_would_refuse_is_refused_at_once(repos):
    for secret in ("short", "x" * 257):
        with pytest.raises(ValueError, match="8 to 256"):
            webhook_handler(None, secret)  # type: ignore[arg-type]
