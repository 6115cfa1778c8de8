"""Producers and the sender together, over real HTTP to the fake Bot API: a secretary's
alert that failed is delivered later exactly once; a campaign reminder reaches the member."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from conversations.campaigns.reminders import run_due
from conversations.campaigns.rules import CampaignRequest, create_campaign
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.sending import SendingRepo
from tests.conftest import COMMITTEE
from tests.review_helpers import complete_and_submit
from tests.sender_helpers import make_bot, moving_sleep

FAST = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0, base_backoff=0.05,
                    max_attempts=4, idle_wait=0.1)
SECRETARY_CHAT, MEMBER_CHAT = 501, 502


@pytest.fixture
async def bot(fake):
    async with make_bot(fake.url, read_timeout=2.0) as b:
        yield b


@pytest.fixture
def sender(db, bot, clock):
    """The dialogue's clock; waiting for a retry moves it instead of taking time."""
    return OutboxSender(SendingRepo(db), [TelegramTransport(bot)], FAST, clock=clock,
                        sleep=moving_sleep(clock))


async def _bind(repos, member, chat: int, clock):
    account = await repos.accounts.ensure("telegram", str(chat), str(chat), clock())
    await repos.accounts.bind(account.id, member.id, clock())


def _received(fake, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.calls_of("sendMessage")
            if c.outcome == "ok" and c.params["chat_id"] == chat]


async def _drain_until_settled(sender, repos, kind: str, rounds: int = 20) -> None:
    for _ in range(rounds):
        await sender.drain()
        rows = await repos.db.fetchall("SELECT status FROM outbox WHERE kind = ?", (kind,))
        if rows and all(r["status"] in ("sent", "failed", "unreachable") for r in rows):
            return
        await asyncio.sleep(0.06)  # past the backoff


async def test_failed_alert_is_delivered_later_exactly_once(
    repos, org, forms, clock, chat_factory, fake, sender
):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    await _bind(repos, duc, SECRETARY_CHAT, clock)
    await _bind(repos, nhung, MEMBER_CHAT, clock)
    fake.fail("sendMessage", kind="server_error", chat_id=SECRETARY_CHAT, times=2)
    chat = chat_factory(str(MEMBER_CHAT), "telegram")
    await complete_and_submit(chat, forms.get(forms.default_version, nhung.form))
    await _drain_until_settled(sender, repos, "alert")
    alerts = _received(fake, SECRETARY_CHAT)
    assert len(alerts) == 1 and "Nguyễn Thị Hồng Nhung" in alerts[0]
    outcomes = Counter(c.outcome == "ok" for c in fake.calls_of("sendMessage")
                       if c.params["chat_id"] == SECRETARY_CHAT)
    assert outcomes == {False: 2, True: 1}  # failed twice, then delivered once
    await sender.drain()  # nothing left: never a second copy
    assert len(_received(fake, SECRETARY_CHAT)) == 1


async def test_campaign_reminder_reaches_the_member_with_a_button(
    repos, db, org, forms, clock, fake, bot
):
    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], FAST, clock=clock)
    tuan = org["Lê Minh Tuấn"]
    await _bind(repos, tuan, MEMBER_CHAT, clock)
    committee = await repos.org.committee_by_name(COMMITTEE)
    await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), clock())
    clock.now = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội, 3 days before
    assert (await run_due(repos, forms, clock())).enqueued >= 1
    await _drain_until_settled(sender, repos, "reminder")
    texts = _received(fake, MEMBER_CHAT)
    assert len(texts) == 1 and "30/11/2026" in texts[0]
    [row] = [r for r in await repos.outbox.of_ref("reminder", 1) if r.chat_id == str(MEMBER_CHAT)]
    assert row.expires_at == datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC)  # the deadline
    call = next(c for c in fake.calls_of("sendMessage") if c.params["chat_id"] == MEMBER_CHAT)
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "review"
    await run_due(repos, forms, clock())  # a second run, as after a restart
    await _drain_until_settled(sender, repos, "reminder")
    assert len(_received(fake, MEMBER_CHAT)) == 1


async def test_a_reminder_text_stored_once_reaches_each_member_it_is_for(
    repos, db, org, forms, clock, fake, bot
):
    sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)], FAST, clock=clock)
    tuan, duc = org["Lê Minh Tuấn"], org["Trần Văn Đức"]
    await _bind(repos, tuan, MEMBER_CHAT, clock)
    await _bind(repos, duc, SECRETARY_CHAT, clock)
    committee = await repos.org.committee_by_name(COMMITTEE)
    await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), clock())
    clock.now = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    enqueued = (await run_due(repos, forms, clock())).enqueued
    assert enqueued == len(org)  # nobody has started: one text for all of them
    stored = await db.fetchall("SELECT count(*) AS n FROM outbox_payloads")
    assert stored[0]["n"] == 1
    await _drain_until_settled(sender, repos, "reminder")
    [to_tuan], [to_duc] = _received(fake, MEMBER_CHAT), _received(fake, SECRETARY_CHAT)
    assert to_tuan == to_duc and "30/11/2026" in to_tuan
