"""Who may see what on the secretaries' side, decided from the database every time: a
secretary (or deputy) their own cell, an admin the cells of their committee, nobody else
anything, whatever a button or command names."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Reply
from conversations.secretary.progress import CellProgress, cell_progress
from storage.models import Cell, Member
from storage.reviews import Review


def may_lead(me: Member | None, cell: Cell | None) -> bool:
    if me is None or cell is None:
        return False
    if me.is_cell_secretary and me.cell_id == cell.id:
        return True
    return me.is_admin and me.committee_id == cell.committee_id


def not_yours(ctx: Context) -> Reply:
    return Reply(ctx._(
        "Sorry, you cannot open this. Cell secretaries see their own cell, committee admins "
        "the cells of their committee."
    ))


def leaders_only(ctx: Context) -> Reply:
    return Reply(ctx._("This is for cell secretaries, deputy secretaries and committee admins."))


async def led_cell(ctx: Context, cell_id: int) -> Cell | None:
    """The cell a button or command names, only if this person may lead it."""
    cell = await ctx.repos.org.cell(cell_id)
    return cell if may_lead(ctx.member, cell) else None


async def led_review(ctx: Context, review_id: int) -> tuple[Review, Member, Cell] | None:
    """A review named by id, only if it is handed in and within this person's scope."""
    review = await ctx.repos.reviews.get(review_id)
    if review is None or review.status == "draft":
        return None
    member = await ctx.repos.org.member(review.member_id)
    cell = await ctx.repos.org.cell(member.cell_id) if member else None
    if member is None or cell is None or not may_lead(ctx.member, cell):
        return None
    return review, member, cell


async def led_progress(ctx: Context, cell_id: int) -> CellProgress | None:
    """The progress of the cell a button names, only if this person may lead it."""
    cell = await led_cell(ctx, cell_id)
    return await cell_progress(ctx.repos, ctx.forms, cell, ctx.today) if cell else None
