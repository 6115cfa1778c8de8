"""One handed-in review on the secretaries' side: read it, download it, return it with a
comment (returning.py), or accept it (the member is told)."""

from __future__ import annotations

from dataclasses import replace

from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply
from conversations.forms.library import FormDef
from conversations.review.printable import review_document
from conversations.review.summary import summary_replies
from conversations.secretary import returning
from conversations.secretary.actions import (
    SECRETARY,
    AcceptReview,
    CancelReturn,
    ReadReview,
    ReturnReview,
    ReviewCopy,
    RewriteReturn,
    SendReturn,
)
from conversations.secretary.alerts import progress_button
from conversations.secretary.changes import changes_text
from conversations.secretary.scope import led_review, not_yours
from storage.models import Cell, Member
from storage.reviews import Review

ReviewAction = (ReadReview | ReviewCopy | ReturnReview | SendReturn | RewriteReturn
                | CancelReturn | AcceptReview)


async def on_review(ctx: Context, action: ReviewAction) -> list[Reply]:
    """A button about one review: looked up (and its scope checked) once, then answered."""
    found = await led_review(ctx, action.review_id)
    if found is None:
        return [not_yours(ctx)]
    match action:
        case ReviewCopy():
            return await _printable(ctx, *found)
        case ReturnReview():
            return await returning.ask_comment(ctx, *found[:2])
        case SendReturn():
            return await returning.send(ctx, *found)
        case RewriteReturn():
            return await returning.rewrite(ctx, *found[:2])
        case CancelReturn():
            return [Reply(ctx._("Cancelled; the review was not returned.")),
                    _controls(ctx, *found)]
        case AcceptReview():
            return [await _accept(ctx, *found)]
    review, member, _cell = found
    form = ctx.forms.get(review.form_version, review.form_code)
    replies = [*summary_replies(ctx, review, form, member=member)]
    if review.status in ("submitted", "accepted") and review.return_comment:
        replies.append(await _since_return(ctx, review, form))
    return [*replies, _controls(ctx, *found)]


async def _since_return(ctx: Context, review: Review, form: FormDef) -> Reply:
    """A resubmitted review: the secretary's comment and what the member changed."""
    changes = await ctx.repos.reviews.changed_since_return(review.id)
    lines = [ctx._("You had returned it with the comment: «{comment}»").format(
        comment=review.return_comment)]
    if changes is not None:
        lines.append(changes_text(ctx._, form, ctx.fmt.language, *changes))
    return Reply("\n".join(lines))


async def _printable(ctx: Context, review: Review, member: Member, cell: Cell) -> list[Reply]:
    committee = await ctx.repos.org.committee(cell.committee_id)
    doc = await ctx.run_heavy(review_document, ctx.forms, member, committee, review)
    caption = ctx._("Self-review {year}, {name}").format(year=review.year,
                                                          name=member.full_name)
    return [Reply(caption, document=replace(doc, caption=caption))]


async def _accept(ctx: Context, review: Review, member: Member, cell: Cell) -> Reply:
    _ = ctx._
    if not await ctx.repos.reviews.accept(review.id, ctx.now):
        return Reply(_("Only a submitted review can be accepted."),
                     _controls(ctx, review, member, cell).choices)
    accepted = await ctx.repos.reviews.get(review.id)
    assert accepted is not None
    await returning.tell_accepted(ctx, accepted, member)
    return Reply(_("Accepted the self-review of comrade {name}; they are told.").format(
        name=member.full_name),
                 _controls(ctx, accepted, member, cell).choices,
                 replace=ctx.incoming.kind is Kind.ACTION)


def _controls(ctx: Context, review: Review, member: Member, cell: Cell) -> Reply:
    _ = ctx._
    status = {"submitted": _("submitted at {time}"), "accepted": _("accepted"),
              "returned": _("returned for revision")}[review.status]
    text = _("Comrade {name}: {status}.").format(
        name=member.full_name,
        status=status.format(time=ctx.fmt.datetime(review.submitted_at or review.updated_at)))
    first = [Choice(_("Printable copy (.docx)"), SECRETARY.pack(ReviewCopy(review.id)))]
    second = []
    if review.status in ("submitted", "accepted"):
        second.append(Choice(_("Return for revision"), SECRETARY.pack(ReturnReview(review.id))))
    if review.status == "submitted":
        second.append(Choice(_("Accept"), SECRETARY.pack(AcceptReview(review.id))))
    third = (progress_button(ctx.fmt, cell.id),)
    return Reply(text, tuple(row for row in (tuple(first), tuple(second), third) if row))
