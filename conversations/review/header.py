"""Who the review is for and by when: the header printed on the form, and the deadline.

A member sees the header (name, date of birth, posts, workplace, cell) at the start and
in the final summary, before the review is locked, with whom to ask for a correction;
and, while a campaign is open, the cell's deadline and the days left.
"""

from __future__ import annotations

from conversations.campaigns.rules import cell_deadline
from conversations.core.context import Context
from conversations.core.i18n import N_
from conversations.core.replies import Reply
from conversations.forms.library import FormDef
from conversations.review.session import today
from storage.reviews import Review

LABELS = {
    "full_name": N_("Full name"),
    "birth_date": N_("Date of birth"),
    "party_post": N_("Party post"),
    "other_posts": N_("Government and mass-organisation posts"),
    "workplace": N_("Workplace"),
    "cell": N_("Party cell"),
}


def header_text(ctx: Context, form: FormDef) -> str:
    _ = ctx._
    member = ctx.member
    assert member is not None
    values = {
        "full_name": member.full_name, "birth_date": ctx.fmt.date(member.birth_date),
        "party_post": member.party_post, "other_posts": member.other_posts,
        "workplace": member.workplace, "cell": member.cell_name,
    }
    lines = [_("Printed at the top of your form:")]
    lines += [f"- {_(LABELS[key])}: {values.get(key) or _('(not recorded)')}"
              for key in form.header_fields if key in LABELS]
    if member.is_cell_secretary:  # he cannot ask himself: the committee keeps the records
        lines.append(_("If any of this is wrong, please ask the Party committee's office to "
                       "correct it."))
    else:
        lines.append(_("If any of this is wrong, please ask your cell secretary to correct it."))
    return "\n".join(lines)


async def deadline_text(ctx: Context, review: Review) -> str | None:
    """The cell's deadline and the days left, while the year's campaign is open."""
    member = ctx.member
    assert member is not None
    campaign = await ctx.repos.campaigns.for_year(member.committee_id, review.year)
    if campaign is None or not campaign.is_open:
        return None
    deadline = await cell_deadline(ctx.repos, member.committee_id, review.year, member.cell_id)
    if deadline is None:
        return None
    left = (deadline - today(ctx)).days
    day = ctx.fmt.date(deadline)
    if left < 0:
        return ctx._("The deadline for your cell was {date}.").format(date=day)
    if left == 0:
        return ctx._("The deadline for your cell is today, {date}.").format(date=day)
    return ctx.fmt.ngettext(
        "The deadline for your cell is {date}: {n} day left.",
        "The deadline for your cell is {date}: {n} days left.", left,
    ).format(date=day, n=ctx.fmt.number(left))


async def header_replies(ctx: Context, review: Review, form: FormDef) -> list[Reply]:
    deadline = await deadline_text(ctx, review)
    return [Reply(header_text(ctx, form) + (f"\n{deadline}" if deadline else ""))]
