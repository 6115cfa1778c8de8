"""/campaign for committee admins: a short guided dialogue (name, deadlines, confirm).

The answers so far are stored per chat account (campaign_drafts), so a restart or a pause
loses nothing. Buttons carry `cp:<verb>`; who may use them is re-checked every time.
"""

from __future__ import annotations

from datetime import date

from conversations.campaigns.rules import (
    CampaignError,
    CampaignRequest,
    check_dates,
    create_campaign,
    local_today,
    parse_date,
)
from conversations.campaigns.view import describe, one_line
from conversations.core.context import Context
from conversations.core.replies import Choice, Reply, rows


def _refused(ctx: Context) -> list[Reply]:
    return [Reply(ctx._(
        "Sorry, review campaigns are run by the committee's administrators. If you think "
        "you should have access, please ask your committee office."
    ))]


def _cancel_row(ctx: Context):
    return rows(Choice(ctx._("Cancel"), "cp:cancel"))


async def open_campaigns(ctx: Context) -> list[Reply]:
    """/campaign: the committee's campaigns, or where the admin left off."""
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if draft:
        return [Reply(ctx._("You were creating a campaign; let us continue.")),
                _ask(ctx, draft)]
    found = await ctx.repos.campaigns.of_committee(ctx.member.committee_id)
    lines = [one_line(ctx.fmt, c) for c in found] or [ctx._("No campaigns yet.")]
    current = next((c for c in found if c.is_open), None)
    if current:
        lines = await describe(ctx.repos, ctx.fmt, current, ctx.now)
    return [Reply("\n".join(lines), rows(Choice(ctx._("New campaign"), "cp:new")))]


async def on_action(ctx: Context, arg: str) -> list[Reply]:
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    if arg == "new":
        draft = {"step": "name"}
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [_ask(ctx, draft)]
    if arg == "cancel":
        await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
        return [Reply(ctx._("Cancelled; nothing was created."), replace=True)]
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if arg == "create" and draft and draft.get("step") == "confirm":
        return await _create(ctx, draft)
    return [Reply(ctx._("That button is no longer valid. Send /campaign to start again."))]


async def on_text(ctx: Context, text: str) -> list[Reply] | None:
    """An answer to the dialogue, or None when no campaign is being created."""
    if not (ctx.member and ctx.member.is_admin):
        return None
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if not draft:
        return None
    step = draft["step"]
    if step == "name":
        draft.update(name=text.strip()[:200], step="cells")
    elif step in ("cells", "committee"):
        try:
            day = parse_date(text)
            today = local_today(ctx.now, ctx.fmt.zone)
            cells = date.fromisoformat(draft["cells"]) if step == "committee" else day
            check_dates(today, today, cells, day)
        except CampaignError as exc:
            return [Reply(exc.render(ctx._)), _ask(ctx, draft)]
        draft[step] = day.isoformat()
        draft["step"] = "committee" if step == "cells" else "confirm"
    else:
        return [_ask(ctx, draft)]
    await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
    return [_ask(ctx, draft)]


def _ask(ctx: Context, draft: dict) -> Reply:
    _ = ctx._
    step = draft["step"]
    if step == "name":
        return Reply(_("New review campaign. What is its name? For example: "
                       "Kiểm điểm năm {year}").format(year=ctx.now.year),
                     _cancel_row(ctx), expects_text=True)
    if step == "cells":
        return Reply(_("The cells' deadline (chi bộ), e.g. 28/11/{year}?").format(
            year=ctx.now.year), _cancel_row(ctx), expects_text=True)
    if step == "committee":
        return Reply(_("The committee's deadline (after the cells'), e.g. 05/12/{year}?").format(
            year=ctx.now.year), _cancel_row(ctx), expects_text=True)
    return Reply(_(
        "Create this campaign?\n{name}\nCells' deadline: {cells}\nCommittee's deadline: "
        "{committee}\nReminders 7, 3 and 1 days before and on the morning of the cells' "
        "deadline, at 08:00; late submissions are accepted and marked late."
    ).format(name=draft["name"], cells=ctx.fmt.date(date.fromisoformat(draft["cells"])),
             committee=ctx.fmt.date(date.fromisoformat(draft["committee"]))),
        rows(Choice(_("Create"), "cp:create"), Choice(_("Cancel"), "cp:cancel"), per_row=2))


async def _create(ctx: Context, draft: dict) -> list[Reply]:
    assert ctx.member is not None
    committee = await ctx.repos.org.committee(ctx.member.committee_id)
    assert committee is not None
    request = CampaignRequest(draft["name"], date.fromisoformat(draft["cells"]),
                              date.fromisoformat(draft["committee"]))
    try:
        created = await create_campaign(ctx.repos, ctx.forms, committee, request, ctx.now)
    except CampaignError as exc:
        draft["step"] = "cells"  # the dates are what can be wrong here; ask them again
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [Reply(exc.render(ctx._)), _ask(ctx, draft)]
    await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
    lines = await describe(ctx.repos, ctx.fmt, created, ctx.now)
    return [Reply(ctx._("Campaign created.") + "\n" + "\n".join(lines), replace=True)]
