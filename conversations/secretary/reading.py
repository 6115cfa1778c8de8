"""One handed-in review on the secretaries' side: read it, download it, return it with a
comment (the next typed message), or accept it."""

from __future__ import annotations

from dataclasses import replace

from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.context import Context
from conversations.core.menus import MENU, OpenReview
from conversations.core.replies import Choice, Kind, Reply
from conversations.review.printable import review_document
from conversations.review.steps import SUMMARY
from conversations.review.summary import summary_replies
from conversations.secretary.actions import (
    SECRETARY,
    AcceptReview,
    CancelReturn,
    ReadReview,
    ReturnReview,
    ReviewCopy,
)
from conversations.secretary.alerts import formatter_for, progress_button, send_to_member
from conversations.secretary.scope import led_review, not_yours
from storage.models import Cell, Member
from storage.reviews import Review

CAPABILITY_NAME = "secretary"  # the name the typed return comment is awaited under
COMMENT_LIMIT = 2000

ReviewAction = ReadReview | ReviewCopy | ReturnReview | CancelReturn | AcceptReview


async def on_review(ctx: Context, action: ReviewAction) -> list[Reply]:
    """A button about one review: looked up (and its scope checked) once, then answered."""
    found = await led_review(ctx, action.review_id)
    if found is None:
        return [not_yours(ctx)]
    match action:
        case ReviewCopy():
            return await _printable(ctx, *found)
        case ReturnReview():
            return await _ask_comment(ctx, *found)
        case CancelReturn():
            return [Reply(ctx._("Cancelled; the review was not returned.")),
                    _controls(ctx, *found)]
        case AcceptReview():
            return [await _accept(ctx, *found)]
    review, member, _cell = found
    form = ctx.forms.get(review.form_version, review.form_code)
    return [*summary_replies(ctx, review, form, member=member), _controls(ctx, *found)]


async def _printable(ctx: Context, review: Review, member: Member, cell: Cell) -> list[Reply]:
    committee = await ctx.repos.org.committee(cell.committee_id)
    doc = review_document(ctx.forms, member, committee, review)
    caption = ctx._("Self-review {year}, {name}").format(year=review.year,
                                                          name=member.full_name)
    return [Reply(caption, document=replace(doc, caption=caption))]


async def _ask_comment(ctx: Context, review: Review, member: Member, _cell: Cell
                       ) -> list[Reply]:
    _ = ctx._
    if review.status not in ("submitted", "accepted"):
        return [Reply(_("This review is already with the member for revision."))]
    await ask_text(ctx, CAPABILITY_NAME, review.id)
    return [Reply(_(
        "Write your comment for comrade {name}: what should be added or corrected. Your next "
        "message is sent to them with the review."
    ).format(name=member.full_name),
        ((Choice(_("Cancel"), SECRETARY.pack(CancelReturn(review.id)), keyword=_("cancel")),),),
        expects_text=True)]


async def _accept(ctx: Context, review: Review, member: Member, cell: Cell) -> Reply:
    _ = ctx._
    if not await ctx.repos.reviews.accept(review.id, ctx.now):
        return Reply(_("Only a submitted review can be accepted."),
                     _controls(ctx, review, member, cell).choices)
    accepted = await ctx.repos.reviews.get(review.id)
    assert accepted is not None
    return Reply(_("Accepted the self-review of comrade {name}.").format(name=member.full_name),
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


async def on_comment(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """The comment the secretary was asked for; None for what cannot be one (a sticker)."""
    if ctx.incoming.kind is not Kind.TEXT or not awaiting.argument.isdigit():
        return None
    found = await led_review(ctx, int(awaiting.argument))
    if found is None:  # no longer theirs to return (roles change)
        return [not_yours(ctx)]
    review, member, cell = found
    comment = ctx.incoming.text.strip()[:COMMENT_LIMIT]
    # the member resumes at the summary, where every item can be opened again
    if not await ctx.repos.reviews.return_for_revision(review.id, comment, ctx.now,
                                                       position=SUMMARY):
        return [Reply(ctx._("This review is already with the member for revision.")),
                _controls(ctx, review, member, cell)]
    returned = await ctx.repos.reviews.get(review.id)
    assert returned is not None
    linked = await _tell_returned(ctx, returned, member)
    _ = ctx._
    lines = [_("Returned to comrade {name} with your comment.").format(name=member.full_name)]
    lines.append(_("They are told now.") if linked else _(
        "They have no linked chat account yet: please tell them in person."))
    return [Reply("\n".join(lines), ((progress_button(ctx.fmt, cell.id),),))]


async def _tell_returned(ctx: Context, review: Review, member: Member) -> bool:
    committee = await ctx.repos.org.committee(member.committee_id)
    fmt = formatter_for(member, committee)
    _ = fmt.gettext
    reply = Reply(_(
        "Your cell secretary returned your self-review for revision:\n«{comment}»\n"
        "Please edit it and submit again."
    ).format(comment=review.return_comment),
        ((Choice(_("Open my self-review"), MENU.pack(OpenReview())),),))
    key = f"returned:{review.id}:{review.updated_at.isoformat()}"
    await send_to_member(ctx.repos, member, key, "returned", review.id, reply, ctx.now)
    return bool(await ctx.repos.accounts.of_member(member.id))
