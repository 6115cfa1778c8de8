"""The self-review dialogue: one item at a time, saved at every answer, then submit.

Buttons carry `rv:<verb>:<step>[:<arg>]`. The step is where the button was shown: a
button from an earlier step (an old message, a restart) is answered with where the
member really is, never applied to the wrong item. Everything is re-read from the
database on every message, so a restart loses nothing.

The steps, verbs and states are drawn in conversations/review/dialogue.md (a Mermaid diagram).
"""

from __future__ import annotations

from datetime import date

from conversations.campaigns.rules import submission_gate
from conversations.core.context import Context
from conversations.core.replies import Choice, Document, Reply, rows
from conversations.core.text import fold
from conversations.forms.library import FormDef, Item
from conversations.forms.rating import exclusion, may_propose, review_year, verdict
from conversations.review import steps as rs
from conversations.review.printable import review_document
from conversations.review.summary import summary_replies
from conversations.secretary import alerts
from storage.reviews import Answer, Review

PREVIEW_CHARS = 300


# entry points

async def open_review(ctx: Context) -> list[Reply]:
    """/review: start, resume where the member left off, or show the locked copy."""
    _ = ctx._
    member = ctx.member
    assert member is not None
    reason = exclusion(member, _today(ctx))
    if reason is not None:
        return [Reply(_excluded_text(ctx, reason))]
    review = await _current(ctx)
    form = _form(ctx, review)
    if review is None:
        form = ctx.forms.get(ctx.forms.default_version, member.form)
        review = await ctx.repos.reviews.start(
            member.id, _year(ctx), form.version, form.code, rs.steps(form)[0], ctx.now
        )
        intro = _(
            "Self-review for {year}, {form} {subtitle}.\n"
            "I will ask the items one by one; every answer is saved at once, so you can "
            "stop and come back at any time with /review."
        ).format(year=review.year, form=form.name(ctx.fmt.language),
                 subtitle=form.subtitle(ctx.fmt.language))
        return [Reply(intro), *await show_step(ctx, review, form)]
    if not review.editable:
        return [_locked(ctx, review)]
    replies = []
    if review.status == "returned" and review.return_comment:
        replies.append(Reply(_(
            "Your cell secretary returned your self-review for revision:\n«{comment}»\n"
            "Please edit it and submit again."
        ).format(comment=review.return_comment)))
    else:
        replies.append(Reply(_("Welcome back. You are at:")))
    return replies + await show_step(ctx, review, form)


async def on_text(ctx: Context, text: str) -> list[Reply] | None:
    """A typed message while a draft is open; None when no review is in progress."""
    review = await _current(ctx)
    if review is None or not review.editable:
        return None
    form = _form(ctx, review)
    item = rs.item_at(form, review.position)
    if item is None or item.kind == "choice":  # a choice is expected
        return [Reply(ctx._("Please choose one of the options below.")),
                *await show_step(ctx, review, form)]
    if item.kind == "score":
        return await _score(ctx, review, form, item, text)
    if fold(text) in (fold(ctx._("skip")), fold(ctx._("back"))):
        # a keyword whose choice is not offered here (a required item cannot be skipped,
        # the first one has no «back»): never saved as the answer itself
        if fold(text) == fold(ctx._("skip")):
            return await (_done if item.required else _skip)(ctx, review, form, "")
        return await show_step(ctx, review, form)
    return await _write(ctx, review, form, item, text)


async def on_action(ctx: Context, data: str) -> list[Reply]:
    verb, _sep, rest = data.partition(":")
    step, _sep, arg = rest.partition(":")
    review = await _current(ctx)
    if review is None:
        return await open_review(ctx)
    form = _form(ctx, review)
    if verb in ("view", "copy"):
        return await (_view(ctx, review, form) if verb == "view" else _copy(ctx, review, form))
    if not review.editable:
        return [_locked(ctx, review)]
    if verb in ("toc", "sum") and step in rs.steps(form):
        if verb == "toc":
            return [_table_of_contents(ctx, review, form)]
        await ctx.repos.reviews.save(review.id, ctx.now, position=rs.SUMMARY,
                                     appending=False, from_summary=False)
        return await show_step(ctx, await _reload(ctx, review), form)
    if step != review.position:
        return [Reply(ctx._("That button belongs to an earlier step. You are here now:")),
                *await show_step(ctx, review, form)]
    handler = _VERBS.get(verb)
    if handler is None:
        return await show_step(ctx, review, form)
    return await handler(ctx, review, form, arg)


# showing a step

async def show_step(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    step = review.position
    if step == rs.SUMMARY:
        return _summary(ctx, review, form)
    if step == rs.LEVEL:
        return [_level_step(ctx, review, form)]
    if step.startswith(rs.DQ):
        return [_question_step(ctx, review, form)]
    item = form.item(step)
    return [_item_step(ctx, review, form, item)]


def _heading(ctx: Context, form: FormDef, item: Item) -> str:
    lang = ctx.fmt.language
    section = next(s for s in form.sections if s.key == item.section)
    number = f"{item.number}. " if item.number else ""
    return ctx._("Item {n} of {total} · {section}").format(
        n=form.position(item.key) + 1, total=len(form.items),
        section=f"{section.part}.{section.title(lang)}",  # "B.I. …": part B restarts at I
    ) + f"\n{number}{item.title(lang)}"


def _item_step(ctx: Context, review: Review, form: FormDef, item: Item) -> Reply:
    _ = ctx._
    lang = ctx.fmt.language
    lines = [_heading(ctx, form, item), item.hint(lang)]
    answer = review.answers.get(item.key)
    if item.kind == "score":
        lines.append(_("Send a whole number from 0 to {max}.").format(max=item.max))
        if answer and answer.score is not None:
            lines.append(_("Score recorded: {score}.").format(score=answer.score))
        nav = _nav(ctx, review, form, item, keep=answer)
        return Reply("\n".join(lines), nav, expects_text=True)
    if item.kind == "choice":
        return _choice_step(ctx, review, form, item, lines)
    if answer and answer.text:
        lines.append(_("Recorded so far ({n} characters):").format(n=len(answer.text)))
        lines.append("«" + _preview(answer.text) + "»")
        lines.append(_(
            "A new message replaces this text; press «Done» to keep it."
        ) if not review.appending else _("Further messages are added to it."))
    else:
        lines.append(_(
            "Write your answer; you may send several messages, they are joined. "
            "When finished, press «Done»."
        ))
    if not item.required:
        lines.append(_("This item is optional: press «Skip» if it does not apply to you."))
    return Reply("\n".join(lines), _nav(ctx, review, form, item), expects_text=True)


def _nav(ctx: Context, review: Review, form: FormDef, item: Item, keep: Answer | None = None):
    _ = ctx._
    step = review.position
    first = []
    if item.kind == "text":
        first.append(Choice(_("✓ Done"), f"rv:done:{step}", keyword=_("done")))
    if item.kind != "score" and not item.required:
        first.append(Choice(_("Skip"), f"rv:skip:{step}", keyword=_("skip")))
    if keep is not None and keep.score is not None:
        first.append(Choice(_("Keep {score}").format(score=keep.score), f"rv:keep:{step}",
                            keyword=_("keep")))
    second = [Choice(_("◀ Back"), f"rv:back:{step}", keyword=_("back")),
              Choice(_("All items"), f"rv:toc:{step}", keyword=_("items"))]
    if step == form.items[0].key:
        second = second[1:]
    return tuple(row for row in (tuple(first), tuple(second)) if row)


def _choice_step(ctx: Context, review: Review, form: FormDef, item: Item,
                 lines: list[str]) -> Reply:
    lang = ctx.fmt.language
    answer = review.answers.get(item.key)
    picked = answer.text if answer else ""
    options = [Choice(("✓ " if option.key == picked else "") + option.label(lang),
                      f"rv:pick:{review.position}:{option.key}") for option in item.options]
    nav = _nav(ctx, review, form, item)
    return Reply("\n".join(lines), (*rows(*options), *nav))


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "…"


def _question_step(ctx: Context, review: Review, form: FormDef) -> Reply:
    _ = ctx._
    key = review.position.removeprefix(rs.DQ)
    index = [d.key for d in form.disqualifiers].index(key)
    question = form.disqualifiers[index].question(ctx.fmt.language)
    step = review.position
    text = _("Question {n} of {total} before the rating:").format(
        n=index + 1, total=len(form.disqualifiers)) + "\n" + question
    previous = review.answers.get(step)
    if previous:
        text += "\n" + _("Answered: {answer}.").format(
            answer=_("Yes") if previous.text == "yes" else _("No"))
    return Reply(text, (
        (Choice(_("Yes"), f"rv:dq:{step}:yes", keyword=_("yes")),
         Choice(_("No"), f"rv:dq:{step}:no", keyword=_("no"))),
        _back_and_items(ctx, step),
    ))


def _back_and_items(ctx: Context, step: str) -> tuple[Choice, ...]:
    """Back and the list of items, also typed as words on text-only channels."""
    _ = ctx._
    return (Choice(_("◀ Back"), f"rv:back:{step}", keyword=_("back")),
            Choice(_("All items"), f"rv:toc:{step}", keyword=_("items")))


def _verdict_lines(ctx: Context, review: Review, form: FormDef) -> tuple[list[str], object]:
    _ = ctx._
    lang = ctx.fmt.language
    scores = rs.scores(form, review)
    v = verdict(form, scores, rs.disqualified(form, review))
    parts = ", ".join(
        f"{item.title(lang)} {scores.get(item.key, 0)}/{item.max}" for item in form.score_items
    )
    lines = [_("Total score: {total}/100 ({parts}).").format(total=v.total, parts=parts),
             _("By the score: {level}.").format(level=v.implied.label(lang))]
    if v.capped_by:
        lines.append(_(
            "Because you answered «Yes» to a question before the rating, the level you may "
            "propose is at most: {level}."
        ).format(level=v.ceiling.label(lang)))
    return lines, v


def _level_step(ctx: Context, review: Review, form: FormDef) -> Reply:
    _ = ctx._
    lang = ctx.fmt.language
    lines, _v = _verdict_lines(ctx, review, form)
    lines.append(_("Choose the quality level you propose for yourself:"))
    step = review.position
    choices = [
        Choice(("✓ " if review.level == level.key else "") + level.label(lang),
               f"rv:lvl:{step}:{level.key}")
        for level in form.levels
    ]
    return Reply("\n".join(lines), (*rows(*choices), _back_and_items(ctx, step)))


def _summary(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    _ = ctx._
    replies = summary_replies(ctx, review, form)
    gaps = rs.missing(form, review)
    step = review.position
    if gaps:
        names = ", ".join(_step_name(ctx, form, gap) for gap in gaps)
        text = _("Still to complete before submitting: {items}.").format(items=names)
        first = Choice(_("Continue with the first missing item"), f"rv:goto:{step}:{gaps[0]}")
    else:
        text = _("Everything is filled in. Check the text above, then submit.")
        first = Choice(_("Submit the self-review"), f"rv:submit:{step}")
    replies.append(Reply(text, (
        (first,),
        (Choice(_("Edit an item"), f"rv:toc:{step}", keyword=_("items")),
         Choice(_("◀ Back"), f"rv:back:{step}", keyword=_("back"))),
    )))
    return replies


def _step_name(ctx: Context, form: FormDef, step: str) -> str:
    _ = ctx._
    if step == rs.LEVEL:
        return _("the proposed level")
    if step.startswith(rs.DQ):
        keys = [d.key for d in form.disqualifiers]
        return _("question {n}").format(n=keys.index(step.removeprefix(rs.DQ)) + 1)
    return _("item {n}").format(n=form.position(step) + 1)


def _table_of_contents(ctx: Context, review: Review, form: FormDef) -> Reply:
    _ = ctx._
    lang = ctx.fmt.language
    step = review.position
    choices = []
    for n, item in enumerate(form.items, start=1):
        mark = "✓ " if rs.is_answered(form, review, item.key) else ""
        choices.append(Choice(f"{mark}{n}. {item.title(lang)}"[:60], f"rv:goto:{step}:{item.key}"))
    first_question = rs.DQ + form.disqualifiers[0].key
    choices.append(Choice(_("Questions before the rating"), f"rv:goto:{step}:{first_question}"))
    choices.append(Choice(_("Proposed level"), f"rv:goto:{step}:{rs.LEVEL}"))
    choices.append(Choice(_("Review everything and submit"), f"rv:sum:{step}"))
    return Reply(_("Choose the item to open (✓ already answered):"), rows(*choices),
                 replace=ctx.incoming.kind.value == "action")


# answering

async def _write(ctx: Context, review: Review, form: FormDef, item: Item, text: str):
    _ = ctx._
    old = review.answers.get(item.key)
    combined = f"{old.text}\n{text}" if review.appending and old and old.text else text
    limit = ctx.config.answer_limit
    if len(combined) > limit:
        return [Reply(_(
            "This would make the item {n} characters long; the limit is {limit}. Nothing was "
            "saved from this message: please shorten it, or press «Done» and continue."
        ).format(n=ctx.fmt.number(len(combined)), limit=ctx.fmt.number(limit)),
            _nav(ctx, review, form, item), expects_text=True)]
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(combined)),
                                 appending=True)
    return [Reply(_(
        "Saved ({n} characters). Send more to add to it, or press «Done»."
    ).format(n=ctx.fmt.number(len(combined))), _nav(ctx, review, form, item), expects_text=True)]


async def _score(ctx: Context, review: Review, form: FormDef, item: Item, text: str):
    _ = ctx._
    value = text.strip()
    if not value.isdigit() or not 0 <= int(value) <= (item.max or 0):
        return [Reply(_(
            "The score must be a whole number from 0 to {max}. Please send it again."
        ).format(max=item.max), _nav(ctx, review, form, item), expects_text=True)]
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(score=int(value))),
                                 clear_level=True)
    return await _advance(ctx, await _reload(ctx, review), form)


async def _done(ctx: Context, review: Review, form: FormDef, _arg: str):
    item = rs.item_at(form, review.position)
    if item is None or item.kind != "text":
        return await show_step(ctx, review, form)
    if item.required and not rs.is_answered(form, review, item.key):
        return [Reply(ctx._(
            "This item is required. Please write something first (if there is nothing to "
            "report, write «Không có»)."
        ), _nav(ctx, review, form, item), expects_text=True)]
    return await _advance(ctx, review, form)


async def _skip(ctx: Context, review: Review, form: FormDef, _arg: str):
    item = rs.item_at(form, review.position)
    if item is None or item.required:
        return await show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(skipped=True)))
    return await _advance(ctx, await _reload(ctx, review), form)


async def _pick(ctx: Context, review: Review, form: FormDef, arg: str):
    item = rs.item_at(form, review.position)
    if item is None or item.option(arg) is None:
        return await show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, answer=(item.key, Answer(arg)))
    return await _advance(ctx, await _reload(ctx, review), form)


async def _keep(ctx: Context, review: Review, form: FormDef, _arg: str):
    return await _advance(ctx, review, form)


async def _question(ctx: Context, review: Review, form: FormDef, arg: str):
    if arg not in ("yes", "no"):
        return await show_step(ctx, review, form)
    await ctx.repos.reviews.save(
        review.id, ctx.now, answer=(review.position, Answer(arg)), clear_level=True
    )
    return await _advance(ctx, await _reload(ctx, review), form)


async def _level(ctx: Context, review: Review, form: FormDef, arg: str):
    _ = ctx._
    lang = ctx.fmt.language
    _lines, v = _verdict_lines(ctx, review, form)
    if not may_propose(form, v, arg):
        chosen = next((level for level in form.levels if level.key == arg), None)
        if chosen is None:
            return await show_step(ctx, review, form)
        if v.capped_by:
            reason = _("a «Yes» answer before the rating limits the level to {ceiling}.")
        else:
            reason = _("a total of {total} points gives at most {ceiling}.")
        return [Reply(_("«{level}» cannot be proposed: ").format(level=chosen.label(lang))
                      + reason.format(total=v.total, ceiling=v.ceiling.label(lang))),
                _level_step(ctx, review, form)]
    await ctx.repos.reviews.save(review.id, ctx.now, level=arg)
    return await _advance(ctx, await _reload(ctx, review), form)


async def _back(ctx: Context, review: Review, form: FormDef, _arg: str):
    step = rs.previous_step(form, review.position)
    await ctx.repos.reviews.save(review.id, ctx.now, position=step, appending=False,
                                 from_summary=False)
    return _replace_first(await show_step(ctx, await _reload(ctx, review), form), ctx)


async def _goto(ctx: Context, review: Review, form: FormDef, arg: str):
    if arg not in rs.steps(form):
        return await show_step(ctx, review, form)
    await ctx.repos.reviews.save(review.id, ctx.now, position=arg, appending=False,
                                 from_summary=arg != rs.SUMMARY)
    return _replace_first(await show_step(ctx, await _reload(ctx, review), form), ctx)


async def _advance(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    step = rs.next_step(form, review, review.position)
    from_summary = review.from_summary and step != rs.SUMMARY
    await ctx.repos.reviews.save(review.id, ctx.now, position=step, appending=False,
                                 from_summary=from_summary)
    return _replace_first(await show_step(ctx, await _reload(ctx, review), form), ctx)


def _replace_first(replies: list[Reply], ctx: Context) -> list[Reply]:
    """After a button press, the next step takes the place of the message it was on."""
    if ctx.incoming.kind.value != "action" or len(replies) != 1:
        return replies
    only = replies[0]
    return [Reply(only.text, only.choices, only.document, True, only.expects_text)]


# submitting

async def _submit(ctx: Context, review: Review, form: FormDef, _arg: str):
    _ = ctx._
    if rs.missing(form, review):
        return _summary(ctx, review, form)[-1:]
    step = review.position
    return [Reply(_(
        "Submit your self-review now? Once submitted it is locked and goes to the cell "
        "committee; it can be changed only if the cell secretary returns it to you."
    ), ((Choice(_("Yes, submit"), f"rv:confirm:{step}"),
         Choice(_("Not yet"), f"rv:sum:{step}")),), replace=True)]


async def _confirm(ctx: Context, review: Review, form: FormDef, _arg: str):
    _ = ctx._
    if rs.missing(form, review):
        return _summary(ctx, review, form)[-1:]
    gate = await submission_gate(ctx, review)  # the campaign: open? late?
    if gate.refused:
        return list(gate.replies)
    if not await ctx.repos.reviews.submit(review.id, ctx.now):
        return [_locked(ctx, await _reload(ctx, review))]
    review = await _reload(ctx, review)
    await alerts.on_submitted(ctx.repos, ctx.forms, review, ctx.now)
    done = Reply(_(
        "Submitted at {time}. Your cell committee has received it. Please print the attached "
        "copy, sign it and hand it to your cell. /copy sends it again."
    ).format(time=ctx.fmt.datetime(ctx.now)), replace=True)
    return [done, *gate.replies,
            Reply(_("Printable copy:"), document=await _document(ctx, review))]


async def _document(ctx: Context, review: Review) -> Document:
    member = ctx.member
    assert member is not None
    committee = await ctx.repos.org.committee(member.committee_id)
    caption = ctx._("Self-review {year}, {name}").format(year=review.year, name=member.full_name)
    return review_document(ctx.forms, member, committee, review, caption)


async def copy(ctx: Context) -> list[Reply]:
    """/copy: the printable document of the submitted review."""
    review = await _current(ctx)
    if review is None:
        return [Reply(ctx._("You have not started your self-review yet. Send /review to begin."))]
    return await _copy(ctx, review, _form(ctx, review))


async def _copy(ctx: Context, review: Review, form: FormDef):
    if review.editable:
        return [Reply(ctx._(
            "The printable copy is made when you submit. Your draft is saved; send /review "
            "to continue."
        ))]
    return [Reply(ctx._("Printable copy:"), document=await _document(ctx, review))]


async def _view(ctx: Context, review: Review, form: FormDef):
    return summary_replies(ctx, review, form)


def _locked(ctx: Context, review: Review) -> Reply:
    _ = ctx._
    text = _(
        "You submitted your self-review at {time}; it is locked. If something must be "
        "changed, please ask your cell secretary to return it to you."
    ).format(time=ctx.fmt.datetime(review.submitted_at or review.updated_at))
    if review.status == "accepted":
        text = _("Your self-review was accepted by the cell secretary.")
    step = review.position
    return Reply(text, ((Choice(_("View what I submitted"), f"rv:view:{step}"),
                         Choice(_("Printable copy"), f"rv:copy:{step}")),))


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


# helpers

def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.fmt.zone).date()


def _year(ctx: Context) -> int:
    return review_year(_today(ctx))


async def _current(ctx: Context) -> Review | None:
    assert ctx.member is not None
    return await ctx.repos.reviews.of_member(ctx.member.id, _year(ctx))


async def _reload(ctx: Context, review: Review) -> Review:
    fresh = await ctx.repos.reviews.get(review.id)
    assert fresh is not None
    return fresh


def _form(ctx: Context, review: Review | None) -> FormDef:
    """The form the draft was started on: changing form files never breaks a draft."""
    if review is None:
        return ctx.forms.get(ctx.forms.default_version, ctx.member.form)
    return ctx.forms.get(review.form_version, review.form_code)


_VERBS = {
    "done": _done, "skip": _skip, "pick": _pick, "keep": _keep, "dq": _question, "lvl": _level,
    "back": _back, "goto": _goto, "submit": _submit, "confirm": _confirm,
}
