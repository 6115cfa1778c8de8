"""The self-review's states and transitions as data, and the Mermaid diagram drawn from them.

The dialogue dispatches through `STATES` (an action a state does not accept gets the
current step again), and tests/test_review_flow.py compares `mermaid()` with
conversations/review/dialogue.md, so the picture cannot drift from the code. After
changing the flow, regenerate the diagram: `python -m conversations.review.flow`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from conversations.review import steps as rs
from conversations.review.actions import (
    Back,
    Confirm,
    Contents,
    Copy,
    Done,
    Goto,
    Keep,
    Pick,
    Propose,
    Replace,
    ReviewAction,
    Skip,
    Store,
    Submit,
    ToSummary,
    View,
    YesNo,
)
from storage.reviews import Review

DIAGRAM = Path(__file__).with_name("dialogue.md")
START = "[*]"
TYPED = "typed text"  # an event that is not a button

Trigger = type[ReviewAction] | str


@dataclass(frozen=True)
class State:
    name: str
    title: str
    accepts: tuple[type[ReviewAction], ...]  # buttons answered here; others: the step again


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    on: tuple[Trigger, ...]
    note: str = ""

    @property
    def label(self) -> str:
        names = [t if isinstance(t, str) else verb(t) for t in self.on]
        return " → ".join(part for part in (" · ".join(names), self.note) if part)


def verb(action: type[ReviewAction]) -> str:
    return action.prefix.removeprefix("rv.")


ITEM, QUESTIONS, LEVEL, SUMMARY = "Item", "Questions", "Level", "Summary"
SUBMITTED, ACCEPTED = "Submitted", "Accepted"
LOCKED: tuple[type[ReviewAction], ...] = (View, Copy)
# In every state of a draft: the list of items, a jump to one of them, the summary, and
# the buttons of the locked notice (a review returned after it was sent).
EVERYWHERE_IN_DRAFT: tuple[type[ReviewAction], ...] = (Contents, Goto, ToSummary, *LOCKED)

STATES = (
    State(ITEM, "Item n of N (text, choice or score)",
          (Done, Skip, Pick, Keep, Store, Replace, Back)),
    State(QUESTIONS, "Questions before the rating (dq.*)", (YesNo, Back)),
    State(LEVEL, "Proposed level (total, level by the score, ceiling)", (Propose, Back)),
    State(SUMMARY, "Summary (every answer, rating block, what is missing)",
          (Back, Submit, Confirm)),
    State(SUBMITTED, "Submitted and locked (other buttons → the locked notice)", LOCKED),
    State(ACCEPTED, "Accepted by the cell secretary (locked)", LOCKED),
)
BY_NAME = {state.name: state for state in STATES}

TRANSITIONS = (
    Transition(START, ITEM, ("/review",), "a draft on the default form version"),
    Transition(ITEM, ITEM, (TYPED,), "saved at once, later messages appended, also on an item "
               "reopened (the same text again within 30 s is acknowledged, not added twice)"),
    Transition(ITEM, ITEM, (Replace,), "the next message replaces the recorded text"),
    Transition(ITEM, ITEM, (TYPED, Done), "asked again (a bad score, text at a choice, "
               "an empty required item)"),
    Transition(ITEM, ITEM, (TYPED,), "a reply like «1», «ok», «👍»: asked whether it is the "
               "content, not saved; «xong rồi», «Xong.», «hết» are «done»"),
    Transition(ITEM, ITEM, (Store,), "the short reply asked about, saved after all"),
    Transition(ITEM, ITEM, (Done, Skip, Pick, Keep, "a typed score"), "next item"),
    Transition(ITEM, ITEM, (Back,), "previous item"),
    Transition(ITEM, QUESTIONS, (), "after the last item"),
    Transition(ITEM, SUMMARY, (), "after an item opened from the list or the summary, "
               "when nothing else is missing (else the next missing step)"),
    Transition(QUESTIONS, QUESTIONS, (YesNo, "typed có / không / ko / k"),
               "next question, also when opened from the summary (clears the level)"),
    Transition(QUESTIONS, ITEM, (Back,), "from the first question"),
    Transition(QUESTIONS, LEVEL, (), "after the last question"),
    Transition(LEVEL, LEVEL, (Propose,), "refused with the reason, above the score or the cap"),
    Transition(LEVEL, QUESTIONS, (Back,)),
    Transition(LEVEL, SUMMARY, (Propose,), "within the ceiling"),
    Transition(SUMMARY, ITEM, (Goto,), "the first missing item, or one from the list (toc)"),
    Transition(SUMMARY, LEVEL, (Back,)),
    Transition(SUMMARY, SUMMARY, (Submit,), "«Submit now?», only when nothing is missing"),
    Transition(SUMMARY, SUMMARY, (Copy,), "a printable draft marked «BẢN NHÁP», not for "
               "signing"),
    Transition(SUMMARY, SUMMARY, (Confirm,), "refused while something is missing or the "
               "campaign is closed"),
    Transition(SUMMARY, SUBMITTED, (Confirm,), "printable .docx sent"),
    Transition(SUBMITTED, SUBMITTED, (View, Copy)),
    Transition(SUBMITTED, SUMMARY, (), "the cell secretary returns it with a comment"),
    Transition(SUBMITTED, ACCEPTED, (), "the cell secretary accepts"),
    Transition(ACCEPTED, ACCEPTED, (View, Copy)),
    Transition(ACCEPTED, SUMMARY, (), "the cell secretary returns it with a comment"),
)
NOTE = (f"In every state of a draft: {' · '.join(verb(a) for a in EVERYWHERE_IN_DRAFT)} "
        "(the list of items, the chosen step, the summary, the locked notice's buttons); "
        "typed text where a button is "
        "expected → asked to choose")


def state_of(review: Review) -> str:
    if review.status == "accepted":
        return ACCEPTED
    if not review.editable:
        return SUBMITTED
    if review.position == rs.SUMMARY:
        return SUMMARY
    if review.position == rs.LEVEL:
        return LEVEL
    return QUESTIONS if review.position.startswith(rs.DQ) else ITEM


def accepts(state: str, action: ReviewAction) -> bool:
    allowed = BY_NAME[state].accepts
    if state not in (SUBMITTED, ACCEPTED):
        allowed += EVERYWHERE_IN_DRAFT
    return isinstance(action, allowed)


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for state in STATES:
        lines.append(f"    {state.name}: {state.title}")
    for transition in TRANSITIONS:
        label = f": {transition.label}" if transition.label else ""
        lines.append(f"    {transition.source} --> {transition.target}{label}")
    lines.append(f"    note right of {ITEM}: {NOTE}")
    return "\n".join(lines) + "\n"


MERMAID_BLOCK = re.compile(r"```mermaid\n.*?```\n", re.DOTALL)


def with_diagram(markdown: str) -> str:
    """The markdown with its Mermaid block replaced by the one drawn from the data."""
    return MERMAID_BLOCK.sub(lambda _m: f"```mermaid\n{mermaid()}```\n", markdown, count=1)


if __name__ == "__main__":
    DIAGRAM.write_text(with_diagram(DIAGRAM.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {DIAGRAM}\n")
