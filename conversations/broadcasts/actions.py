"""The buttons of composing an announcement, and of the list of who was not reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.menus import StartBroadcast


@dataclass(frozen=True)
class NoAttachment(Action):
    prefix: ClassVar[str] = "bc.nodoc"


@dataclass(frozen=True)
class CancelBroadcast(Action):
    prefix: ClassVar[str] = "bc.cancel"


@dataclass(frozen=True)
class ChooseAudience(Action):
    prefix: ClassVar[str] = "bc.aud"
    who: str             # 'all', 'secretaries', 'none' (group chats only) or 'cells'


@dataclass(frozen=True)
class ToggleCell(Action):
    prefix: ClassVar[str] = "bc.cell"
    cell_id: int


@dataclass(frozen=True)
class CellsChosen(Action):
    prefix: ClassVar[str] = "bc.cellsok"


@dataclass(frozen=True)
class ToggleGroups(Action):
    prefix: ClassVar[str] = "bc.grp"


@dataclass(frozen=True)
class BackToAudience(Action):
    prefix: ClassVar[str] = "bc.back"


@dataclass(frozen=True)
class SendBroadcast(Action):
    prefix: ClassVar[str] = "bc.send"


@dataclass(frozen=True)
class ShowUnreached(Action):
    prefix: ClassVar[str] = "bc.unr"
    broadcast_id: int


BROADCASTS = Codec(StartBroadcast, NoAttachment, CancelBroadcast, ChooseAudience, ToggleCell,
                   CellsChosen, ToggleGroups, BackToAudience, SendBroadcast, ShowUnreached)
