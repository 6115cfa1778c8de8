"""Where the assistant's own messages (alerts, reminders, announcements) reach a member who
has accounts on several channels: Telegram, Zalo, or the channel used last (the default).
The choice is stored; storage/accounts.py applies it with the rest of the one rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core import menus
from conversations.core.actions import Action, Codec
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from storage.accounts import CHANNELS

LAST = "last"  # the action's code for "the channel I used last" (stored as NULL)
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


@dataclass(frozen=True)
class ChooseChannel(Action):
    prefix: ClassVar[str] = "kenh"


@dataclass(frozen=True)
class SetChannel(Action):
    prefix: ClassVar[str] = "kenh.set"
    code: str  # a channel of storage.accounts.CHANNELS, or LAST


CHANNEL_CHOICE = Codec(ChooseChannel, SetChannel)


async def channel_menu(ctx: Context) -> Reply:
    assert ctx.member is not None
    current = await ctx.repos.accounts.notify_channel(ctx.member.id) or LAST
    labels = {**CHANNEL_NAMES, LAST: ctx._("The channel I used last")}
    choices = [Choice(("✓ " if code == current else "") + labels[code],
                      CHANNEL_CHOICE.pack(SetChannel(code)))
               for code in (*CHANNELS, LAST)]
    return Reply(ctx._("Where should the assistant send you its reminders, alerts and "
                       "announcements?"), rows(*choices))


async def set_channel(ctx: Context, code: str) -> list[Reply]:
    assert ctx.member is not None
    code = code.strip().lower()
    if code not in (*CHANNELS, LAST):
        return [await channel_menu(ctx)]
    await ctx.repos.accounts.set_notify_channel(ctx.member.id, None if code == LAST else code)
    if code == LAST:
        done = ctx._("Done: the assistant's messages will come through the channel you "
                     "used last.")
    else:
        done = ctx._("Done: the assistant's messages will come through {channel}.").format(
            channel=CHANNEL_NAMES[code])
        linked = {a.channel for a in await ctx.repos.accounts.of_member(ctx.member.id)}
        if code not in linked:
            done += "\n" + ctx._(
                "You have not linked a {channel} account yet: until you do, they come "
                "through the channel you used last. To link one, ask your cell secretary "
                "for an invitation code and send it to the assistant on {channel}."
            ).format(channel=CHANNEL_NAMES[code])
    return [menus.main_menu(ctx, done, replace=ctx.incoming.kind is Kind.ACTION)]


async def channel_command(ctx: Context, args: str) -> list[Reply]:
    return await set_channel(ctx, args) if args else [await channel_menu(ctx)]


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    match action:
        case ChooseChannel():
            return [await channel_menu(ctx)]
        case SetChannel(code=code):
            return await set_channel(ctx, code)
    return [menus.stale_button(ctx)]


CAPABILITY = Capability(
    name="channel",
    commands={"kenh": channel_command},
    codec=CHANNEL_CHOICE,
    on_action=on_action,
)
