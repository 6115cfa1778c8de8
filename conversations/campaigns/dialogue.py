"""/campaign for committee admins: a short guided dialogue (name, deadlines, confirm).

The answers so far are stored per chat account (campaign_drafts), so a restart or a pause
loses nothing; the account's "awaiting" state says the next typed text is the draft's
current field. The steps are declared in FLOW (drawn in dialogue.md). Who may use the
buttons is re-checked every time.
"""

from __future__ import annotations

from datetime import date

from conversations.campaigns.actions import (
    CAMPAIGNS,
    CancelCampaign,
    CreateCampaign,
    NewCampaign,
)
from conversations.campaigns.rules import (
    CampaignError,
    CampaignRequest,
    check_dates,
    create_campaign,
    parse_date,
)
from conversations.campaigns.view import describe, one_line
from conversations.core.actions import Action
from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.flows import END, START, Flow, Transition
from conversations.core.menus import OpenCampaigns
from conversations.core.replies import Choice, Kind, Reply, rows

NAME = "campaigns"  # the capability, also in the awaiting state
TYPED = ("name", "cells", "committee")  # the steps that take typed text

FLOW = Flow(
    "The /campaign draft (committee admins)",
    {"name": "typed text", "cells": "typed date", "committee": "typed date",
     "confirm": "buttons"},
    (
        Transition(START, "name", "New campaign"),
        Transition("name", "cells", "the name"),
        Transition("cells", "committee", "the cells' deadline"),
        Transition("committee", "confirm", "the committee's deadline"),
        Transition("confirm", END, "Create"),
        Transition("confirm", "cells", "dates refused when creating"),
        Transition("name", END, "Cancel"),
        Transition("cells", END, "Cancel"),
        Transition("committee", END, "Cancel"),
        Transition("confirm", END, "Cancel"),
    ),
)


def _refused(ctx: Context) -> list[Reply]:
    return [Reply(ctx._(
        "Sorry, review campaigns are run by the committee's administrators. If you think "
        "you should have access, please ask your committee office."
    ))]


def _cancel_row(ctx: Context):
    return rows(Choice(ctx._("Cancel"), CAMPAIGNS.pack(CancelCampaign())))


async def open_campaigns(ctx: Context, _args: str = "") -> list[Reply]:
    """/campaign: the committee's campaigns, or where the admin left off."""
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if draft:
        return [Reply(ctx._("You were creating a campaign; let us continue.")),
                await _ask(ctx, draft)]
    found = await ctx.repos.campaigns.of_committee(ctx.member.committee_id)
    lines = [one_line(ctx.fmt, c) for c in found] or [ctx._("No campaigns yet.")]
    current = next((c for c in found if c.is_open), None)
    if current:
        lines = await describe(ctx.repos, ctx.fmt, current, ctx.now)
    return [Reply("\n".join(lines), rows(Choice(ctx._("New campaign"),
                                                CAMPAIGNS.pack(NewCampaign()))))]


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    if isinstance(action, OpenCampaigns):
        return await open_campaigns(ctx)
    if isinstance(action, NewCampaign):
        draft = {"step": FLOW.move(None, "name")}
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [await _ask(ctx, draft)]
    if isinstance(action, CancelCampaign):
        await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
        return [Reply(ctx._("Cancelled; nothing was created."), replace=True)]
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if isinstance(action, CreateCampaign) and draft and draft.get("step") == "confirm":
        return await _create(ctx, draft)
    return await on_stale(ctx)


async def on_stale(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("That button is no longer valid. Send /campaign to start again."))]


async def on_input(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """The draft's field the admin was asked for; None for what cannot answer it."""
    if not (ctx.member and ctx.member.is_admin) or ctx.incoming.kind is not Kind.TEXT:
        return None
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if not draft:
        return None
    step, text = draft["step"], ctx.incoming.text
    if step != awaiting.argument:  # asked on an older step: ask the current one again
        return [await _ask(ctx, draft)]
    if step == "name":
        draft.update(name=text.strip()[:200], step=FLOW.move(step, "cells"))
    elif step in ("cells", "committee"):
        try:
            day = parse_date(text)
            today = ctx.today
            cells = date.fromisoformat(draft["cells"]) if step == "committee" else day
            check_dates(today, today, cells, day)
        except CampaignError as exc:
            return [Reply(exc.render(ctx._)), await _ask(ctx, draft)]
        draft[step] = day.isoformat()
        draft["step"] = FLOW.move(step, "committee" if step == "cells" else "confirm")
    await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
    return [await _ask(ctx, draft)]


async def _ask(ctx: Context, draft: dict) -> Reply:
    _ = ctx._
    step = draft["step"]
    if step in TYPED:
        await ask_text(ctx, NAME, step)
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
        rows(Choice(_("Create"), CAMPAIGNS.pack(CreateCampaign())),
             Choice(_("Cancel"), CAMPAIGNS.pack(CancelCampaign())), per_row=2))


async def _create(ctx: Context, draft: dict) -> list[Reply]:
    assert ctx.member is not None
    committee = await ctx.repos.org.committee(ctx.member.committee_id)
    assert committee is not None
    request = CampaignRequest(draft["name"], date.fromisoformat(draft["cells"]),
                              date.fromisoformat(draft["committee"]))
    try:
        created = await create_campaign(ctx.repos, ctx.forms, committee, request, ctx.now)
    except CampaignError as exc:
        # the dates are what can be wrong here; ask them again
        draft["step"] = FLOW.move("confirm", "cells")
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [Reply(exc.render(ctx._)), await _ask(ctx, draft)]
    await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
    lines = await describe(ctx.repos, ctx.fmt, created, ctx.now)
    return [Reply(ctx._("Campaign created.") + "\n" + "\n".join(lines), replace=True)]


CAPABILITY = Capability(
    name=NAME,
    commands={"campaign": open_campaigns},
    codec=CAMPAIGNS,
    on_action=on_action,
    on_stale=on_stale,
    on_input=on_input,     # the draft's name and deadlines
)
