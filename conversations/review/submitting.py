"""Submitting the review, and what a member may still do with it once it is locked."""

from __future__ import annotations

from conversations.campaigns.rules import submission_gate
from conversations.core.context import Context
from conversations.core.replies import Document, Reply
from conversations.forms.library import FormDef
from conversations.review import steps as rs
from conversations.review.actions import ReviewAction
from conversations.review.header import deadline_text
from conversations.review.printable import review_document
from conversations.review.screens import confirm_step, locked, summary_step
from conversations.review.session import reload
from conversations.review.summary import summary_replies
from conversations.secretary import alerts
from storage.reviews import Review


async def submit(ctx: Context, review: Review, form: FormDef, _action: ReviewAction) -> list[Reply]:
    if rs.missing(form, review):
        return summary_step(ctx, review, form)[-1:]
    deadline = await deadline_text(ctx, review)
    return [*([Reply(deadline)] if deadline else []), confirm_step(ctx, review)]


async def confirm(ctx: Context, review: Review, form: FormDef,
                  _action: ReviewAction) -> list[Reply]:
    _ = ctx._
    if rs.missing(form, review):
        return summary_step(ctx, review, form)[-1:]
    gate = await submission_gate(ctx, review)  # the campaign: open? late?
    if gate.refused:
        return list(gate.replies)
    if not await ctx.repos.reviews.submit(review.id, ctx.now):
        return [locked(ctx, await reload(ctx, review))]
    review = await reload(ctx, review)
    await alerts.on_submitted(ctx.repos, ctx.forms, review, ctx.now)
    # with choices of its own: on text-only channels a number typed next must not pick
    # from the confirmation that was on the screen before (it would submit again later)
    done = Reply(_(
        "Submitted at {time}. Your cell committee has received it. Please print the attached "
        "copy, sign it and hand it to your cell. /copy sends it again."
    ).format(time=ctx.fmt.datetime(ctx.now)), locked(ctx, review).choices, replace=True)
    return [done, *gate.replies,
            Reply(_("Printable copy:"), document=await _document(ctx, review))]


async def printable_copy(ctx: Context, review: Review, form: FormDef,
                         _action: ReviewAction | None = None) -> list[Reply]:
    if review.editable:
        return [Reply(ctx._(
            "Your draft as it would be printed, marked «BẢN NHÁP»: for reading over, not for "
            "signing. The copy to sign is sent when you submit; send /review to continue."
        ), document=await _document(ctx, review))]
    return [Reply(ctx._("Printable copy:"), document=await _document(ctx, review))]


async def view(ctx: Context, review: Review, form: FormDef, _action: ReviewAction) -> list[Reply]:
    return summary_replies(ctx, review, form)


async def _document(ctx: Context, review: Review) -> Document:
    member = ctx.member
    assert member is not None
    committee = await ctx.repos.org.committee(member.committee_id)
    caption = ctx._("Self-review {year}, {name}").format(year=review.year, name=member.full_name)
    return await ctx.run_heavy(review_document, ctx.forms, member, committee, review, caption)
