"""/campaign for committee admins: a short guided dialogue (name, deadlines, then at the
confirm step the late policy and cells with a deadline of their own); an open campaign is
changed or closed in managing.py.

The answers so far are stored per chat account (campaign_drafts), so a restart or a pause
loses nothing; the account's "awaiting" state says the next typed text is the draft's
current field. The steps are declared in FLOW (drawn in dialogue.md). Who may use the
buttons is re-checked every time.
"""

from __future__ import annotations

from datetime import date, timedelta

from conversations.campaigns import managing
from conversations.campaigns.actions import (
    CAMPAIGNS,
    BackToConfirm,
    CancelCampaign,
    ChangeDeadline,
    CloseCampaign,
    CreateCampaign,
    ManageCampaign,
    NewCampaign,
    PickDraftCell,
    ToggleDraftLate,
    ToggleLate,
)
from conversations.campaigns.rules import (
    CampaignError,
    CampaignRequest,
    check_typed_deadline,
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
from conversations.forms.rating import review_year

NAME = "campaigns"  # the capability, also in the awaiting state
TYPED = ("name", "cells", "committee", "cell_date")  # the steps that take typed text

FLOW = Flow(
    "The /campaign draft (committee admins)",
    {"name": "typed text", "cells": "typed date", "committee": "typed date",
     "confirm": "buttons", "cell_pick": "buttons", "cell_date": "typed date"},
    (
        Transition(START, "name", "New campaign"),
        Transition("name", "cells", "the name"),
        Transition("cells", "committee", "the cells' deadline"),
        Transition("committee", "confirm", "the committee's deadline"),
        Transition("confirm", "confirm", "late submissions accepted/refused"),
        Transition("confirm", "cell_pick", "A cell's own deadline"),
        Transition("cell_pick", "cell_date", "a cell"),
        Transition("cell_pick", "confirm", "Back"),
        Transition("cell_date", "confirm", "its deadline"),
        Transition("confirm", END, "Create"),
        Transition("confirm", "cells", "dates refused when creating"),
        *(Transition(step, END, "Cancel")
          for step in ("name", "cells", "committee", "confirm", "cell_pick", "cell_date")),
    ),
)


def _refused(ctx: Context) -> list[Reply]:
    return [Reply(ctx._(
        "Sorry, review campaigns are run by the committee's administrators. If you think "
        "you should have access, please ask your committee office."
    ))]


def _cancel(ctx: Context) -> Choice:
    # the keyword lets a typed «hủy» cancel where the next text is an answer (a name, a date)
    return Choice(ctx._("Cancel"), CAMPAIGNS.pack(CancelCampaign()), ctx._("cancel"))


def _cancel_row(ctx: Context):
    return rows(_cancel(ctx))


async def open_campaigns(ctx: Context, _args: str = "") -> list[Reply]:
    """/campaign: the committee's campaigns, or where the admin left off."""
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    if draft:
        return [Reply(ctx._("You were creating a campaign; let us continue.")),
                await _ask(ctx, draft)]
    found = await ctx.repos.campaigns.of_committee(ctx.member.committee_id)
    lines = [one_line(ctx.fmt, c, with_id=False) for c in found] or [ctx._("No campaigns yet.")]
    current = next((c for c in found if c.is_open), None)
    buttons = [Choice(ctx._("New campaign"), CAMPAIGNS.pack(NewCampaign()))]
    if current:
        lines = await describe(ctx.repos, ctx.fmt, current, ctx.now, with_id=False)
        buttons = managing.manage_buttons(ctx, current)  # one open campaign per year
    return [Reply("\n".join(lines), rows(*buttons))]


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    if not (ctx.member and ctx.member.is_admin):
        return _refused(ctx)
    if isinstance(action, OpenCampaigns):
        return await open_campaigns(ctx)
    if isinstance(action, ManageCampaign | ChangeDeadline | ToggleLate | CloseCampaign):
        return await managing.on_action(ctx, action)
    if isinstance(action, NewCampaign):
        draft = {"step": FLOW.move(None, "name")}
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [await _ask(ctx, draft)]
    if isinstance(action, CancelCampaign):
        await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
        return [Reply(ctx._("Cancelled; nothing was created."), replace=True)]
    draft = await ctx.repos.campaigns.draft(ctx.account.id)
    step = draft.get("step") if draft else None
    match action:
        case CreateCampaign() if step == "confirm":
            return await _create(ctx, draft)
        case ToggleDraftLate() if step == "confirm":
            draft["late"] = "refuse" if draft.get("late", "allow") == "allow" else "allow"
        case PickDraftCell(cell_id=0) if step == "confirm":
            draft["step"] = FLOW.move(step, "cell_pick")
        case PickDraftCell(cell_id=cell_id) if step == "cell_pick":
            cell = await ctx.repos.org.cell(cell_id)
            if cell is None or cell.committee_id != ctx.member.committee_id:
                return [Reply(ctx._("That cell is not in your committee."))]
            draft.update(step=FLOW.move(step, "cell_date"), cell=cell.id)
        case BackToConfirm() if step == "cell_pick":
            draft["step"] = FLOW.move(step, "confirm")
        case _:
            return await on_stale(ctx)
    await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
    return [await _ask(ctx, draft)]


async def on_stale(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("That button is no longer valid. Send /campaign to start again."))]


async def on_input(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """The draft's field the admin was asked for; None for what cannot answer it."""
    if not (ctx.member and ctx.member.is_admin) or ctx.incoming.kind is not Kind.TEXT:
        return None
    if awaiting.argument.startswith(managing.EDIT + ":"):
        return await managing.on_date(ctx, awaiting)
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
            cells = date.fromisoformat(draft["cells"]) if step == "committee" else None
            check_typed_deadline(ctx.today, day, cells)
        except CampaignError as exc:
            return [Reply(exc.render(ctx._)), await _ask(ctx, draft)]
        draft[step] = day.isoformat()
        draft["step"] = FLOW.move(step, "committee" if step == "cells" else "confirm")
    elif step == "cell_date":
        try:
            day = parse_date(text)
            committee_deadline = date.fromisoformat(draft["committee"])
            if not ctx.today <= day <= committee_deadline:
                raise CampaignError(
                    "The deadline of a cell must be between {start} and the committee's "
                    "deadline {committee}.", start=ctx.fmt.date(ctx.today),
                    committee=ctx.fmt.date(committee_deadline))
        except CampaignError as exc:
            return [Reply(exc.render(ctx._)), await _ask(ctx, draft)]
        draft.setdefault("cell_deadlines", {})[str(draft.pop("cell"))] = day.isoformat()
        draft["step"] = FLOW.move(step, "confirm")
    await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
    return [await _ask(ctx, draft)]


async def _ask(ctx: Context, draft: dict) -> Reply:
    _ = ctx._
    step = draft["step"]
    if step in TYPED:
        await ask_text(ctx, NAME, step)
    today = ctx.today
    if step == "name":
        return Reply(_("New review campaign. What is its name? For example: "
                       "Kiểm điểm năm {year}").format(year=review_year(today)),
                     _cancel_row(ctx), expects_text=True)
    if step == "cells":
        return Reply(_("The cells' deadline (chi bộ)? For example: {example}").format(
            example=ctx.fmt.date(today + timedelta(days=7))), _cancel_row(ctx),
            expects_text=True)
    if step == "committee":
        cells = date.fromisoformat(draft["cells"])
        return Reply(_("The committee's deadline? (on or after {cells}) For example: "
                       "{example}").format(
            cells=ctx.fmt.date(cells), example=ctx.fmt.date(cells + timedelta(days=7))),
            _cancel_row(ctx), expects_text=True)
    if step == "cell_pick":
        cells = await ctx.repos.org.cells(ctx.member.committee_id)
        return Reply(_("Which cell has a deadline of its own?"), rows(
            *(Choice(cell.name, CAMPAIGNS.pack(PickDraftCell(cell.id))) for cell in cells),
            Choice(_("Back"), CAMPAIGNS.pack(BackToConfirm()), _("back"))))
    if step == "cell_date":
        cell = await ctx.repos.org.cell(draft["cell"])
        return Reply(_("The deadline of {cell}? For example: {example}").format(
            cell=cell.name if cell else "?",
            example=ctx.fmt.date(date.fromisoformat(draft["cells"]))), _cancel_row(ctx),
            expects_text=True)
    return await _confirm(ctx, draft)


async def _confirm(ctx: Context, draft: dict) -> Reply:
    _ = ctx._
    refuse = draft.get("late") == "refuse"
    lines = [_("Create this campaign?"), draft["name"],
             _("Cells' deadline: {date}").format(
                 date=ctx.fmt.date(date.fromisoformat(draft["cells"])))]
    names = {c.id: c.name for c in await ctx.repos.org.cells(ctx.member.committee_id)}
    for cell_id, day in sorted(draft.get("cell_deadlines", {}).items()):
        lines.append("  " + _("{cell}: {date}").format(
            cell=names.get(int(cell_id), "?"), date=ctx.fmt.date(date.fromisoformat(day))))
    lines.append(_("Committee's deadline: {date}").format(
        date=ctx.fmt.date(date.fromisoformat(draft["committee"]))))
    lines.append(_("Reminders 7, 3 and 1 days before and on the morning of each cell's "
                   "deadline, at 08:00."))
    lines.append(_("Late submissions: refused.") if refuse
                 else _("Late submissions: accepted and marked late."))
    return Reply("\n".join(lines), rows(
        Choice(_("Create"), CAMPAIGNS.pack(CreateCampaign())),
        Choice(_("Accept late submissions") if refuse else _("Refuse late submissions"),
               CAMPAIGNS.pack(ToggleDraftLate())),
        Choice(_("A cell's own deadline…"), CAMPAIGNS.pack(PickDraftCell())),
        _cancel(ctx)))


async def _create(ctx: Context, draft: dict) -> list[Reply]:
    assert ctx.member is not None
    committee = await ctx.repos.org.committee(ctx.member.committee_id)
    assert committee is not None
    names = {c.id: c.name for c in await ctx.repos.org.cells(committee.id)}
    request = CampaignRequest(
        draft["name"], date.fromisoformat(draft["cells"]), date.fromisoformat(draft["committee"]),
        late_policy=draft.get("late", "allow"),
        cell_deadlines={names[int(cell)]: date.fromisoformat(day)
                        for cell, day in draft.get("cell_deadlines", {}).items()
                        if int(cell) in names})
    try:
        created = await create_campaign(ctx.repos, ctx.forms, committee, request, ctx.now)
    except CampaignError as exc:
        # the dates are what can be wrong here; ask them again
        draft["step"] = FLOW.move("confirm", "cells")
        await ctx.repos.campaigns.set_draft(ctx.account.id, draft, ctx.now)
        return [Reply(exc.render(ctx._)), await _ask(ctx, draft)]
    await ctx.repos.campaigns.set_draft(ctx.account.id, None, ctx.now)
    lines = await describe(ctx.repos, ctx.fmt, created, ctx.now, with_id=False)
    return [Reply(ctx._("Campaign created.") + "\n" + "\n".join(lines),
                  rows(*managing.manage_buttons(ctx, created)), replace=True)]


CAPABILITY = Capability(
    name=NAME,
    commands={"campaign": open_campaigns},
    codec=CAMPAIGNS,
    on_action=on_action,
    on_stale=on_stale,
    on_input=on_input,     # the draft's name and deadlines
)
