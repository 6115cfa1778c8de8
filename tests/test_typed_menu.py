"""Choices of messages the bot sends on its own, on text-only channels: they become what a
typed number picks, except while the person is writing."""

from __future__ import annotations

from conversations.core.replies import Choice, Reply, rows
from conversations.core.typed_menu import remember_sent
from tests.secretary_helpers import link

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
