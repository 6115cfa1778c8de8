"""The author's progress message (edited in place) and the final report, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from conversations.broadcasts.actions import BROADCASTS, ShowUnreached
from conversations.broadcasts.plan import Audience, create_broadcast, plan
from handlers.broadcast_progress import BroadcastProgress
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.sending import SendingRepo
from tests.sender_helpers import make_bot, moving_sleep

AUTHOR = 9999


async def test_progress_is_edited_then_reported(db, repos, org, fake, clock):
    for n, member in enumerate(org.values()):
        account = await repos.accounts.ensure("telegram", str(8001 + n), str(8001 + n), clock())
        await repos.accounts.bind(account.id, member.id, clock())
    committee = await repos.org.committee(org["Bùi Thị Mai"].committee_id)
    found = await plan(repos, committee.id, Audience("all"))
    broadcast_id, added = await create_broadcast(
        repos, committee_id=committee.id, committee=committee.name, author_id=None,
        text="Hướng dẫn", html=False, attachment=None, audience=Audience("all"), plan_=found,
        report=("telegram", str(AUTHOR), "vi"), now=clock())
    assert added == 5
    async with make_bot(fake.url) as bot:
        transport = TelegramTransport(bot)
        progress = BroadcastProgress(repos, [transport], clock=clock)
        sender = OutboxSender(SendingRepo(db), [transport],
                              SenderConfig(rate=None, private_interval=0.0, batch_size=2),
                              clock=clock)
        await sender.run_once()  # 2 of 5 sent
        clock.advance(seconds=10)
        await progress.tick()
        first = fake.bot_messages(AUTHOR)
        assert len(first) == 1
        text = first[0]["text"]
        assert "Đang gửi thông báo số 1: 2/5" in text
        assert "████░░░░░░ 40%" in text
        assert "Đã gửi 2 · lỗi 0 · không liên lạc được 0 · còn lại 3" in text
        assert "Còn khoảng 15 giây." in text  # 3 left at 2 per 10 s
        await progress.tick()  # nothing changed: no new call
        assert len(fake.calls_of("editMessageText")) == 0

        fake.messages.pop((AUTHOR, first[0]["message_id"]))  # the author deleted it
        await sender.drain()
        await progress.tick()
        texts = [m["text"] for m in fake.bot_messages(AUTHOR)]
        assert "100%" in texts[0]  # a new progress message, since the old one was gone
        assert texts[-1].startswith("Đã gửi xong thông báo số 1.")
        assert "Đã gửi 5 · lỗi 0" in texts[-1]
    broadcast = await repos.broadcasts.get(broadcast_id)
    assert broadcast.finished_at is not None
    assert await repos.broadcasts.running() == []
    assert clock() - broadcast.created_at == timedelta(seconds=10)


async def test_messages_that_expired_in_an_outage_are_reported(db, repos, org, fake, clock,
                                                               chat_factory):
    """A recipient the Bot API could not be reached for during the whole lifetime: the
    report and /broadcasts count it as expired and the list of the unreached says why."""
    chats = {}
    for n, member in enumerate(org.values()):
        chats[member.full_name] = str(8101 + n)
        account = await repos.accounts.ensure("telegram", chats[member.full_name],
                                              chats[member.full_name], clock())
        await repos.accounts.bind(account.id, member.id, clock())
    admin = org["Bùi Thị Mai"]
    committee = await repos.org.committee(admin.committee_id)
    found = await plan(repos, committee.id, Audience("all"))
    await create_broadcast(
        repos, committee_id=committee.id, committee=committee.name, author_id=admin.id,
        text="Hướng dẫn", html=False, attachment=None, audience=Audience("all"), plan_=found,
        report=("telegram", str(AUTHOR), "vi"), now=clock())
    fake.fail("sendMessage", kind="server_error", status=502, times=None,
              chat_id=int(chats["Lê Minh Tuấn"]))
    config = SenderConfig(rate=None, private_interval=0.0, lifetimes={"broadcast": 1})
    async with make_bot(fake.url) as bot:
        transport = TelegramTransport(bot)
        await OutboxSender(SendingRepo(db), [transport], config, clock=clock,
                           sleep=moving_sleep(clock)).drain()
        await BroadcastProgress(repos, [transport], clock=clock).tick()
    report = fake.bot_messages(AUTHOR)[-1]["text"]
    assert "Đã gửi 4 · lỗi 0 · không liên lạc được 0 · còn lại 0 · hết hạn 1" in report
    assert "/broadcasts" in report
    chat = chat_factory(chats[admin.full_name], "telegram")
    await chat.press(BROADCASTS.pack(ShowUnreached(1)))
    assert ("Lê Minh Tuấn — không gửi được trong thời hạn (dịch vụ tin nhắn bị gián đoạn)"
            in chat.text)
    await chat.say("/broadcasts")
    assert "hết hạn 1" in chat.text
