"""The order of a self-review: form items, the yes/no questions, the level, the summary.

A step is a string key stored as the review's position: an item key ('A.II.1'),
'dq.<key>' for a disqualifying question, 'level', or 'summary'. The member's place is
therefore always derivable from the stored draft.
"""

from __future__ import annotations

from conversations.forms.kinds import kind_of
from conversations.forms.library import FormDef, Item
from storage.reviews import Review

LEVEL = "level"
SUMMARY = "summary"
DQ = "dq."


def steps(form: FormDef) -> list[str]:
    return (
        [item.key for item in form.items]
        + [DQ + d.key for d in form.disqualifiers]
        + [LEVEL, SUMMARY]
    )


def item_at(form: FormDef, step: str) -> Item | None:
    try:
        return form.item(step)
    except KeyError:
        return None


def next_step(form: FormDef, review: Review, step: str) -> str:
    """Onwards. The questions before the rating are always asked in turn. After a step
    opened from the list or the summary: the next thing still missing (after this step,
    else the first), so a draft with gaps never lands on the rating; the summary when
    nothing is."""
    order = steps(form)
    following = order[min(order.index(step) + 1, len(order) - 1)]
    if step.startswith(DQ) and following.startswith(DQ):
        return following
    if not review.from_summary:
        return following
    gaps = [gap for gap in missing(form, review) if gap != step]
    if not gaps:
        return SUMMARY
    later = [gap for gap in gaps if order.index(gap) > order.index(step)]
    return (later or gaps)[0]


def previous_step(form: FormDef, step: str) -> str:
    order = steps(form)
    return order[max(order.index(step) - 1, 0)]


def is_answered(form: FormDef, review: Review, key: str) -> bool:
    item = item_at(form, key)
    return item is not None and kind_of(item).answered(review.answers.get(key))


def missing(form: FormDef, review: Review) -> list[str]:
    """Steps that must be answered before submitting, in order."""
    gaps = [
        item.key for item in form.items
        if item.required and not is_answered(form, review, item.key)
    ]
    gaps += [DQ + d.key for d in form.disqualifiers if DQ + d.key not in review.answers]
    if review.level is None:
        gaps.append(LEVEL)
    return gaps


def scores(form: FormDef, review: Review) -> dict[str, float]:
    return {
        item.key: review.answers[item.key].score
        for item in form.score_items
        if item.key in review.answers and review.answers[item.key].score is not None
    }


def disqualified(form: FormDef, review: Review) -> tuple[str, ...]:
    return tuple(
        d.key for d in form.disqualifiers
        if review.answers.get(DQ + d.key, None) and review.answers[DQ + d.key].text == "yes"
    )


def done_count(form: FormDef, review: Review) -> int:
    return sum(1 for item in form.items if is_answered(form, review, item.key))
