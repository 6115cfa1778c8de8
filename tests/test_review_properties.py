"""Random conversations against the real assistant on a real SQLite file (Hypothesis).

Two members talk at once: A on Telegram (buttons), B on a text-only channel (numbers and
keywords). Whatever they send, in any order, the dialogue must hold its promises.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.text import fold
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.review.actions import Confirm, Done, Goto, Propose, Submit, YesNo
from conversations.review.steps import DQ, LEVEL, SUMMARY, missing, steps
from storage.db import open_database
from storage.repos import Repos
from tests.conftest import COMMITTEE, Chat, Clock, record
from tests.review_helpers import SCORES, answer_for, data

FORMS = load_forms(BUILTIN_FORMS_DIR)
VERSION = FORMS.default_version
PEOPLE = {"A": record("Chi bộ 1", "Nguyễn Thị Hồng Nhung", "1985-07-02", "2B"),
          "B": record("Chi bộ 2", "Lê Minh Tuấn", "1950-11-20", "2C")}
CHANNELS = {"A": "telegram", "B": "console"}
ALL_STEPS = sorted({s for code in ("2A", "2B", "2C") for s in steps(FORMS.get(VERSION, code))})
VERBS = ["done", "skip", "pick", "keep", "dq", "lvl", "back", "goto", "toc", "sum", "submit",
         "confirm", "view", "copy", "nope"]
ARGS = ["", "yes", "no", "excellent", "good", "done", "not_done", "A.I.1", "summary", "level",
        "dq.disciplined", "x:y", "²", "A.I.1:A.I.2"]
DONE_WORDS = {"xong", "done"}

texts = st.one_of(
    st.sampled_from(["xong", "bỏ qua", "quay lại", "giữ nguyên", "danh sách", "1", "2", "3",
                     "27", "58", "30", "70", "100", "-1", "0", "", " ", "Không có",
                     "²", "٣", "１２", "9" * 5000]),
    st.integers(-5, 120).map(str),
    st.text(max_size=40),
    st.integers(9_000, 12_000).map(lambda n: "dài " * (n // 4)),  # near the length limit
)
# well-formed, stale and forged review buttons; the old `rv:` shape too
rv_data = st.builds(lambda p, v, s, a: f"{p}{v}:{s}" + (f":{a}" if a else ""),
                    st.sampled_from(["rv.", "rv.", "rv:"]),
                    st.sampled_from(VERBS), st.sampled_from([*ALL_STEPS, "", "zzz"]),
                    st.sampled_from(ARGS))
other_data = st.one_of(
    st.sampled_from(["menu", "help", "language", "lang:en", "lang:vi", "lang:fr", "invite",
                     "invite:1", "invite-page:x", "review", "rv", "rv:", "rv::", ":", ""]),
    st.text(max_size=30),
)
who = st.sampled_from(["A", "A", "A", "B"])
operations = st.one_of(
    st.tuples(st.just("say"), who, texts),
    st.tuples(st.just("shown"), who, st.integers(0, 20)),  # a button of the last answer
    st.tuples(st.just("press"), who, rv_data),
    st.tuples(st.just("press"), who, other_data),
    st.tuples(st.just("say"), who, st.sampled_from(
        ["/review", "/copy", "/start", "/help", "/language en", "/language vi"])),
    st.tuples(st.just("sticker"), who, st.none()),
    # what a diligent member would do now, a few steps in a row
    st.tuples(st.just("advance"), who, st.integers(1, 25)),
    st.tuples(st.just("advance"), st.just("A"), st.integers(5, 25)),
)


@dataclass
class Person:
    chat: Chat
    member_id: int
    code: str


async def _advance(person: Person, review) -> None:
    """Answer the current step properly, so that random runs also reach the end."""
    chat, form = person.chat, FORMS.get(VERSION, person.code)
    if review is None or not review.editable:
        await chat.say("/review")
        return
    step = review.position
    if step == SUMMARY:
        gaps = missing(form, review)
        await chat.press(data(Goto(SUMMARY, gaps[0]) if gaps else Submit(SUMMARY)))
        if not gaps:
            await chat.press(data(Confirm(SUMMARY)))
    elif step == LEVEL:
        await chat.press(data(Propose(LEVEL, "good")))
    elif step.startswith(DQ):
        await chat.press(data(YesNo(step, "no")))
    elif form.item(step).kind == "score":
        await chat.say(SCORES[step])
    else:
        await chat.say(answer_for(step))
        await chat.press(data(Done(step)))


async def _setup(folder: Path):
    db = await open_database(folder / "prop.sqlite3")
    repos = Repos.of(db)
    clock = Clock()
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, list(PEOPLE.values()))
    members = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    assistant = Assistant(repos, FORMS, AssistantConfig(), clock)
    people = {}
    for key, rec in PEOPLE.items():
        chat = Chat(assistant, f"user-{key}", CHANNELS[key])
        account = await repos.accounts.ensure(chat.channel, chat.user_id, chat.user_id, clock())
        member = members[rec.full_name]
        await repos.accounts.bind(account.id, member.id, clock())
        people[key] = Person(chat, member.id, rec.form)
    return db, repos, people


async def _run(ops) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db, repos, people = await _setup(Path(folder))
        try:
            for kind, key, arg in ops:
                for _n in range(arg if kind == "advance" else 1):
                    await _step(repos, people, (kind, key, arg))
            review = await repos.reviews.of_member(people["A"].member_id, 2026)
            event(f"A's review at the end: {review.status if review else 'not started'}")
        finally:
            await db.close()


async def _step(repos, people, op) -> None:
    kind, key, arg = op
    person = people[key]
    other = people["B" if key == "A" else "A"]
    chat = person.chat
    before = await repos.reviews.of_member(person.member_id, 2026)
    other_before = await repos.reviews.of_member(other.member_id, 2026)
    shown = chat.actions()
    if kind == "say":
        replies = await chat.say(arg)
    elif kind == "press":
        replies = await chat.press(arg)
    elif kind == "shown":
        replies = await chat.press(shown[arg % len(shown)] if shown else "menu")
    elif kind == "sticker":
        replies = await chat.sticker()
    else:
        await _advance(person, before)
        replies = chat.last
    assert replies, f"no reply to {op}"
    assert all(r.text or r.document for r in replies)

    after = await repos.reviews.of_member(person.member_id, 2026)
    assert await repos.reviews.of_member(other.member_id, 2026) == other_before
    if after is None:
        return
    form = FORMS.get(after.form_version, after.form_code)
    if after.status == "submitted":
        assert missing(form, after) == []
    if before is None:
        assert after.answers == {}
        return
    assert after.form_version == before.form_version and after.form_code == before.form_code
    changed = {k for k in {*before.answers, *after.answers}
               if before.answers.get(k) != after.answers.get(k)}
    if not before.editable:
        assert not changed and after.status == before.status
    if kind not in ("say", "press", "shown", "advance"):
        assert not changed
    # an answer changes only for the item the member is on
    assert changed <= {before.position}, (op, before.position, changed)
    item = next((i for i in form.items if i.key == before.position), None)
    done = (kind == "say" and fold(arg or "") in DONE_WORDS) or (
        kind in ("press", "shown") and before.editable
        and (arg if kind == "press" else shown[arg % len(shown)] if shown else "")
        == data(Done(before.position)))
    if done and item is not None and item.kind == "text" and item.required \
            and before.position not in _answered(form, before):
        assert after.position == before.position, op


def _answered(form, review) -> set[str]:
    return {item.key for item in form.items
            if (a := review.answers.get(item.key)) and (a.skipped or a.text.strip())}


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(operations, min_size=1, max_size=30))
def test_random_conversations_keep_the_dialogue_promises(ops):
    asyncio.run(_run(ops))
