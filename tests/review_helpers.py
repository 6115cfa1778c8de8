"""Driving a whole self-review through the dialogue, as a member would."""

from __future__ import annotations

from conversations.forms.library import FormDef
from conversations.review.actions import (
    REVIEW,
    Confirm,
    Done,
    Propose,
    ReviewAction,
    Skip,
    Submit,
    YesNo,
)

SCORES = {"B.I.general": "27", "B.I.tasks": "58"}  # 85: "Hoàn thành tốt nhiệm vụ"


def answer_for(item_key: str) -> str:
    return f"Nội dung mục {item_key}: đồng chí đã thực hiện nghiêm túc, đầy đủ."


def data(action: ReviewAction) -> str:
    """The button data the dialogue puts on a button for this action."""
    return REVIEW.pack(action)


async def press(chat, action: ReviewAction):
    return await chat.press(data(action))


async def answer_items(chat, form: FormDef, *, skip_optional: bool = True) -> None:
    """From the first item to the questions before the rating."""
    for item in form.items:
        step = item.key
        if item.kind == "score":
            await chat.say(SCORES[item.key])
        elif not item.required and skip_optional:
            await press(chat, Skip(step))
        else:
            await chat.say(answer_for(item.key))
            await press(chat, Done(step))


async def answer_questions(chat, form: FormDef, answer: str = "no") -> None:
    for d in form.disqualifiers:
        await press(chat, YesNo(f"dq.{d.key}", answer))


async def complete_and_submit(chat, form: FormDef, level: str = "good") -> None:
    await chat.say("/review")
    await answer_items(chat, form)
    await answer_questions(chat, form)
    await press(chat, Propose("level", level))
    await press(chat, Submit("summary"))
    await press(chat, Confirm("summary"))


async def type_items(chat, form: FormDef) -> None:
    """From /review to the questions before the rating, typed only (console, Zalo)."""
    await chat.say("/review")
    for item in form.items:
        if item.kind == "score":
            await chat.say(SCORES[item.key])
        elif item.required:
            await chat.say(answer_for(item.key))
            await chat.say("xong")
        else:
            await chat.say("bỏ qua")
