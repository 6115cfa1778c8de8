"""The review's declared flow: the diagram is drawn from it, and the dialogue obeys it."""

from __future__ import annotations

import pytest

from conversations.core.actions import MAX_BYTES, ActionError
from conversations.forms.library import MAX_KEY_BYTES, STEP_PREFIX_BYTES
from conversations.review import flow
from conversations.review.actions import REVIEW, Goto, Keep, Pick, Propose, YesNo
from conversations.review.dialogue import HANDLERS
from tests.review_helpers import data
from tests.test_review import member_chat, people  # noqa: F401  (fixtures)


def test_dialogue_md_is_drawn_from_the_declared_flow():
    markdown = flow.DIAGRAM.read_text(encoding="utf-8")
    assert flow.with_diagram(markdown) == markdown, (
        "conversations/review/dialogue.md is out of date: run "
        "`python -m conversations.review.flow`")
    assert flow.mermaid() in markdown


def test_each_state_accepts_exactly_the_buttons_of_its_arrows():
    for state in flow.STATES:
        drawn = {t for tr in flow.TRANSITIONS if tr.source == state.name for t in tr.on
                 if not isinstance(t, str)}
        everywhere = set(flow.EVERYWHERE_IN_DRAFT) if state.name not in (
            flow.SUBMITTED, flow.ACCEPTED) else set()
        assert set(state.accepts) <= drawn <= set(state.accepts) | everywhere, state.name
    kinds = {kind for state in flow.STATES for kind in state.accepts}
    assert kinds | set(flow.EVERYWHERE_IN_DRAFT) == set(HANDLERS)
    assert {kind.prefix for kind in HANDLERS} == REVIEW.prefixes


def test_the_longest_button_fits_with_the_longest_keys_a_form_may_have():
    key, other = "k" * MAX_KEY_BYTES, "o" * MAX_KEY_BYTES
    question = "dq." + "q" * (MAX_KEY_BYTES - STEP_PREFIX_BYTES)
    for action in (Goto(key, other), Goto(question, key), Pick(key, other),
                   YesNo(question, "yes"), Propose("level", other)):
        assert len(REVIEW.pack(action).encode()) <= MAX_BYTES
    with pytest.raises(ActionError):
        REVIEW.pack(Goto(key + "k", other + "o"))  # one byte more each: 65


async def test_a_button_the_state_does_not_accept_shows_the_step_again(
    member_chat, forms, repos, people  # noqa: F811
):
    """Forged buttons carrying the current item's step: «level» once set the level there,
    «keep» moved on from an empty required text item."""
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    first = form.items[0]
    await chat.press(data(Propose(first.key, "not_done")))
    await chat.press(data(YesNo(first.key, "yes")))
    await chat.press(data(Keep(first.key)))
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.level is None and review.answers == {} and review.position == first.key
    assert first.title("vi") in chat.text  # the current step again
