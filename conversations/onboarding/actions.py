"""The buttons of invitations (secretaries give their members new codes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.menus import OpenInvitations


@dataclass(frozen=True)
class InvitePage(Action):
    prefix: ClassVar[str] = "inv.page"
    page: int


@dataclass(frozen=True)
class InviteMember(Action):
    prefix: ClassVar[str] = "inv.code"
    member_id: int


@dataclass(frozen=True)
class ConfirmInvite(Action):
    """«Yes, give a new code» under the warning that the member is already linked."""
    prefix: ClassVar[str] = "inv.ok"
    member_id: int


INVITATIONS = Codec(OpenInvitations, InvitePage, InviteMember, ConfirmInvite)
