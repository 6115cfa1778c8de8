"""Item kinds through the dialogue: odd digits, resent messages, empty text, a new kind."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document as open_docx

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.forms.kinds import KINDS, Asked, ItemKind, Parsed
from conversations.forms.library import load_forms
from conversations.forms.model import Item, Reader
from conversations.review.actions import Done, Propose, Skip, Submit
from storage.reviews import Answer
from tests.review_helpers import SCORES, answer_for, answer_questions, data, press
from tests.test_forms import _bound_chat, own_version, write
from tests.test_review import member_chat, people  # noqa: F401  (fixtures)

SCORE_RULE = "Điểm phải là số nguyên từ 0 đến 30."


async def _at_first_score(chat, form) -> None:
    await chat.say("/review")
    for item in form.items:
        if item.kind == "score":
            return
        if item.required:
            await chat.say(answer_for(item.key))
            await press(chat, Done(item.key))
        else:
            await press(chat, Skip(item.key))


@pytest.mark.parametrize("typed", ["²", "٣", "１２", "2²", "9" * 5000, "３０", "+5", "0x1"])
async def test_odd_digits_at_a_score_get_the_score_rule(typed, member_chat, forms, repos,  # noqa: F811
                                                       people):  # noqa: F811
    """'²' is a digit to str.isdigit() but not to int(): it crashed the dialogue."""
    chat = await member_chat("2B", channel="console")
    form = forms.get(forms.default_version, "2B")
    await _at_first_score(chat, form)
    await chat.say(typed)
    assert SCORE_RULE in chat.text
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.position == form.score_items[0].key
    assert form.score_items[0].key not in review.answers
    await chat.say("27")  # the rule is followed: on to the next score
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.answers[form.score_items[0].key] == Answer(score=27)


async def test_a_resent_answer_is_acknowledged_not_appended(member_chat, forms, repos, people,  # noqa: F811
                                                            clock):
    """The reply to a text was lost (429) and the member sends it again, or it is replayed."""
    chat = await member_chat("2B")
    first = forms.get(forms.default_version, "2B").items[0]

    async def saved() -> str:
        return (await repos.reviews.of_member(people["2B"].id, 2026)).answers[first.key].text

    await chat.say("/review")
    await chat.say("Đoạn một.")
    clock.advance(seconds=5)
    await chat.say("Đoạn một.")
    assert await saved() == "Đoạn một."
    assert "đã được lưu (tổng cộng 9 ký tự) nên không ghi thêm" in chat.text
    assert data(Done(first.key)) in chat.actions()
    await chat.say("Đoạn hai.")
    clock.advance(seconds=29)
    await chat.say("Đoạn hai.")  # the last message again: still within the window
    assert await saved() == "Đoạn một.\nĐoạn hai."
    clock.advance(seconds=31)
    await chat.say("Đoạn hai.")  # long after: the member means it
    assert await saved() == "Đoạn một.\nĐoạn hai.\nĐoạn hai."
    await chat.say("Đoạn một.")  # an earlier message, not the last one: appended
    assert await saved() == "Đoạn một.\nĐoạn hai.\nĐoạn hai.\nĐoạn một."


async def test_an_empty_message_never_replaces_the_text(member_chat, forms, repos, people):  # noqa: F811
    chat = await member_chat("2B", channel="console")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    await chat.say("Nội dung đã viết.")
    await chat.say("xong")
    await chat.say("quay lại")  # back at item 1: the next message would replace the text
    await chat.say("   ")
    assert "Tin nhắn trống không được lưu" in chat.text
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.answers[form.items[0].key].text == "Nội dung đã viết."


class YearKind(ItemKind):
    """A kind the forms do not have yet: a year, to show one class is all a kind needs."""

    name = "year"

    def load(self, read: Reader) -> dict[str, Any]:
        return {"max": read.require("max", int)}  # the latest year allowed

    def ask(self, _, item: Item, answer, *, appending: bool, language: str) -> Asked:
        return Asked((f"(≤ {item.max})",))

    def parse_text(self, _, item: Item, text: str) -> Parsed:
        if text.isascii() and text.isdigit() and 1900 <= int(text) <= (item.max or 0):
            return Parsed(Answer(text))
        return Parsed(refusal=f"1900–{item.max}")

    def printed(self, item: Item, answer: Answer) -> str:
        return f"Năm {answer.text}"


YEAR_ITEM = """
[[items]]
key = "A.VI.joined"
section = "A.VI"
number = "2"
kind = "year"
max = 2026
title = "Năm vào Đảng"
hint = "Ghi năm được kết nạp."
"""


async def in_this_process(fn, *args):
    return fn(*args)


async def test_a_new_kind_is_one_class(tmp_path, monkeypatch, repos, clock, org):
    monkeypatch.setitem(KINDS, "year", YearKind())
    write(tmp_path / "forms", "year.toml", own_version("year-2026", YEAR_ITEM))
    library = load_forms(tmp_path / "forms")
    form = library.get("year-2026", "2B")
    # the kind is registered in this process only (a real one is registered in code, so
    # the worker processes know it too): its printable is built here
    assistant = Assistant(repos, library, AssistantConfig(), clock, run_heavy=in_this_process)
    chat = await _bound_chat(assistant, repos, clock, org["Nguyễn Thị Hồng Nhung"], "u-year")
    await chat.say("/review")
    for item in form.items:
        if item.kind == "year":
            await chat.say("1890")
            assert "1900–2026" in chat.text
            await chat.say("1995")
        elif item.kind == "score":
            await chat.say(SCORES[item.key])
        elif item.required:
            await chat.say(answer_for(item.key))
            await press(chat, Done(item.key))
        else:
            await press(chat, Skip(item.key))
    await answer_questions(chat, form)
    await press(chat, Propose("level", "good"))
    assert "2. Năm vào Đảng\n1995" in chat.text  # the summary line
    await press(chat, Submit("summary"))
    await chat.press(chat.actions()[0])  # «Yes, submit»
    document = next(r.document for r in chat.last if r.document)
    paragraphs = [p.text for p in open_docx(io.BytesIO(document.content)).paragraphs]
    assert paragraphs[paragraphs.index("2. Năm vào Đảng") + 1] == "Năm 1995"
