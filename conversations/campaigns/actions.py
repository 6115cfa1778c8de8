"""The buttons of the /campaign dialogue (committee admins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.menus import OpenCampaigns


@dataclass(frozen=True)
class NewCampaign(Action):
    prefix: ClassVar[str] = "cp.new"


@dataclass(frozen=True)
class CancelCampaign(Action):
    prefix: ClassVar[str] = "cp.cancel"


@dataclass(frozen=True)
class CreateCampaign(Action):
    prefix: ClassVar[str] = "cp.create"


# the draft's confirm step: late policy and cells with a deadline of their own

@dataclass(frozen=True)
class ToggleDraftLate(Action):
    prefix: ClassVar[str] = "cp.late"


@dataclass(frozen=True)
class PickDraftCell(Action):
    """Open the list of cells (cell_id 0), or choose one for its own deadline."""
    prefix: ClassVar[str] = "cp.cell"
    cell_id: int = 0


@dataclass(frozen=True)
class BackToConfirm(Action):
    prefix: ClassVar[str] = "cp.back"


# an open campaign: change a deadline or the late policy, or close it

@dataclass(frozen=True)
class ManageCampaign(Action):
    prefix: ClassVar[str] = "cm"
    campaign_id: int


@dataclass(frozen=True)
class ChangeDeadline(Action):
    """what: 'cells', 'committee', or 'cell' (with its id; 0 opens the list of cells)."""
    prefix: ClassVar[str] = "cm.dl"
    campaign_id: int
    what: str
    cell_id: int = 0


@dataclass(frozen=True)
class ToggleLate(Action):
    prefix: ClassVar[str] = "cm.late"
    campaign_id: int


@dataclass(frozen=True)
class CloseCampaign(Action):
    prefix: ClassVar[str] = "cm.close"
    campaign_id: int
    confirmed: int = 0  # 1: the admin confirmed


CAMPAIGNS = Codec(OpenCampaigns, NewCampaign, CancelCampaign, CreateCampaign, ToggleDraftLate,
                  PickDraftCell, BackToConfirm, ManageCampaign, ChangeDeadline, ToggleLate,
                  CloseCampaign)
