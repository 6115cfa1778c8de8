"""Onboarding as the router sees it: /start (with a code), invitation codes typed by
people not linked yet, /linkgroup in a private chat, and secretaries' /invite."""

from __future__ import annotations

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.menus import OpenInvitations
from conversations.core.replies import Reply
from conversations.onboarding import dialogue as onboarding
from conversations.onboarding import groups as cell_groups
from conversations.onboarding.actions import (
    INVITATIONS,
    ConfirmInvite,
    InviteMember,
    InvitePage,
)
from conversations.onboarding.invitations import normalise_code


async def start(ctx: Context, args: str) -> list[Reply]:
    if args:
        return await onboarding.redeem(ctx, args)
    if ctx.member is None:
        return [menus.unknown_person(ctx)]
    return [await onboarding.welcome(ctx)]


async def invite_command(ctx: Context, _args: str) -> list[Reply]:
    return [await onboarding.invite_list(ctx)]


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    match action:
        case OpenInvitations():
            return [await onboarding.invite_list(ctx)]
        case InvitePage(page=page):
            return [await onboarding.invite_list(ctx, page)]
        case InviteMember(member_id=member_id):
            return [await onboarding.invite_member(ctx, member_id)]
        case ConfirmInvite(member_id=member_id):
            return [await onboarding.invite_member(ctx, member_id, confirmed=True)]
    return [menus.stale_button(ctx)]


async def stranger_text(ctx: Context, text: str) -> list[Reply] | None:
    """Anything typed by a person not linked yet: an invitation code, or how to get one."""
    if ctx.member is not None:
        return None
    if normalise_code(text):
        return await onboarding.redeem(ctx, text)
    return [menus.unknown_person(ctx)]


CAPABILITY = Capability(
    name="onboarding",
    commands={"start": start, "invite": invite_command, "linkgroup": cell_groups.in_private},
    codec=INVITATIONS,
    on_action=on_action,
    on_text=stranger_text,
    public_commands=frozenset({"start"}),
)
