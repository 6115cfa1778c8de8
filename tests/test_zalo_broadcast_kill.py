"""A broadcast to Zalo members, its sender killed (SIGKILL) half-way and started again:
nobody is skipped, and only the in-flight window (SenderConfig.batch_size) may get the
announcement twice."""

from __future__ import annotations

from collections import Counter

from conversations.broadcasts.plan import Audience, create_broadcast, plan
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.zalo_api import ZaloApi
from handlers.zalo_transport import ZaloTransport
from storage.db import utc_now
from storage.sending import SendingRepo
from tests.conftest import COMMITTEE, record
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.sender_helpers import kill_sender_process
from tests.test_runtime import FAST

RECIPIENTS = 300
TEXT = "Họp chi bộ tối thứ Sáu, 19 giờ."


async def _broadcast_to_zalo_members(repos) -> list[str]:
    """300 members, each bound to a Zalo account, and one announcement to them all;
    returns their Zalo chat ids."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [
        record(f"Chi bộ {i % 10 + 1}", f"Đảng viên {i:03d}", "1980-01-01")
        for i in range(RECIPIENTS)])
    chats = []
    for member in await repos.org.members_of_committee(committee.id):
        chat = f"zalo-{member.id:04d}"
        account = await repos.accounts.ensure("zalo", chat, chat, utc_now())
        await repos.accounts.bind(account.id, member.id, utc_now())
        chats.append(chat)
    audience = Audience("all")
    await create_broadcast(
        repos, committee_id=committee.id, committee=committee.name, author_id=None, text=TEXT,
        html=False, attachment=None, audience=audience,
        plan_=await plan(repos, committee.id, audience), report=None, now=utc_now())
    return chats


def delivered(zalo: FakeZaloApi) -> Counter:
    return Counter(m["chat_id"] for m in zalo.sent if TEXT in m["text"])


async def test_a_killed_zalo_broadcast_resumes_without_skipping_anyone(db, repos):
    chats = await _broadcast_to_zalo_members(repos)
    async with FakeZaloApi() as zalo:
        await kill_sender_process(db.path, zalo.url, "zalo",  # half-way through
                                  lambda: zalo.wait_for_total(RECIPIENTS // 2))
        before = sum(delivered(zalo).values())
        assert RECIPIENTS // 2 <= before < RECIPIENTS

        async with ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
            sender = OutboxSender(SendingRepo(db), [ZaloTransport(api, repos)], FAST)
            await sender.start()  # puts what was in flight back to pending
            await sender.stop()
            await sender.drain()
        got = delivered(zalo)

    assert set(got) == set(chats)  # nobody skipped
    assert all(n <= 2 for n in got.values())
    twice = [chat for chat, n in got.items() if n == 2]
    assert len(twice) <= SenderConfig().batch_size  # at most the in-flight window
    [row] = await repos.db.fetchall("SELECT id FROM broadcasts")
    counts = await repos.outbox.counts("broadcast", row["id"])
    assert counts["sent"] == RECIPIENTS and counts["sending"] == counts["pending"] == 0
    assert await repos.broadcasts.sent_by_channel(row["id"]) == {"zalo": RECIPIENTS}
