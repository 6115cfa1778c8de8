"""Answering and moving: every answer is saved the moment it arrives, then the next step.

The item's kind (conversations/forms/kinds.py) reads the answer and says what it offers;
this module saves it and moves the member along the order of conversations/review/steps.py.
"""

from __future__ import annotations

from datetime import timedelta

from conversations.core.actions import ActionError
from conversations.core.context import Context
from conversations.core.replies import Choice, Reply
from conversations.core.text import fold
from conversations.forms.kinds import Nav, kind_of, points, preview
from conversations.forms.library import FormDef, Item
from conversations.forms.rating import may_propose
from conversations.review import steps as rs
from conversations.review import typed_words, wording
from conversations.review.actions import (
    REVIEW,
    Back,
    Done,
    Goto,
    Pick,
    Propose,
    Replace,
    ReviewAction,
    Skip,
    Store,
    ToSummary,
    YesNo,
)
from conversations.review.screens import (
    capping_questions,
    item_nav,
    level_step,
    replace_first,
    show_step,
    verdict_lines,
)
from conversations.review.session import reload
from storage.reviews import Answer, Review

# A text arriving again this soon after it was saved is a resend (its reply was lost, e.g.
# the platform answered 429) or a replayed update: acknowledged, not appended twice.
REPEAT_WINDOW = timedelta(seconds=30)


async def typed(ctx: Context, review: Review, form: FormDef, text: str) -> list[Reply]:
    """Typed text at the current step of an editable draft."""
    _ = ctx._
    item = rs.item_at(form, review.position)
    if item is None:  # a question, the level or the summary: a button is expected
        said = typed_words.yes_or_no(text) if review.position.startswith(rs.DQ) else None
        if said is not None:  # «có», «Không.», «ko», «k»
            return await yes_or_no(ctx, review, form, YesNo(review.position, said))
        return [Reply(_("Please choose one of the options below.")),
                *show_step(ctx, review, form)]
    kind = kind_of(item)
    if kind.appends:
        meant = typed_words.read_in_text_item(text)
        if meant is typed_words.Typed.DONE:
            return await done(ctx, review, form, Done(review.position))
        if meant is typed_words.Typed.STRAY:
            return [_ask_stray(ctx, review, form, item, text)]
    keyword = typed_words.keyword_form(text)
    if kind.appends and keyword in (fold(_("skip")), fold(_("back"))):
        # a keyword whose choice is not offered here (a required item cannot be skipped,
        # the first one has no «back»): never saved as the answer itself
        if keyword == fold(_("skip")):  # moves on like «done» where skipping is not offered
            if item.required:
                return await done(ctx, review, form, Done(review.position))
            return await skip(ctx, review, form, Skip(review.position))
        return show_step(ctx, review, form)
    parsed = kind.parse_text(_, item, text)
    if parsed.answer is None:
        return _refused(ctx, review, form, item, parsed.refusal)
    if kind.appends:
        return await _append(ctx, review, form, item, text)
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, parsed.answer),
                                 clear_level=kind.moves_level)
    return await _advance(ctx, await reload(ctx, review), form)


def _ask_stray(ctx: Context, review: Review, form: FormDef, item: Item, text: str) -> Reply:
    """A reply like «1», «ok» or «👍» in a text item: asked about, not saved."""
    _ = ctx._
    shown = preview(text.strip(), 40)
    nav = item_nav(ctx, review, form, item)
    try:
        store = REVIEW.pack(Store(review.position, text.strip()))
    except ActionError:  # too long or unpackable for a button: it can be written out again
        store = None
    if store is not None:
        nav = ((Choice(_("Save «{text}» as the content").format(text=shown), store,
                       keyword=_("save")),), *nav)
    return Reply(_(
        "Do you want to save «{text}» as the content of this item, or have you finished "
        "writing? Nothing was saved from this message."
    ).format(text=shown), nav, expects_text=True)


async def store(ctx: Context, review: Review, form: FormDef, action: Store) -> list[Reply]:
    """«Save it as the content»: the short reply asked about is saved after all."""
    item = rs.item_at(form, review.position)
    if item is None or not kind_of(item).appends or not action.text.strip():
        return show_step(ctx, review, form)
    return await _append(ctx, review, form, item, action.text)


def _refused(ctx: Context, review: Review, form: FormDef, item: Item,
             refusal: str) -> list[Reply]:
    """The refusal, with the item's buttons; its options too when it has some."""
    if item.options:
        return [Reply(refusal), *show_step(ctx, review, form)]
    return [Reply(refusal, item_nav(ctx, review, form, item), expects_text=True)]


async def _append(ctx: Context, review: Review, form: FormDef, item: Item,
                  text: str) -> list[Reply]:
    _ = wording.for_channel(ctx)
    old = review.answers.get(item.key)
    appending = review.appending and old is not None and bool(old.text)
    nav = item_nav(ctx, review, form, item)
    if appending and _repeated(ctx, review, old.text, text):
        n = len(old.text)
        return [Reply(ctx.fmt.ngettext(
            "This was already saved ({n} character in all); it was not added again. Send "
            "more to add to it, or press «Done».",
            "This was already saved ({n} characters in all); it was not added again. Send "
            "more to add to it, or press «Done».", n,
        ).format(n=ctx.fmt.number(n)), nav, expects_text=True)]
    combined = f"{old.text}\n{text}" if appending else text
    replaced = old is not None and bool(old.text) and not appending
    limit = ctx.config.answer_limit
    if len(combined) > limit:
        return [Reply(_(
            "This would make the item {n} characters long; the limit is {limit}. Nothing was "
            "saved from this message: please shorten it, or press «Done» and continue."
        ).format(n=ctx.fmt.number(len(combined)), limit=ctx.fmt.number(limit)),
            nav, expects_text=True)]
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(combined)),
                                 appending=True)
    if appending:
        said = _("Added to the text recorded earlier ({n} characters in all). Send more to "
                 "add to it, or press «Done».")
    elif replaced:
        said = _("The earlier text was replaced by this one ({n} characters). Send more to "
                 "add to it, or press «Done».")
    else:
        said = _("Saved ({n} characters). Send more to add to it, or press «Done».")
    nav = item_nav(ctx, await reload(ctx, review), form, item)
    return [Reply(said.format(n=ctx.fmt.number(len(combined))), nav, expects_text=True)]


async def replace(ctx: Context, review: Review, form: FormDef, _action: Replace) -> list[Reply]:
    """«Replace»: the next message takes the place of the recorded text (kept till then)."""
    if _offering(form, review, Nav.REPLACE) is None:
        return show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, appending=False)
    return replace_first(show_step(ctx, await reload(ctx, review), form), ctx)


def _repeated(ctx: Context, review: Review, saved: str, text: str) -> bool:
    """`text` is what was last appended to this item, moments ago.

    `updated_at` is the draft's last change: this message, or arriving at the item (a
    resend of the last paragraph moments after arriving is acknowledged, not added).
    """
    recent = ctx.now - review.updated_at <= REPEAT_WINDOW
    return recent and (saved == text or saved.endswith("\n" + text))


def _offering(form: FormDef, review: Review, nav: Nav) -> Item | None:
    """The current item, if it offers this button (a forged one gets the step again)."""
    item = rs.item_at(form, review.position)
    offered = item is not None and nav in kind_of(item).nav(item, review.answers.get(item.key))
    return item if offered else None


async def done(ctx: Context, review: Review, form: FormDef, _action: ReviewAction) -> list[Reply]:
    item = _offering(form, review, Nav.DONE)
    if item is None:
        return show_step(ctx, review, form)
    refusal = kind_of(item).finish(ctx._, item, review.answers.get(item.key))
    if refusal:
        return [Reply(refusal, item_nav(ctx, review, form, item), expects_text=True)]
    return await _advance(ctx, review, form)


async def skip(ctx: Context, review: Review, form: FormDef, _action: ReviewAction) -> list[Reply]:
    item = _offering(form, review, Nav.SKIP)
    if item is None:
        return show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(skipped=True)))
    return await _advance(ctx, await reload(ctx, review), form)


async def keep(ctx: Context, review: Review, form: FormDef, _action: ReviewAction) -> list[Reply]:
    item = _offering(form, review, Nav.KEEP)
    if item is None:
        return show_step(ctx, review, form)
    return await _advance(ctx, review, form)


async def pick(ctx: Context, review: Review, form: FormDef, action: Pick) -> list[Reply]:
    item = rs.item_at(form, review.position)
    answer = kind_of(item).parse_option(item, action.option) if item else None
    if item is None or answer is None:
        return show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, answer),
                                 clear_level=kind_of(item).moves_level)
    return await _advance(ctx, await reload(ctx, review), form)


async def yes_or_no(ctx: Context, review: Review, form: FormDef, action: YesNo) -> list[Reply]:
    if action.answer not in ("yes", "no"):
        return show_step(ctx, review, form)
    await ctx.repos.reviews.save(
        review.id, ctx.now, answer=(review.position, Answer(action.answer)), clear_level=True
    )
    return await _advance(ctx, await reload(ctx, review), form)


async def propose(ctx: Context, review: Review, form: FormDef, action: Propose) -> list[Reply]:
    _ = ctx._
    lang = ctx.fmt.language
    _lines, v = verdict_lines(ctx, review, form)
    if not may_propose(form, v, action.level):
        chosen = next((level for level in form.levels if level.key == action.level), None)
        if chosen is None:
            return show_step(ctx, review, form)
        if v.capped_by:
            reason = _("the «Yes» answer to {questions} limits the level to {ceiling}.")
        else:
            reason = _("a total of {total} points gives at most {ceiling}.")
        return [Reply(_("«{level}» cannot be proposed: ").format(level=chosen.label(lang))
                      + reason.format(total=points(v.total), ceiling=v.ceiling.label(lang),
                                      questions=capping_questions(ctx, form, v.capped_by))),
                level_step(ctx, review, form)]
    await ctx.repos.reviews.save(review.id, ctx.now, level=action.level)
    return await _advance(ctx, await reload(ctx, review), form)


async def back(ctx: Context, review: Review, form: FormDef, _action: Back) -> list[Reply]:
    return await _move(ctx, review, form, rs.previous_step(form, review.position), False)


async def goto(ctx: Context, review: Review, form: FormDef, action: Goto) -> list[Reply]:
    if action.target not in rs.steps(form):
        return show_step(ctx, review, form)
    return await _move(ctx, review, form, action.target, action.target != rs.SUMMARY)


async def to_summary(ctx: Context, review: Review, form: FormDef,
                     _action: ToSummary) -> list[Reply]:
    await ctx.repos.reviews.save(review.id, ctx.now, position=rs.SUMMARY, appending=False,
                                 from_summary=False)
    return show_step(ctx, await reload(ctx, review), form)


async def _advance(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    step = rs.next_step(form, review, review.position)
    return await _move(ctx, review, form, step, review.from_summary and step != rs.SUMMARY)


async def _move(ctx: Context, review: Review, form: FormDef, step: str,
                from_summary: bool) -> list[Reply]:
    # arriving at an item: a message adds to what is recorded unless «Replace» is chosen
    await ctx.repos.reviews.save(review.id, ctx.now, position=step, appending=True,
                                 from_summary=from_summary)
    return replace_first(show_step(ctx, await reload(ctx, review), form), ctx)

