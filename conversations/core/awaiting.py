"""Who the next typed message goes to: one stored state per chat account.

A capability that asks for text (a secretary's return comment, a campaign draft's field,
an announcement's text) calls `ask_text`; the Assistant hands the next typed message to
that capability and forgets the question when it is answered, when a command or another
button is used, or when it has waited longer than the capability's time limit. With no
question open, typed text goes to the self-review.
"""

from __future__ import annotations

from datetime import timedelta

from conversations.core.context import Context
from storage.accounts import Awaiting

ASK_TTL = timedelta(hours=1)  # an unanswered question stops catching the person's messages


async def ask_text(ctx: Context, capability: str, argument: str | int = "") -> None:
    """The next typed message (or document) of this account goes to `capability`."""
    ctx.awaiting = Awaiting(capability, str(argument), ctx.now)
    await ctx.repos.accounts.set_awaiting(ctx.account.id, capability, str(argument), ctx.now)


def forget(ctx: Context) -> None:
    """The question is over (answered, or the person did something else); `settle` stores it."""
    ctx.awaiting = None


async def settle(ctx: Context, before: Awaiting | None) -> None:
    """Store that the question read at the start of the message is no longer open."""
    if before is not None and ctx.awaiting is None:
        await ctx.repos.accounts.clear_awaiting(ctx.account.id)


__all__ = ["ASK_TTL", "Awaiting", "ask_text", "forget", "settle"]
