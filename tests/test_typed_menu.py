"""Choices of messages the bot sends on its own, on text-only channels: they become what a
typed number picks, except while the person is writing."""

from __future__ import annotations

from conversations.core.replies import Choice, Reply, rows
from conversations.core.typed_menu import remember_sent
from tests.fakes.zalo_api import FakeZaloApi
from tests.secretary_helpers import link
from tests.test_zalo_transport import drain, message

REMINDER = Reply("Nhắc nhở", rows(Choice("Bắt đầu viết", "rv:open")))


async def test_a_sent_message_s_choices_are_remembered_unless_the_person_is_writing(
        repos, org, clock):
    uid = await link(repos, clock, org["Lê Minh Tuấn"], "zalo")
    await remember_sent(repos, "zalo", uid, REMINDER)
    account = await repos.accounts.get("zalo", uid)
    assert account.menu == {"expects_text": False,
                            "choices": [{"action": "rv:open", "keyword": None}]}

    writing = {"expects_text": True, "choices": [{"action": "rv:done", "keyword": "xong"}]}
    await repos.accounts.set_menu(account.id, writing)
    await remember_sent(repos, "zalo", uid, REMINDER)
    assert (await repos.accounts.get("zalo", uid)).menu == writing

    await repos.accounts.set_menu(account.id, None)
    await repos.accounts.set_awaiting(account.id, "secretary", "1", clock())
    await remember_sent(repos, "zalo", uid, REMINDER)
    assert (await repos.accounts.get("zalo", uid)).menu is None

    await remember_sent(repos, "zalo", "nobody", REMINDER)  # no account: nothing to do
    await remember_sent(repos, "zalo", uid, Reply("no choices"))


async def test_a_menu_that_cannot_be_stored_does_not_send_the_reminder_again(
        db, repos, org, clock):
    uid = await link(repos, clock, org["Lê Minh Tuấn"], "zalo")
    await repos.outbox.enqueue([message("r:1", REMINDER, uid, org["Lê Minh Tuấn"].id)], clock())
    await db.execute("CREATE TRIGGER menu_refused BEFORE UPDATE OF menu ON accounts"
                     " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    async with FakeZaloApi() as zalo:
        await drain(db, repos, zalo, clock)
    assert zalo.texts_to(uid) == ["Nhắc nhở\n\n  1. Bắt đầu viết"]  # once, not retried
    assert (await repos.outbox.get("r:1")).status == "sent"
