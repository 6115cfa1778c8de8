"""The secretaries' buttons: a cell's progress, one review, reminders, alerts, files.

Whatever a button carries, who may see what is decided again from the database (scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.menus import OpenProgress


@dataclass(frozen=True)
class ShowCell(Action):
    prefix: ClassVar[str] = "pg"
    cell_id: int
    page: int = 0


@dataclass(frozen=True)
class ShowCommittee(Action):
    prefix: ClassVar[str] = "pgc"
    page: int = 0


@dataclass(frozen=True)
class ReadReview(Action):
    prefix: ClassVar[str] = "sr.open"
    review_id: int


@dataclass(frozen=True)
class ReviewCopy(Action):
    prefix: ClassVar[str] = "sr.doc"
    review_id: int


@dataclass(frozen=True)
class ReturnReview(Action):
    """Ask for the comment; the next typed text returns the review with it."""
    prefix: ClassVar[str] = "sr.ret"
    review_id: int


@dataclass(frozen=True)
class CancelReturn(Action):
    prefix: ClassVar[str] = "sr.cancel"
    review_id: int


@dataclass(frozen=True)
class AcceptReview(Action):
    prefix: ClassVar[str] = "sr.acc"
    review_id: int


@dataclass(frozen=True)
class RemindPreview(Action):
    prefix: ClassVar[str] = "rm"
    cell_id: int


@dataclass(frozen=True)
class RemindSend(Action):
    prefix: ClassVar[str] = "rmok"
    cell_id: int


@dataclass(frozen=True)
class AlertSettings(Action):
    prefix: ClassVar[str] = "al"


@dataclass(frozen=True)
class SetAlerts(Action):
    prefix: ClassVar[str] = "al.set"
    mode: str            # 'each', 'off', or 'digest' (then the hour is asked)


@dataclass(frozen=True)
class DigestAt(Action):
    prefix: ClassVar[str] = "al.digest"
    hour: int            # the committee's local hour


@dataclass(frozen=True)
class CellFiles(Action):
    prefix: ClassVar[str] = "ex"
    cell_id: int


@dataclass(frozen=True)
class CommitteeFiles(Action):
    prefix: ClassVar[str] = "ex.all"


SECRETARY = Codec(
    OpenProgress, ShowCell, ShowCommittee, ReadReview, ReviewCopy, ReturnReview, CancelReturn,
    AcceptReview, RemindPreview, RemindSend, AlertSettings, SetAlerts, DigestAt, CellFiles,
    CommitteeFiles,
)
