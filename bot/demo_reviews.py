"""Sample self-reviews for the demo (and tests): written through the repositories."""

from __future__ import annotations

from datetime import datetime

from conversations.forms.library import FormLibrary
from conversations.forms.rating import review_year
from conversations.review import steps as rs
from storage.models import Member
from storage.repos import Repos
from storage.reviews import Answer, Review


async def sample_review(
    repos: Repos, forms: FormLibrary, member: Member, now: datetime, *,
    scores: tuple[int, int] = (27, 58), level: str = "good", items: int | None = None,
    submit: bool = True,
) -> Review:
    """A review of `member` with every item answered (or only the first `items`), the
    given scores (general, tasks) and level, submitted at `now` unless `submit` is False."""
    form = forms.get(forms.default_version, member.form)
    review = await repos.reviews.start(member.id, review_year(now.date()), form.version,
                                       form.code, form.items[0].key, now)
    given = iter(scores)
    for n, item in enumerate(form.items):
        if items is not None and n >= items:
            break
        if item.kind == "score":
            answer = Answer(score=next(given))
        elif item.kind == "choice":
            answer = Answer(item.options[0].key)
        else:
            answer = Answer(f"Đồng chí {member.full_name} đã thực hiện nghiêm túc nội dung "
                            f"«{item.title('vi')}».")
        await repos.reviews.save(review.id, now, answer=(item.key, answer))
    if items is None:
        for d in form.disqualifiers:
            await repos.reviews.save(review.id, now, answer=(rs.DQ + d.key, Answer("no")))
        await repos.reviews.save(review.id, now, level=level, position=rs.SUMMARY)
    if submit:
        await repos.reviews.submit(review.id, now)
    fresh = await repos.reviews.get(review.id)
    assert fresh is not None
    return fresh
