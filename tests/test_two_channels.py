"""One person on two channels: one draft, one submission, and every message the bot sends
on its own goes to one account — the chosen channel, else the one used last."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.assistant import Assistant
from conversations.broadcasts.plan import Audience, create_broadcast, plan
from conversations.broadcasts.report import report_text
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.core.channel_choice import CHANNEL_CHOICE, SetChannel
from conversations.core.context import AssistantConfig
from conversations.core.i18n import Formatter
from conversations.core.replies import Incoming, Kind
from conversations.review.actions import Confirm, Done, Propose, Skip, Submit
from tests.conftest import Chat
from tests.review_helpers import SCORES, answer_for, answer_questions, press
from tests.secretary_helpers import link, outbox


class ZaloChat(Chat):
    """A message from Zalo: no buttons are shown there (the test presses the actions a
    typed choice stands for)."""

    async def _send(self, kind: Kind, text: str):
        self.last = await self.assistant.handle(Incoming(
            "zalo", self.user_id, self.user_id, kind, text, has_buttons=False))
        return self.last


async def _chosen(repos, member) -> str | None:
    account = await repos.accounts.chat_account(member.id)
    return account.channel if account else None


async def _say_on(assistant: Assistant, channel: str, member, text: str = "/help") -> None:
    uid = f"u{member.id}"
    await assistant.handle(Incoming(channel, uid, uid, Kind.TEXT, text,
                                    has_buttons=channel == "telegram"))


async def _answer(chat, items) -> None:
    for item in items:
        if item.kind == "score":
            await chat.say(SCORES[item.key])
        elif not item.required:
            await press(chat, Skip(item.key))
        else:
            await chat.say(answer_for(item.key))
            await press(chat, Done(item.key))


async def test_started_on_telegram_finished_on_zalo_is_one_submission_and_one_alert(
        repos, forms, clock, org):
    assistant = Assistant(repos, forms, AssistantConfig(), clock)
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    await link(repos, clock, duc, "zalo")
    await link(repos, clock, duc, "telegram")
    await _say_on(assistant, "zalo", duc)  # the secretary last wrote on Zalo
    uid = await link(repos, clock, nhung, "telegram")
    await link(repos, clock, nhung, "zalo")
    form = forms.get(forms.default_version, nhung.form)
    telegram = Chat(assistant, uid, "telegram")
    await telegram.say("/review")
    half = len(form.items) // 2
    await _answer(telegram, form.items[:half])  # the first half on Telegram
    draft = await repos.reviews.of_member(nhung.id, 2026)
    assert draft is not None and draft.status == "draft"

    zalo = ZaloChat(assistant, uid, "zalo")
    await zalo.say("/review")  # the same draft, at the item the member had reached
    assert form.items[half].title("vi") in zalo.text
    await _answer(zalo, form.items[half:])
    await answer_questions(zalo, form)
    await press(zalo, Propose("level", "good"))
    await press(zalo, Submit("summary"))
    await press(zalo, Confirm("summary"))

    rows = await repos.db.fetchall("SELECT id, status FROM reviews WHERE member_id = ?",
                                   (nhung.id,))
    assert [r["id"] for r in rows] == [draft.id] and rows[0]["status"] == "submitted"
    alerts = await outbox(repos, "alert")
    assert [m for m, _chat, _reply in alerts] == [duc.id]
    sent_on = await repos.db.fetchall("SELECT channel FROM outbox WHERE kind = 'alert'")
    assert [r["channel"] for r in sent_on] == ["zalo"]


async def test_messages_go_to_the_channel_used_last(repos, forms, clock, org):
    assistant = Assistant(repos, forms, AssistantConfig(), clock)
    duc = org["Trần Văn Đức"]
    await link(repos, clock, duc, "telegram")
    clock.advance(minutes=1)
    await link(repos, clock, duc, "zalo")  # binding on Zalo: Zalo is in use
    assert await _chosen(repos, duc) == "zalo"
    clock.advance(minutes=1)
    await _say_on(assistant, "telegram", duc)
    assert await _chosen(repos, duc) == "telegram"
    await _say_on(assistant, "zalo", duc)  # the same minute: the order still follows use
    assert await _chosen(repos, duc) == "zalo"


async def test_only_a_change_of_channel_writes_the_last_seen_time(repos, forms, clock, org):
    assistant = Assistant(repos, forms, AssistantConfig(), clock)
    duc = org["Trần Văn Đức"]
    await link(repos, clock, duc, "telegram")
    await link(repos, clock, duc, "zalo")

    async def seen() -> dict[str, str]:
        rows = await repos.db.fetchall(
            "SELECT channel, last_seen_at FROM accounts WHERE member_id = ?", (duc.id,))
        return {r["channel"]: r["last_seen_at"] for r in rows}

    clock.advance(minutes=5)
    await _say_on(assistant, "telegram", duc)
    after_switch = await seen()
    clock.advance(minutes=5)
    await _say_on(assistant, "telegram", duc)
    await _say_on(assistant, "telegram", duc, "/language")
    assert await seen() == after_switch  # still the latest: nothing written


async def test_a_chosen_channel_wins_unless_it_is_blocked(repos, clock, org):
    duc = org["Trần Văn Đức"]
    await link(repos, clock, duc, "telegram")
    clock.advance(minutes=1)
    await link(repos, clock, duc, "zalo")
    await repos.accounts.set_notify_channel(duc.id, "telegram")
    assert await _chosen(repos, duc) == "telegram"
    await repos.db.execute("UPDATE accounts SET blocked_at = '2026-11-23T02:00:00.000000Z'"
                           " WHERE member_id = ? AND channel = 'telegram'", (duc.id,))
    assert await _chosen(repos, duc) == "zalo"
    await repos.accounts.set_notify_channel(duc.id, None)
    with pytest.raises(ValueError):
        await repos.accounts.set_notify_channel(duc.id, "fax")


async def test_reminders_digests_and_broadcasts_follow_the_same_rule(repos, forms, clock, org):
    tuan, duc = org["Lê Minh Tuấn"], org["Trần Văn Đức"]
    for member in (tuan, duc):
        await link(repos, clock, member, "telegram")
        clock.advance(minutes=1)
        await link(repos, clock, member, "zalo")
    await repos.accounts.set_notify_channel(duc.id, "telegram")
    committee = (await repos.org.committees())[0]
    campaign = await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), clock())
    pending = {p.member_id: p.channel
               for p in await repos.campaigns.pending(campaign.id, [tuan.cell_id])}
    assert pending[tuan.id] == "zalo" and pending[duc.id] == "telegram"
    leaders = {lead.member_id: lead.channel for lead in await repos.campaigns.leaders(
        committee.id)}
    assert leaders[duc.id] == "telegram"
    planned = await plan(repos, committee.id, Audience("all"))
    chosen = {m.id: a.channel if a else None for m, a in planned.members}
    assert chosen[tuan.id] == "zalo" and chosen[duc.id] == "telegram"
    assert chosen[org["Đặng Quốc Bảo"].id] is None


async def test_kenh_sets_where_messages_go(repos, chat_factory, clock, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    uid = await link(repos, clock, nhung, "telegram")
    chat = chat_factory(uid, "telegram")
    await chat.say("/kenh")
    assert "qua kênh nào" in chat.text
    assert chat.actions() == [CHANNEL_CHOICE.pack(SetChannel(c))
                              for c in ("telegram", "zalo", "last")]
    assert "✓ Kênh tôi dùng gần nhất" in [c.label for r in chat.last for c in r.flat_choices]
    await chat.press(CHANNEL_CHOICE.pack(SetChannel("zalo")))
    assert "qua Zalo" in chat.text and "chưa gắn tài khoản Zalo" in chat.text
    assert await repos.accounts.notify_channel(nhung.id) == "zalo"
    assert await _chosen(repos, nhung) == "telegram"  # no Zalo account: the one there is
    await chat.say("/kenh last")
    assert "kênh đồng chí dùng gần nhất" in chat.text
    assert await repos.accounts.notify_channel(nhung.id) is None
    await chat.say("/kenh fax")  # not a channel: the choices again
    assert "qua kênh nào" in chat.text
    stranger = chat_factory("nobody", "zalo")
    await stranger.say("/kenh zalo")
    assert stranger.last and "qua Zalo" not in stranger.text


async def test_broadcast_report_counts_zalo_and_telegram_apart(repos, forms, clock, org):
    tuan, duc, nhung = org["Lê Minh Tuấn"], org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    await link(repos, clock, tuan, "zalo")
    await link(repos, clock, duc, "telegram")
    await link(repos, clock, nhung, "zalo")
    committee = (await repos.org.committees())[0]
    audience = Audience("cells", (tuan.cell_id,))
    planned = await plan(repos, committee.id, audience)
    broadcast_id, _added = await create_broadcast(
        repos, committee_id=committee.id, committee=committee.name, author_id=None,
        text="Họp chi bộ", html=False, attachment=None, audience=audience, plan_=planned,
        report=None, now=clock())
    await repos.db.execute("UPDATE outbox SET status = 'sent' WHERE kind = 'broadcast'"
                           " AND member_id IN (?, ?)", (duc.id, nhung.id))
    assert await repos.broadcasts.sent_by_channel(broadcast_id) == {"telegram": 1, "zalo": 1}
    fmt = Formatter("vi", committee.timezone)
    broadcast = await repos.broadcasts.get(broadcast_id)
    counts = await repos.broadcasts.counts(broadcast_id)
    text = report_text(fmt, broadcast, counts, await repos.broadcasts.sent_by_channel(
        broadcast_id))
    assert "Đã gửi theo kênh: Telegram 1 · Zalo 1" in text
    assert "theo kênh" not in report_text(fmt, broadcast, counts, {"telegram": 2})
