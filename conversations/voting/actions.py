"""The buttons of the cell meeting's secret vote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec


@dataclass(frozen=True)
class ShowVote(Action):
    """The vote as this person sees it: a ballot for a member, the state for a secretary."""
    prefix: ClassVar[str] = "vt"


@dataclass(frozen=True)
class OpenVote(Action):
    prefix: ClassVar[str] = "vt.open"


@dataclass(frozen=True)
class CastBallot(Action):
    prefix: ClassVar[str] = "vt.cast"
    vote_id: int
    candidate_id: int
    level: str          # a level key, or 'abstain'


@dataclass(frozen=True)
class CloseVote(Action):
    prefix: ClassVar[str] = "vt.close"
    vote_id: int
    confirmed: int = 0  # 1: the secretary confirmed


@dataclass(frozen=True)
class FillProposals(Action):
    prefix: ClassVar[str] = "vt.fill"
    vote_id: int


VOTING = Codec(ShowVote, OpenVote, CastBallot, CloseVote, FillProposals)
