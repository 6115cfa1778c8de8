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


CAMPAIGNS = Codec(OpenCampaigns, NewCampaign, CancelCampaign, CreateCampaign)
