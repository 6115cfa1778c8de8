"""The self-review dialogue: one item at a time, saved at every answer, then submit.

Entry points for the router: `open_review` (/review), `on_text` (typed text while a draft
is open), `on_action` (a button: the full data, e.g. ``rv.done:A.I.1``, any prefix of
`actions.REVIEW`), `copy` (/copy). Everything is re-read from the database on every
message, so a restart loses nothing. The states and what each accepts are declared in
conversations/review/flow.py and drawn in conversations/review/dialogue.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conversations.core.context import Context
from conversations.core.replies import Reply
from conversations.forms.library import FormDef
from conversations.forms.rating import exclusion
from conversations.review import answering, flow, submitting
from conversations.review import steps as rs
from conversations.review.actions import (
    ANYWHERE,
    REVIEW,
    Back,
    Confirm,
    Contents,
    Copy,
    Done,
    Goto,
    Keep,
    Pick,
    Propose,
    Replace,
    ReviewAction,
    Skip,
    Store,
    Submit,
    ToSummary,
    View,
    YesNo,
)
from conversations.review.header import deadline_text, header_replies
from conversations.review.screens import locked, show_step, table_of_contents
from conversations.review.session import current, form_of, today, year
from storage.reviews import Review

Handler = Callable[..., Awaitable[list[Reply]]]


async def open_review(ctx: Context) -> list[Reply]:
    """/review: start, resume where the member left off, or show the locked copy."""
    _ = ctx._
    member = ctx.member
    assert member is not None
    reason = exclusion(member, today(ctx))
    if reason is not None:
        return [Reply(_excluded_text(ctx, reason))]
    review = await current(ctx)
    form = form_of(ctx, review)
    if review is None:
        review = await ctx.repos.reviews.start(
            member.id, year(ctx), form.version, form.code, rs.steps(form)[0], ctx.now
        )
        intro = _(
            "Self-review for {year}, {form} {subtitle}.\n"
            "I will ask the items one by one; every answer is saved at once, so you can "
            "stop and come back at any time with /review."
        ).format(year=review.year, form=form.name(ctx.fmt.language),
                 subtitle=form.subtitle(ctx.fmt.language))
        return [Reply(intro), *await header_replies(ctx, review, form),
                *show_step(ctx, review, form)]
    if not review.editable:
        return [locked(ctx, review)]
    if review.status == "returned" and review.return_comment:
        notice = Reply(_(
            "Your cell secretary returned your self-review for revision:\n«{comment}»\n"
            "Please edit it and submit again."
        ).format(comment=review.return_comment))
    else:
        notice = Reply(_("Welcome back, comrade {name}. You are at:").format(
            name=ctx.member.full_name))
    deadline = await deadline_text(ctx, review)
    return [*([Reply(deadline)] if deadline else []), notice, *show_step(ctx, review, form)]


async def on_text(ctx: Context, text: str) -> list[Reply] | None:
    """A typed message while a draft is open; None when no review is in progress."""
    review = await current(ctx)
    if review is None or not review.editable:
        return None
    return await answering.typed(ctx, review, form_of(ctx, review), text)


async def on_action(ctx: Context, data: str) -> list[Reply]:
    """A pressed button; malformed, forged or stale data gets the current step again."""
    action = REVIEW.parse(data)
    review = await current(ctx)
    if review is None:
        return await open_review(ctx)
    form = form_of(ctx, review)
    if not isinstance(action, ReviewAction):
        return show_step(ctx, review, form) if review.editable else [locked(ctx, review)]
    state = flow.state_of(review)
    if not flow.accepts(state, action):
        return [locked(ctx, review)] if not review.editable else show_step(ctx, review, form)
    if isinstance(action, ANYWHERE):
        if action.step in rs.steps(form):
            return await HANDLERS[type(action)](ctx, review, form, action)
        return show_step(ctx, review, form)
    if action.step != review.position:
        return [Reply(ctx._("That button belongs to an earlier step. You are here now:")),
                *show_step(ctx, review, form)]
    return await HANDLERS[type(action)](ctx, review, form, action)


async def copy(ctx: Context) -> list[Reply]:
    """/copy: the printable document of the submitted review."""
    review = await current(ctx)
    assert ctx.member is not None
    reason = exclusion(ctx.member, today(ctx))
    if review is None and reason is not None:  # exempted, suspended, newly admitted
        return [Reply(_excluded_text(ctx, reason))]
    if review is None:
        return [Reply(ctx._("You have not started your self-review yet. Send /review to begin."))]
    return await submitting.printable_copy(ctx, review, form_of(ctx, review))


async def _contents(ctx: Context, review: Review, form: FormDef,
                    _action: Contents) -> list[Reply]:
    return [table_of_contents(ctx, review, form)]


def _excluded_text(ctx: Context, reason: str) -> str:
    _ = ctx._
    return {
        "exempted": _("You are exempted from Party activities, so you are not asked for a "
                      "self-review this time. Thank you, comrade."),
        "suspended": _("Your Party activities are suspended, so you are not asked for a "
                       "self-review this time. Please contact your cell secretary if this is "
                       "not right."),
        "new": _("You were admitted to the Party less than six months ago, so you are not "
                 "asked for a self-review this time. Please contact your cell secretary if "
                 "this is not right."),
    }[reason]


HANDLERS: dict[type[ReviewAction], Handler] = {
    Done: answering.done, Skip: answering.skip, Keep: answering.keep, Pick: answering.pick,
    Store: answering.store, Replace: answering.replace,
    YesNo: answering.yes_or_no, Propose: answering.propose, Back: answering.back,
    Goto: answering.goto, ToSummary: answering.to_summary, Contents: _contents,
    Submit: submitting.submit, Confirm: submitting.confirm, View: submitting.view,
    Copy: submitting.printable_copy,
}


def _route(prefix: str) -> Callable[[Context, str], Awaitable[list[Reply]]]:
    async def handle(ctx: Context, arg: str) -> list[Reply]:
        return await on_action(ctx, f"{prefix}:{arg}")
    return handle


# For a router that splits the data at the first ':' and passes the rest (assistant.py).
ACTIONS = {prefix: _route(prefix) for prefix in REVIEW.prefixes}
