"""What the member sees at each step: the item, a question, the level, the summary, the list."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.forms.kinds import Nav, kind_of, points
from conversations.forms.library import FormDef, Item
from conversations.forms.rating import Verdict, may_propose, verdict
from conversations.review import steps as rs
from conversations.review import wording
from conversations.review.actions import (
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
    Skip,
    Submit,
    ToSummary,
    View,
    YesNo,
)
from conversations.review.header import header_text
from conversations.review.summary import summary_replies
from storage.reviews import Review

TOC_LABEL_CHARS = 60


def show_step(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    step = review.position
    if step == rs.SUMMARY:
        return summary_step(ctx, review, form)
    if step == rs.LEVEL:
        return [level_step(ctx, review, form)]
    if step.startswith(rs.DQ):
        return [_question_step(ctx, review, form)]
    return [_item_step(ctx, review, form, form.item(step))]


def _heading(ctx: Context, form: FormDef, item: Item) -> str:
    lang = ctx.fmt.language
    section = next(s for s in form.sections if s.key == item.section)
    return ctx._("Item {n} of {total} · {section}").format(
        n=form.position(item.key) + 1, total=len(form.items),
        section=f"{section.part}.{section.title(lang)}",  # "B.I. …": part B restarts at I
    ) + "\n" + item.label(lang)


def _item_step(ctx: Context, review: Review, form: FormDef, item: Item) -> Reply:
    lang = ctx.fmt.language
    answer = review.answers.get(item.key)
    asked = kind_of(item).ask(wording.for_channel(ctx), item, answer,
                              appending=review.appending, language=lang)
    options = [Choice(label, REVIEW.pack(Pick(review.position, value)))
               for value, label in asked.options]
    text = "\n".join([_heading(ctx, form, item), item.hint(lang), *asked.lines])
    return Reply(text, (*rows(*options), *item_nav(ctx, review, form, item)),
                 expects_text=asked.expects_text)


def item_nav(ctx: Context, review: Review, form: FormDef,
             item: Item) -> tuple[tuple[Choice, ...], ...]:
    """The item's own buttons (done, skip, keep), then back and the list of items."""
    _ = ctx._
    step = review.position
    answer = review.answers.get(item.key)
    kind = kind_of(item)
    own = []
    for nav in kind.nav(item, answer):
        if nav is Nav.DONE:
            own.append(Choice(_("✓ Done"), REVIEW.pack(Done(step)), keyword=_("done")))
        elif nav is Nav.SKIP:
            own.append(Choice(_("Skip"), REVIEW.pack(Skip(step)), keyword=_("skip")))
        elif nav is Nav.REPLACE:
            own.append(Choice(_("Replace"), REVIEW.pack(Replace(step)), keyword=_("replace")))
        elif answer is not None:
            own.append(Choice(_("Keep {score}").format(score=kind.kept(answer)),
                              REVIEW.pack(Keep(step)), keyword=_("keep")))
    moves = back_and_items(ctx, step)
    if step == form.items[0].key:
        moves = moves[1:]
    return tuple(row for row in (tuple(own), moves) if row)


def back_and_items(ctx: Context, step: str) -> tuple[Choice, ...]:
    """Back and the list of items, also typed as words on text-only channels."""
    _ = ctx._
    return (Choice(_("◀ Back"), REVIEW.pack(Back(step)), keyword=_("back")),
            Choice(_("All items"), REVIEW.pack(Contents(step)), keyword=_("items")))


def _question_step(ctx: Context, review: Review, form: FormDef) -> Reply:
    _ = ctx._
    step = review.position
    keys = [d.key for d in form.disqualifiers]
    index = keys.index(step.removeprefix(rs.DQ))
    text = _("Question {n} of {total} before the rating:").format(
        n=index + 1, total=len(keys)) + "\n" + form.disqualifiers[index].question(ctx.fmt.language)
    previous = review.answers.get(step)
    if previous:
        text += "\n" + _("Answered: {answer}.").format(
            answer=_("Yes") if previous.text == "yes" else _("No"))
    return Reply(text, (
        (Choice(_("Yes"), REVIEW.pack(YesNo(step, "yes")), keyword=_("yes")),
         Choice(_("No"), REVIEW.pack(YesNo(step, "no")), keyword=_("no"))),
        back_and_items(ctx, step),
    ))


def verdict_lines(ctx: Context, review: Review, form: FormDef) -> tuple[list[str], Verdict]:
    _ = ctx._
    lang = ctx.fmt.language
    scores = rs.scores(form, review)
    v = verdict(form, scores, rs.disqualified(form, review))
    parts = ", ".join(
        f"{item.title(lang)} {points(scores.get(item.key, 0))}/{item.max}"
        for item in form.score_items
    )
    lines = [_("Total score: {total}/100 ({parts}).").format(total=points(v.total), parts=parts),
             _("By the score: {level}.").format(level=v.implied.label(lang))]
    if v.capped_by:
        lines.append(_(
            "Because you answered «Yes» to {questions}, you can only propose the level "
            "«{level}» for yourself. If that answer was a mistake, open the question from "
            "the list of items and answer it again."
        ).format(questions=capping_questions(ctx, form, v.capped_by),
                 level=v.ceiling.label(lang)))
    return lines, v


def capping_questions(ctx: Context, form: FormDef, keys: tuple[str, ...]) -> str:
    """«question 2 (Were you disciplined this year?)» for each question answered «Yes»."""
    lang = ctx.fmt.language
    return "; ".join(
        ctx._("question {n} («{question}»)").format(n=n, question=d.question(lang))
        for n, d in enumerate(form.disqualifiers, start=1) if d.key in keys
    )


def level_step(ctx: Context, review: Review, form: FormDef) -> Reply:
    lang = ctx.fmt.language
    lines, v = verdict_lines(ctx, review, form)
    lines.append(ctx._("Choose the quality level you propose for yourself:"))
    step = review.position
    choices = [  # only the levels the score and the answers allow: no choice is refused
        Choice(("✓ " if review.level == level.key else "") + level.label(lang),
               REVIEW.pack(Propose(step, level.key)))
        for level in form.levels if may_propose(form, v, level.key)
    ]
    return Reply("\n".join(lines), (*rows(*choices), back_and_items(ctx, step)))


def summary_step(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    _ = ctx._
    replies = summary_replies(ctx, review, form)
    replies.insert(1, Reply(header_text(ctx, form)))  # after the title, as on the paper
    gaps = rs.missing(form, review)
    step = review.position
    if gaps:
        names = ", ".join(_step_name(ctx, form, gap) for gap in gaps)
        text = _("Still to complete before submitting: {items}.").format(items=names)
        first = Choice(_("Continue with the first missing item"),
                       REVIEW.pack(Goto(step, gaps[0])))
    else:
        text = _("Everything is filled in. Check the text above, then submit.")
        first = Choice(_("Submit the self-review"), REVIEW.pack(Submit(step)))
    replies.append(Reply(text, (
        (first,),
        (Choice(_("Edit an item"), REVIEW.pack(Contents(step)), keyword=_("items")),
         Choice(_("◀ Back"), REVIEW.pack(Back(step)), keyword=_("back"))),
        (Choice(_("Printable draft to read over (.docx)"), REVIEW.pack(Copy(step)),
                keyword=_("draft")),),
    )))
    return replies


def confirm_step(ctx: Context, review: Review) -> Reply:
    _ = ctx._
    step = review.position
    return Reply(_(
        "Submit your self-review now? Once submitted it is locked and goes to the cell "
        "committee; it can be changed only if the cell secretary returns it to you."
    ), ((Choice(_("Yes, submit"), REVIEW.pack(Confirm(step))),
         Choice(_("Not yet"), REVIEW.pack(ToSummary(step)))),), replace=True)


def _step_name(ctx: Context, form: FormDef, step: str) -> str:
    _ = ctx._
    if step == rs.LEVEL:
        return _("the proposed level")
    if step.startswith(rs.DQ):
        keys = [d.key for d in form.disqualifiers]
        return _("question {n}").format(n=keys.index(step.removeprefix(rs.DQ)) + 1)
    return _("item {n}").format(n=form.position(step) + 1)


def table_of_contents(ctx: Context, review: Review, form: FormDef) -> Reply:
    _ = ctx._
    lang = ctx.fmt.language
    step = review.position
    # text-only channels number the choices themselves: the item's number would be doubled
    numbered = ctx.incoming.has_buttons
    choices = []
    for n, item in enumerate(form.items, start=1):
        mark = "✓ " if rs.is_answered(form, review, item.key) else ""
        title = shorten(item.title(lang), TOC_LABEL_CHARS - 8)
        choices.append(Choice(f"{mark}{n}. {title}" if numbered else f"{mark}{title}",
                              REVIEW.pack(Goto(step, item.key))))
    questions = [rs.DQ + d.key for d in form.disqualifiers]
    asked = all(q in review.answers for q in questions)
    choices += [
        Choice(("✓ " if asked else "") + _("Questions before the rating"),
               REVIEW.pack(Goto(step, questions[0]))),
        Choice(("✓ " if review.level else "") + _("Proposed level"),
               REVIEW.pack(Goto(step, rs.LEVEL))),
        Choice(_("Review everything and submit"), REVIEW.pack(ToSummary(step))),
    ]
    return Reply(_("Choose the item to open (✓ already answered):"), rows(*choices),
                 replace=ctx.incoming.kind is Kind.ACTION)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words with «…»."""
    if len(text) <= limit:
        return text
    cut = text[: limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def locked(ctx: Context, review: Review) -> Reply:
    _ = ctx._
    text = _(
        "You submitted your self-review at {time}; it is locked. If something must be "
        "changed, please ask your cell secretary to return it to you."
    ).format(time=ctx.fmt.datetime(review.submitted_at or review.updated_at))
    if review.status == "accepted":
        text = _("Your self-review was accepted by the cell secretary.")
    step = review.position
    return Reply(text, ((Choice(_("View what I submitted"), REVIEW.pack(View(step))),
                         Choice(_("Printable copy"), REVIEW.pack(Copy(step)))),))


def replace_first(replies: list[Reply], ctx: Context) -> list[Reply]:
    """After a button press, the next step takes the place of the message it was on."""
    if ctx.incoming.kind is not Kind.ACTION or len(replies) != 1:
        return replies
    only = replies[0]
    return [Reply(only.text, only.choices, only.document, True, only.expects_text)]
