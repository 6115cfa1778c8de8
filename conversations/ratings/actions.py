"""The rating chain's buttons: the cell's proposals (/proposals), the committee's decisions
and the cells' own rating (/decide).

Every button names members and cells by their ids, never by a position in a list, so a
list that changed since it was shown cannot make a press act on someone else; who may act
on them is decided again from the database at each press.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.menus import OpenDecisions, OpenProposals

# -- the cell's proposals ----------------------------------------------------------------


@dataclass(frozen=True)
class CellList(Action):
    """The cell's expected members with their own and the cell's levels."""
    prefix: ClassVar[str] = "rp"
    cell_id: int
    page: int = 0


@dataclass(frozen=True)
class MemberCard(Action):
    """One member: own level, the cell's, the level choices."""
    prefix: ClassVar[str] = "rp.m"
    member_id: int


@dataclass(frozen=True)
class ProposeLevel(Action):
    """The cell proposes this level for the member (a reason is asked when above own);
    `anyway` = 1 after the warning that the committee has decided already."""
    prefix: ClassVar[str] = "rp.lv"
    member_id: int
    level: str
    anyway: int = 0


@dataclass(frozen=True)
class AgreeOne(Action):
    """The cell agrees with the member's own level (`anyway`: as in ProposeLevel)."""
    prefix: ClassVar[str] = "rp.own"
    member_id: int
    anyway: int = 0


@dataclass(frozen=True)
class AgreeAll(Action):
    """The cell agrees with their own level for every member without a proposal yet."""
    prefix: ClassVar[str] = "rp.all"
    cell_id: int


@dataclass(frozen=True)
class AskComment(Action):
    """The cell committee's comment on the member: the next typed message."""
    prefix: ClassVar[str] = "rp.cm"
    member_id: int


@dataclass(frozen=True)
class ConfirmList(Action):
    """Send the list to the committee; `anyway` = 1 after the quota warning was shown."""
    prefix: ClassVar[str] = "rp.ok"
    cell_id: int
    anyway: int = 0


@dataclass(frozen=True)
class SheetOut(Action):
    """The cell's list as .xlsx to fill in."""
    prefix: ClassVar[str] = "rp.xo"
    cell_id: int


@dataclass(frozen=True)
class SheetIn(Action):
    """The next document sent is the filled list."""
    prefix: ClassVar[str] = "rp.xi"
    cell_id: int


# -- the committee -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cells(Action):
    """The committee's cells: proposals confirmed, levels decided, the quota."""
    prefix: ClassVar[str] = "dc"
    page: int = 0


@dataclass(frozen=True)
class CellDecisions(Action):
    prefix: ClassVar[str] = "dc.c"
    cell_id: int
    page: int = 0


@dataclass(frozen=True)
class AcceptCell(Action):
    """The cell's confirmed proposals become the committee's decisions (one step)."""
    prefix: ClassVar[str] = "dc.acc"
    cell_id: int
    anyway: int = 0


@dataclass(frozen=True)
class DecideMember(Action):
    """One member: the cell's proposal and the level choices for the committee."""
    prefix: ClassVar[str] = "dc.m"
    member_id: int


@dataclass(frozen=True)
class DecideLevel(Action):
    """The committee decides this level (a reason is asked when it differs from the cell's)."""
    prefix: ClassVar[str] = "dc.lv"
    member_id: int
    level: str
    anyway: int = 0


@dataclass(frozen=True)
class RateCell(Action):
    """The cell's own rating: its figures and the four levels."""
    prefix: ClassVar[str] = "cr"
    cell_id: int


@dataclass(frozen=True)
class SetCellLevel(Action):
    prefix: ClassVar[str] = "cr.lv"
    cell_id: int
    level: str


RATINGS = Codec(
    OpenProposals, OpenDecisions, CellList, MemberCard, ProposeLevel, AgreeOne, AgreeAll,
    AskComment, ConfirmList,
    SheetOut, SheetIn, Cells, CellDecisions, AcceptCell, DecideMember, DecideLevel, RateCell,
    SetCellLevel,
)
