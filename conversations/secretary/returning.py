"""Returning a review for revision: the secretary writes the comment in one or several
messages, sees it, then sends it; the member is told. The comment being written is the
account's "awaiting" state (review id and text so far), so a restart loses nothing."""

from __future__ import annotations

import json

from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.context import Context
from conversations.core.menus import MENU, OpenReview
from conversations.core.replies import Choice, Kind, Reply
from conversations.review.steps import SUMMARY
from conversations.secretary.actions import (
    SECRETARY,
    CancelReturn,
    RewriteReturn,
    SendReturn,
)
from conversations.secretary.alerts import formatter_for, progress_button, send_to_member
from conversations.secretary.scope import led_review, not_yours
from storage.models import Cell, Member
from storage.reviews import Review

CAPABILITY_NAME = "secretary"  # the name the typed return comment is awaited under
COMMENT_LIMIT = 2000


def _state(review_id: int, comment: str) -> str:
    return json.dumps({"review": review_id, "comment": comment}, ensure_ascii=False)


def _read_state(argument: str) -> tuple[int, str] | None:
    """(review id, comment so far); a bare number is a question asked before comments
    could take several messages."""
    if argument.isdigit():
        return int(argument), ""
    try:
        data = json.loads(argument)
        return int(data["review"]), str(data.get("comment", ""))
    except (ValueError, TypeError, KeyError):
        return None


async def ask_comment(ctx: Context, review: Review, member: Member) -> list[Reply]:
    _ = ctx._
    if review.status not in ("submitted", "accepted"):
        return [Reply(_("This review is already with the member for revision."))]
    await ask_text(ctx, CAPABILITY_NAME, _state(review.id, ""))
    return [Reply(_(
        "Write your comment for comrade {name}: what should be added or corrected. You can "
        "write it in several messages; I will show it to you before it is sent."
    ).format(name=member.full_name),
        ((Choice(_("Cancel"), SECRETARY.pack(CancelReturn(review.id)), keyword=_("cancel")),),),
        expects_text=True)]


async def on_comment(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """A message of the comment; None for what cannot be one (a sticker)."""
    state = _read_state(awaiting.argument)
    if ctx.incoming.kind is not Kind.TEXT or state is None:
        return None
    review_id, so_far = state
    found = await led_review(ctx, review_id)
    if found is None:  # no longer theirs to return (roles change)
        return [not_yours(ctx)]
    review, member, _cell = found
    comment = "\n".join(part for part in (so_far, ctx.incoming.text.strip()) if part)
    cut = len(comment) > COMMENT_LIMIT
    comment = comment[:COMMENT_LIMIT]
    await ask_text(ctx, CAPABILITY_NAME, _state(review.id, comment))
    return [_preview(ctx, review, member, comment, cut)]


def _preview(ctx: Context, review: Review, member: Member, comment: str, cut: bool) -> Reply:
    _ = ctx._
    lines = [_("Your comment to comrade {name}:").format(name=member.full_name),
             f"«{comment}»"]
    if cut:
        lines.append(_("(Shortened to {n} characters.)").format(n=COMMENT_LIMIT))
    lines.append(_("Send another message to add to it, or choose:"))
    return Reply("\n".join(lines), (
        (Choice(_("Return the review with this comment"),
                SECRETARY.pack(SendReturn(review.id)), keyword=_("send")),),
        (Choice(_("Write it again"), SECRETARY.pack(RewriteReturn(review.id)),
                keyword=_("rewrite")),
         Choice(_("Cancel"), SECRETARY.pack(CancelReturn(review.id)), keyword=_("cancel"))),
    ), expects_text=True)


async def rewrite(ctx: Context, review: Review, member: Member) -> list[Reply]:
    await ask_text(ctx, CAPABILITY_NAME, _state(review.id, ""))
    return [Reply(ctx._("The comment was cleared. Write it again:"),
                  ((Choice(ctx._("Cancel"), SECRETARY.pack(CancelReturn(review.id)),
                           keyword=ctx._("cancel")),),), expects_text=True)]


async def send(ctx: Context, review: Review, member: Member, cell: Cell) -> list[Reply]:
    """Return the review with the comment written so far (read from the stored state:
    the button itself carries only the review id)."""
    _ = ctx._
    asked = ctx.account.awaiting
    state = _read_state(asked.argument) if asked and asked.capability == CAPABILITY_NAME else None
    if state is None or state[0] != review.id or not state[1]:
        return [Reply(_("There is no comment to send. Press «Return for revision» again and "
                        "write the comment."), ((progress_button(ctx.fmt, cell.id),),))]
    # the member resumes at the summary, where every item can be opened again
    if not await ctx.repos.reviews.return_for_revision(review.id, state[1], ctx.now,
                                                       position=SUMMARY):
        return [Reply(_("This review is already with the member for revision."),
                      ((progress_button(ctx.fmt, cell.id),),))]
    returned = await ctx.repos.reviews.get(review.id)
    assert returned is not None
    linked = await _tell_returned(ctx, returned, member)
    lines = [_("Returned to comrade {name} with your comment.").format(name=member.full_name)]
    told = (_("Comrade {name} has been told.") if linked else
            _("They have no linked chat account yet: please tell them in person."))
    lines.append(told.format(name=member.full_name))
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


async def tell_accepted(ctx: Context, review: Review, member: Member) -> None:
    committee = await ctx.repos.org.committee(member.committee_id)
    fmt = formatter_for(member, committee)
    reply = Reply(fmt.gettext(
        "Your cell secretary has accepted your self-review for {year}. Thank you, comrade."
    ).format(year=review.year))
    await send_to_member(ctx.repos, member, f"accepted:{review.id}", "accepted", review.id,
                         reply, ctx.now)
