"""The member's current review and the form it was started on, re-read on every message."""

from __future__ import annotations

from datetime import date

from conversations.core.context import Context
from conversations.forms.library import FormDef
from conversations.forms.rating import review_year
from storage.reviews import Review


def today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.fmt.zone).date()


def year(ctx: Context) -> int:
    return review_year(today(ctx))


async def current(ctx: Context) -> Review | None:
    assert ctx.member is not None
    return await ctx.repos.reviews.of_member(ctx.member.id, year(ctx))


async def reload(ctx: Context, review: Review) -> Review:
    fresh = await ctx.repos.reviews.get(review.id)
    assert fresh is not None
    return fresh


def form_of(ctx: Context, review: Review | None) -> FormDef:
    """The form the draft was started on: changing form files never breaks a draft."""
    if review is None:
        assert ctx.member is not None
        return ctx.forms.get(ctx.forms.default_version, ctx.member.form)
    return ctx.forms.get(review.form_version, review.form_code)
