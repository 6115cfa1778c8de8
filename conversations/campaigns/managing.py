"""Changing an open campaign in chat (committee admins): the cells' or the committee's
deadline, one cell's own deadline, the late policy, or closing it. A new date is typed;
what it is for waits in the account's "awaiting" state ('edit:<campaign>:<what>:<cell>')."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from conversations.campaigns import notices
from conversations.campaigns.actions import (
    CAMPAIGNS,
    ChangeDeadline,
    CloseCampaign,
    ManageCampaign,
    ToggleLate,
)
from conversations.campaigns.rules import CampaignError, check_change, parse_date
from conversations.campaigns.view import describe
from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.context import Context
from conversations.core.menus import OpenCampaigns
from conversations.core.replies import Choice, Reply, rows
from storage.campaigns import Campaign
from storage.models import Committee

EDIT = "edit"


async def _campaign(ctx: Context, campaign_id: int) -> Campaign | None:
    """The admin's committee's campaign, open; None for any other."""
    campaign = await ctx.repos.campaigns.get(campaign_id)
    if campaign is None or campaign.committee_id != ctx.member.committee_id:
        return None
    return campaign if campaign.is_open else None


def _gone(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("That campaign is closed or not yours to change. Send /campaign to "
                        "see the current one."))]


def _back(ctx: Context) -> Choice:
    # the keyword: «quay lại» typed at a date question (where numbers are dates) goes back
    return Choice(ctx._("Back"), CAMPAIGNS.pack(OpenCampaigns()), ctx._("back"))


def manage_buttons(ctx: Context, campaign: Campaign) -> list[Choice]:
    _ = ctx._
    late = (_("Refuse late submissions") if campaign.late_policy == "allow"
            else _("Accept late submissions"))
    return [Choice(_("Change a deadline"), CAMPAIGNS.pack(ManageCampaign(campaign.id))),
            Choice(late, CAMPAIGNS.pack(ToggleLate(campaign.id))),
            Choice(_("Close the campaign"), CAMPAIGNS.pack(CloseCampaign(campaign.id)))]


async def on_action(ctx: Context, action: ManageCampaign | ChangeDeadline | ToggleLate
                    | CloseCampaign) -> list[Reply]:
    campaign = await _campaign(ctx, action.campaign_id)
    if campaign is None:
        return _gone(ctx)
    _ = ctx._
    match action:
        case ManageCampaign():
            return [Reply(_("Which deadline do you want to change?"), rows(
                Choice(_("The cells' deadline ({date})").format(
                    date=ctx.fmt.date(campaign.cells_deadline)),
                    CAMPAIGNS.pack(ChangeDeadline(campaign.id, "cells"))),
                Choice(_("The committee's deadline ({date})").format(
                    date=ctx.fmt.date(campaign.committee_deadline)),
                    CAMPAIGNS.pack(ChangeDeadline(campaign.id, "committee"))),
                Choice(_("One cell's own deadline…"),
                       CAMPAIGNS.pack(ChangeDeadline(campaign.id, "cell"))),
                _back(ctx)))]
        case ChangeDeadline(what="cell", cell_id=0):
            return [await _cells(ctx, campaign)]
        case ChangeDeadline(what=what, cell_id=cell_id) if what in ("cells", "committee",
                                                                     "cell"):
            return [await _ask_date(ctx, campaign, what, cell_id)]
        case ToggleLate():
            policy = "refuse" if campaign.late_policy == "allow" else "allow"
            await ctx.repos.campaigns.change(campaign.id, late_policy=policy)
            return await _shown(ctx, replace(campaign, late_policy=policy), _(
                "Late submissions are now refused.") if policy == "refuse" else _(
                "Late submissions are now accepted and marked late."))
        case CloseCampaign(confirmed=0):
            return [Reply(_(
                "Close «{name}»? Members can no longer submit and no more reminders are "
                "sent. Drafts are kept. This cannot be undone in chat."
            ).format(name=campaign.name) + "\n" + await _figures(ctx, campaign), rows(
                Choice(_("Yes, close it"), CAMPAIGNS.pack(CloseCampaign(campaign.id, 1))),
                _back(ctx)))]
        case CloseCampaign():
            if await ctx.repos.campaigns.close(campaign.id, ctx.now):  # not twice
                await notices.closed(ctx.repos, await _committee(ctx), campaign,
                                     ctx.member.id, ctx.now)
            return [Reply(_("Closed «{name}»: no more submissions or reminders.").format(
                name=campaign.name), rows(_back(ctx)), replace=True)]
    return [Reply(_("That button is no longer valid. Send /campaign to start again."))]


async def _figures(ctx: Context, campaign: Campaign) -> str:
    """«Còn 7/10 đồng chí chưa nộp; hạn nộp còn 10 ngày.»: what closing now leaves out."""
    counts = (await ctx.repos.campaigns.expected_counts(campaign.id)).values()
    expected = sum(e for e, _s in counts)
    missing = expected - sum(s for _e, s in counts)
    days = (campaign.cells_deadline - ctx.today).days
    if days > 0:
        when = ctx.fmt.ngettext("the cells' deadline is in {n} day.",
                                "the cells' deadline is in {n} days.", days).format(n=days)
    elif days == 0:
        when = ctx._("the cells' deadline is today.")
    else:
        when = ctx._("the cells' deadline {date} has passed.").format(
            date=ctx.fmt.date(campaign.cells_deadline))
    return ctx.fmt.ngettext("{missing} of {expected} member has not submitted yet",
                            "{missing} of {expected} members have not submitted yet",
                            missing).format(missing=missing, expected=expected) + "; " + when


async def _committee(ctx: Context) -> Committee:
    committee = await ctx.repos.org.committee(ctx.member.committee_id)
    assert committee is not None
    return committee


async def _cells(ctx: Context, campaign: Campaign) -> Reply:
    cells = await ctx.repos.org.cells(campaign.committee_id)
    choices = [Choice(f"{cell.name} ({ctx.fmt.date(campaign.deadline_for(cell.id))})",
                      CAMPAIGNS.pack(ChangeDeadline(campaign.id, "cell", cell.id)))
               for cell in cells]
    return Reply(ctx._("Which cell?"), rows(*choices, _back(ctx)))


async def _ask_date(ctx: Context, campaign: Campaign, what: str, cell_id: int) -> Reply:
    _ = ctx._
    if what == "cell":
        cell = await ctx.repos.org.cell(cell_id)
        if cell is None or cell.committee_id != campaign.committee_id:
            return Reply(_("That cell is not in your committee."))
        question = _("The new deadline of {cell} (now {date})? Or type «chung» to use the "
                     "cells' deadline again.").format(
            cell=cell.name, date=ctx.fmt.date(campaign.deadline_for(cell.id)))
    elif what == "cells":
        question = _("The new deadline of the cells (now {date})?").format(
            date=ctx.fmt.date(campaign.cells_deadline))
    else:
        question = _("The new deadline of the committee (now {date})?").format(
            date=ctx.fmt.date(campaign.committee_deadline))
    await ask_text(ctx, "campaigns", f"{EDIT}:{campaign.id}:{what}:{cell_id}")
    return Reply(question + "\n" + _("Write the date as 28/11/{year}.").format(
        year=campaign.cells_deadline.year), rows(_back(ctx)), expects_text=True)


async def on_date(ctx: Context, awaiting: Awaiting) -> list[Reply]:
    """The typed date for 'edit:<campaign>:<what>:<cell>'."""
    _tag, campaign_id, what, cell_id = awaiting.argument.split(":")
    campaign = await _campaign(ctx, int(campaign_id))
    if campaign is None:
        return _gone(ctx)
    text = ctx.incoming.text.strip()
    day: date | None
    try:
        if what == "cell" and text.casefold() in ("chung", "common"):
            day = None
        else:
            day = parse_date(text)
            check_change(campaign, ctx.today, what, int(cell_id), day)
    except CampaignError as exc:
        return [Reply(exc.render(ctx._)), await _ask_date(ctx, campaign, what, int(cell_id))]
    if what == "cell":
        await ctx.repos.campaigns.set_cell_deadline(campaign.id, int(cell_id), day)
    elif what == "cells":
        await ctx.repos.campaigns.change(campaign.id, cells_deadline=day)
    else:
        await ctx.repos.campaigns.change(campaign.id, committee_deadline=day)
    changed = await ctx.repos.campaigns.get(campaign.id)
    assert changed is not None
    await notices.deadline_changed(ctx.repos, await _committee(ctx), campaign, changed,
                                   ctx.member.id, ctx.now)
    return await _shown(ctx, changed, ctx._("The deadline was changed; reminders follow "
                                            "the new date."))


async def _shown(ctx: Context, campaign: Campaign, note: str) -> list[Reply]:
    lines = await describe(ctx.repos, ctx.fmt, campaign, ctx.now, with_id=False)
    buttons = manage_buttons(ctx, campaign) if campaign.is_open else []
    return [Reply(note + "\n" + "\n".join(lines), rows(*buttons))]
