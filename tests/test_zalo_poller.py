"""The long-polling loop: it backs off on errors and quota answers and never stops on a
failing update; only a refused token ends it. Waits are recorded, not slept."""

import asyncio
import contextlib

import pytest

from conversations.core.replies import Reply
from handlers.zalo import ZaloPoller, ZaloUpdates
from handlers.zalo_api import InvalidToken, ZaloApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi


class Waits(list):
    """A sleep that records what it was asked to wait and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


async def echo(incoming) -> list[Reply]:
    if incoming.text == "boom":
        raise RuntimeError("a bug in the dialogue")
    return [Reply(f"Đã nhận: {incoming.text}")]


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as fake:
        yield fake


def make_poller(api, repos, clock, waits) -> ZaloPoller:
    updates = ZaloUpdates(api, repos, echo, clock=clock, sleep=waits)
    return ZaloPoller(api, updates, poll_timeout=5, base_backoff=1, max_backoff=4, sleep=waits)


@contextlib.asynccontextmanager
async def polling(poller: ZaloPoller):
    task = asyncio.create_task(poller.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_errors_back_off_doubling_and_a_success_resets_it(zalo, repos, clock):
    waits = Waits()
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url, flood_wait=20) as api:
        zalo.fail("getUpdates", status=429)
        zalo.fail("getUpdates", status=502, times=4)
        async with polling(make_poller(api, repos, clock, waits)):
            zalo.push_text("u-1", "một")
            await zalo.wait_for_sent("u-1", 1)
            zalo.fail("getUpdates", status=500)
            zalo.push_text("u-1", "hai")
            await zalo.wait_for_sent("u-1", 2)
    assert waits == [20, 1, 2, 4, 4, 1]  # quota, then 1-2-4 capped at 4; reset after success
    assert zalo.texts_to("u-1") == ["Đã nhận: một", "Đã nhận: hai"]


async def test_a_failing_update_does_not_stop_polling(zalo, repos, clock):
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api, \
            polling(make_poller(api, repos, clock, Waits())):
        zalo.push_text("u-1", "boom")
        zalo.push_text("u-1", "vẫn chạy")
        texts = await zalo.wait_for_sent("u-1", 2)
    assert texts[0].startswith("Xin lỗi đồng chí, hệ thống đang gặp sự cố.")
    assert texts[1] == "Đã nhận: vẫn chạy"


async def test_an_update_that_cannot_be_recorded_is_logged_and_polling_goes_on(
        zalo, db, repos, clock, caplog):
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api, \
            polling(make_poller(api, repos, clock, Waits())):
        async with db.write() as conn:  # the inbox is gone: storing fails
            await conn.execute("ALTER TABLE inbox RENAME TO inbox_away")
        zalo.push_text("u-1", "mất")
        await zalo.wait_idle()
        async with db.write() as conn:
            await conn.execute("ALTER TABLE inbox_away RENAME TO inbox")
        zalo.push_text("u-1", "còn")
        await zalo.wait_for_sent("u-1", 1)
    assert zalo.texts_to("u-1") == ["Đã nhận: còn"]
    assert "could not be recorded" in caplog.text


async def test_a_refused_token_ends_polling_with_invalid_token(zalo, repos, clock):
    async with ZaloApi("42:a-token-zalo-refuses", base_url=zalo.url) as api:
        with pytest.raises(InvalidToken):
            await make_poller(api, repos, clock, Waits()).run()
