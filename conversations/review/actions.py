"""The review's buttons: one typed action per verb, packed and parsed by one codec.

Every action names the step it was shown at (`step`): a button of an earlier step (an old
message, a restart) is answered with where the member really is, never applied to the
wrong item. Data that is not one of these shapes parses to None and gets the current step.

    REVIEW.pack(Goto("summary", "A.II.1"))   # 'rv.goto:summary:A.II.1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec


@dataclass(frozen=True)
class ReviewAction(Action):
    step: str  # the review's position when the button was shown


@dataclass(frozen=True)
class Done(ReviewAction):
    prefix: ClassVar[str] = "rv.done"


@dataclass(frozen=True)
class Skip(ReviewAction):
    prefix: ClassVar[str] = "rv.skip"


@dataclass(frozen=True)
class Keep(ReviewAction):
    prefix: ClassVar[str] = "rv.keep"


@dataclass(frozen=True)
class Replace(ReviewAction):
    prefix: ClassVar[str] = "rv.replace"


@dataclass(frozen=True)
class Store(ReviewAction):
    """Save a short typed reply that looked like a control word, after all."""

    prefix: ClassVar[str] = "rv.store"
    text: str


@dataclass(frozen=True)
class Pick(ReviewAction):
    prefix: ClassVar[str] = "rv.pick"
    option: str


@dataclass(frozen=True)
class YesNo(ReviewAction):
    prefix: ClassVar[str] = "rv.dq"
    answer: str  # 'yes' or 'no'


@dataclass(frozen=True)
class Propose(ReviewAction):
    prefix: ClassVar[str] = "rv.lvl"
    level: str


@dataclass(frozen=True)
class Back(ReviewAction):
    prefix: ClassVar[str] = "rv.back"


@dataclass(frozen=True)
class Goto(ReviewAction):
    prefix: ClassVar[str] = "rv.goto"
    target: str


@dataclass(frozen=True)
class Contents(ReviewAction):
    prefix: ClassVar[str] = "rv.toc"


@dataclass(frozen=True)
class ToSummary(ReviewAction):
    prefix: ClassVar[str] = "rv.sum"


@dataclass(frozen=True)
class Submit(ReviewAction):
    prefix: ClassVar[str] = "rv.submit"


@dataclass(frozen=True)
class Confirm(ReviewAction):
    prefix: ClassVar[str] = "rv.confirm"


@dataclass(frozen=True)
class View(ReviewAction):
    prefix: ClassVar[str] = "rv.view"


@dataclass(frozen=True)
class Copy(ReviewAction):
    prefix: ClassVar[str] = "rv.copy"


REVIEW = Codec(Done, Skip, Keep, Replace, Store, Pick, YesNo, Propose, Back, Goto, Contents,
               ToSummary, Submit, Confirm, View, Copy)
# Pressed at any step of the draft, not only at the one they were shown at.
ANYWHERE: tuple[type[ReviewAction], ...] = (Contents, ToSummary, View, Copy)
