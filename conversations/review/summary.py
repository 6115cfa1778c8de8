"""All the answers of a review as chat messages, one section per message."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Reply
from conversations.forms.kinds import kind_of, points
from conversations.forms.library import FormDef
from conversations.forms.rating import verdict
from conversations.review import steps as rs
from storage.models import Member
from storage.reviews import Review


def summary_replies(ctx: Context, review: Review, form: FormDef,
                    member: Member | None = None) -> list[Reply]:
    """The member's own review, or (`member` given) someone's review read by a secretary."""
    _ = ctx._
    lang = ctx.fmt.language
    status = {
        "draft": _("draft"), "returned": _("returned for revision"),
        "submitted": _("submitted"), "accepted": _("accepted"),
    }[review.status]
    title = _("Self-review {year} — {form} ({status})").format(
        year=review.year, form=form.name(lang), status=status)
    if member is not None:  # the name heads the title (existing screens and tests rely on it)
        title = _("Comrade {name}").format(name=member.full_name) + "\n" + title
    replies = [Reply(title)]
    part = None
    for section in form.sections:
        if not section.items:
            continue
        lines = [section.title(lang)]
        if section.part != part:
            part = section.part
            lines.insert(0, form.parts[part](lang))
        lines += [kind_of(item).summary_line(_, item, review.answers.get(item.key), lang)
                  for item in section.items]
        replies.append(Reply("\n\n".join(lines)))
    replies.append(Reply(_rating_block(ctx, review, form, own=member is None)))
    return replies


def _rating_block(ctx: Context, review: Review, form: FormDef, own: bool) -> str:
    """The yes/no questions as asked for the member's own eyes; for anyone else reading,
    as statements about the member («Disciplined this year: No»)."""
    _ = ctx._
    lang = ctx.fmt.language
    lines = []
    for d in form.disqualifiers:
        answer = review.answers.get(rs.DQ + d.key)
        said = "…" if answer is None else (_("Yes") if answer.text == "yes" else _("No"))
        lines.append(f"— {d.question(lang)} {said}" if own else f"— {d.statement(lang)}: {said}")
    v = verdict(form, rs.scores(form, review), rs.disqualified(form, review))
    lines.append(_("Total score: {total}/100.").format(total=points(v.total)))
    level = next((lv for lv in form.levels if lv.key == review.level), None)
    lines.append(_("Proposed level: {level}.").format(
        level=level.label(lang) if level else _("not chosen yet")))
    return "\n".join(lines)
