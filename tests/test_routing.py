"""The router: forged buttons, commands and other buttons while a question is open, the
one stored "awaiting" state (expiry, restarts), and capabilities declared once."""

from __future__ import annotations

import pytest

from bot.demo_reviews import sample_review
from conversations.assistant import CAPABILITIES, Assistant, Router
from conversations.core.capability import Capability
from conversations.core.context import AssistantConfig
from tests.secretary_helpers import link

STALE = "Nút này không còn hiệu lực."
FORGED = (
    "pg:²", "pg:²:0", "al:digest:²", "sr:open:99999999999999999999999", "pgc:²",
    "invite-page:²", "invite:²", "bc:cell:²", "bc:unr:²", "lang:²", "rv:²", "::", "pg:1:2:3",
    "sr.open:99999999999999999999999", "al.digest:²", "al.digest:99", "al.set:never",
    "pg:99999999999999999999999:0", "inv.page:²", "inv.code:-1", "bc.cell:²", "bc.aud:nobody",
    "cp.zzz", "ex:²", "rm:²", "rmok:1x", "progress:1", "review:1", "menu:",
)


@pytest.mark.parametrize("who", ["Trần Văn Đức", "Bùi Thị Mai", "Nguyễn Thị Hồng Nhung"])
async def test_forged_buttons_are_answered_never_a_traceback(repos, clock, org, chat_factory,
                                                             who):
    chat = chat_factory(await link(repos, clock, org[who]), "telegram")
    await chat.say("/broadcast")  # admins: a composition is open as well
    for data in FORGED:
        replies = await chat.press(data)
        assert replies and all(r.text for r in replies), data


async def test_a_typed_superscript_digit_is_not_a_choice_number(repos, clock, org,
                                                                  chat_factory):
    chat = chat_factory(await link(repos, clock, org["Trần Văn Đức"], "console"), "console")
    await chat.say("/help")  # a numbered menu is remembered
    assert await chat.say("²")


async def _secretary_asked(repos, clock, forms, org, chat_factory):
    review = await sample_review(repos, forms, org["Nguyễn Thị Hồng Nhung"], clock())
    chat = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await chat.say("/progress")
    await chat.press(next(a for a in chat.actions() if a.startswith("sr.open:")))
    await chat.press(next(a for a in chat.actions() if a.startswith("sr.ret:")))
    return chat, review


async def _admin(repos, clock, org, chat_factory):
    return chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")


async def _awaiting(repos, chat):
    account = await repos.accounts.get("telegram", chat.user_id)
    return await repos.accounts.awaiting(account.id)


async def test_a_command_in_every_state_closes_the_question(repos, clock, forms, org,
                                                            chat_factory):
    admin = await _admin(repos, clock, org, chat_factory)
    account = await repos.accounts.get("telegram", admin.user_id)
    ways_in = {  # typed or pressed to reach each state from the previous one
        ("campaigns", "name"): ["/campaign", "cp.new"],
        ("campaigns", "cells"): ["Kiểm điểm năm 2026"],
        ("campaigns", "committee"): ["/campaign", "28/11/2026"],
        ("broadcasts", "text"): ["/broadcast"],
        ("broadcasts", "document"): ["Thông báo"],
    }
    for (capability, argument), steps in ways_in.items():
        for step in steps:
            if step.startswith("cp."):
                await admin.press(next(a for a in admin.actions() if a.startswith(step)))
            else:
                await admin.say(step)
        for command in ("/help", "/nonsense"):
            asked = await _awaiting(repos, admin)
            assert (asked.capability, asked.argument) == (capability, argument)
            assert await admin.say(command)
            assert await _awaiting(repos, admin) is None
            await admin.say("/campaign" if capability == "campaigns" else "/broadcasts")
            if capability == "broadcasts":  # the list does not resume: ask again
                await admin.say("/broadcast")
                if argument == "document":
                    await admin.say("Thông báo")
    campaign = await repos.campaigns.draft(account.id)
    assert (campaign["name"], campaign["step"]) == ("Kiểm điểm năm 2026", "committee")

    secretary, review = await _secretary_asked(repos, clock, forms, org, chat_factory)
    assert (await _awaiting(repos, secretary)).capability == "secretary"
    await secretary.say("/help")
    await secretary.say("Không phải ý kiến")
    assert (await repos.reviews.get(review.id)).status == "submitted"


async def test_a_button_of_another_capability_while_a_draft_waits_for_text(
        repos, clock, org, chat_factory):
    admin = await _admin(repos, clock, org, chat_factory)
    await admin.say("/broadcast")
    await admin.say("/progress")  # the committee's progress, from the secretaries' desk
    await admin.press(next(a for a in admin.actions() if a.startswith("pg:")))
    assert "kiểm điểm năm 2026" in admin.text
    await admin.say("Đây là tin nhắn khác, không phải thông báo.")
    draft = await repos.broadcasts.draft(org["Bùi Thị Mai"].id)
    assert draft["step"] == "text" and "text" not in draft  # not taken as the announcement
    assert await _awaiting(repos, admin) is None


async def test_an_old_question_expires(repos, clock, forms, org, chat_factory):
    secretary, review = await _secretary_asked(repos, clock, forms, org, chat_factory)
    clock.advance(hours=2)
    await secretary.say("Ý kiến gửi quá muộn")
    assert (await repos.reviews.get(review.id)).status == "submitted"
    assert await _awaiting(repos, secretary) is None


async def test_the_question_survives_a_restart(repos, clock, forms, org, chat_factory):
    admin = await _admin(repos, clock, org, chat_factory)
    await admin.say("/campaign")
    await admin.press(next(a for a in admin.actions() if a.startswith("cp.new")))
    restarted = Assistant(repos, forms, AssistantConfig(), clock)
    admin.assistant = restarted
    await admin.say("Kiểm điểm năm 2026")
    account = await repos.accounts.get("telegram", admin.user_id)
    assert (await repos.campaigns.draft(account.id))["name"] == "Kiểm điểm năm 2026"


async def test_a_sticker_leaves_the_question_open(repos, clock, forms, org, chat_factory):
    secretary, review = await _secretary_asked(repos, clock, forms, org, chat_factory)
    await secretary.sticker()
    await secretary.say("Bổ sung phần tự phê bình.")
    returned = await repos.reviews.get(review.id)
    assert (returned.status, returned.return_comment) == ("returned",
                                                           "Bổ sung phần tự phê bình.")


def test_commands_and_prefixes_are_declared_once():
    twice = Capability("twin", commands={"progress": CAPABILITIES[2].commands["progress"]})
    with pytest.raises(ValueError, match="progress"):
        Router((*CAPABILITIES, twice))
    with pytest.raises(ValueError, match="review"):
        Router((*CAPABILITIES, CAPABILITIES[-1]))
