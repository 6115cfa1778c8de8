"""Composing a broadcast in chat: text, document, audience, preview, send. Committee admins
choose among the committee's members, cells and group chats; a cell secretary (or deputy)
who is not an admin announces to her own cell and its group chat only.

The composition lives in broadcast_drafts (one per admin), so a restart loses nothing; the
account's "awaiting" state says the next message is the text or the document. Every step
re-reads the admin's role from the database; button data only names a step. The steps are
declared in FLOW (drawn in dialogue.md).
"""

from __future__ import annotations

from conversations.broadcasts import report as broadcast_report
from conversations.broadcasts.actions import (
    BROADCASTS,
    BackToAudience,
    CancelBroadcast,
    CellsChosen,
    ChooseAudience,
    NoAttachment,
    SendBroadcast,
    ShowUnreached,
    StartBroadcast,
    ToggleCell,
    ToggleGroups,
)
from conversations.broadcasts.plan import (
    MAX_TEXT,
    Audience,
    Plan,
    create_broadcast,
    plan,
    recipient_reply,
)
from conversations.core.actions import Action
from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.flows import END, START, Flow, Transition
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.core.text import fold
from storage.broadcasts import NewAttachment
from storage.models import Member

NAME = "broadcasts"  # the capability, also in the awaiting state

FLOW = Flow(
    "Composing an announcement (/broadcast, committee admins)",
    {"text": "typed text", "document": "a document, or the button",
     "audience": "buttons", "cells": "buttons", "confirm": "buttons"},
    (
        Transition(START, "text", "/broadcast"),
        Transition("text", "document", "the text"),
        Transition("document", "audience", "a document, or No attachment"),
        Transition("audience", "audience", "group chats on/off"),
        Transition("audience", "confirm", "all / secretaries / group chats only"),
        Transition("audience", "cells", "Chosen cells"),
        Transition("cells", "cells", "a cell on/off, group chats on/off"),
        Transition("cells", "confirm", "Continue"),
        Transition("cells", "audience", "Back"),
        Transition("confirm", "audience", "Change the audience"),
        Transition("confirm", END, "Send"),
        *(Transition(step, END, "Cancel")
          for step in ("text", "document", "audience", "cells", "confirm")),
    ),
)
AUDIENCES = ("all", "secretaries", "none")  # chosen at once; 'cells' opens the cell list
OWN_CELL = ("cell", "none")  # a secretary's audiences: her cell's members, or its group only


def may_announce(member: Member | None) -> bool:
    return member is not None and (member.is_admin or member.is_cell_secretary)


def _cell_only(member: Member) -> bool:
    """A secretary who is not an admin: her own cell is the only audience."""
    return not member.is_admin


async def _save(ctx: Context, draft: dict) -> None:
    assert ctx.member is not None
    await ctx.repos.broadcasts.save_draft(ctx.member.id, draft, ctx.now)
    if draft["step"] in ("text", "document"):
        await ask_text(ctx, NAME, draft["step"])


def _refusal(ctx: Context) -> Reply:
    return Reply(ctx._(
        "Only committee administrators and cell secretaries can send announcements. Please "
        "ask your cell secretary or the committee office."
    ))


def _cancel_button(ctx: Context) -> Choice:
    return Choice(ctx._("Cancel"), BROADCASTS.pack(CancelBroadcast()), ctx._("cancel"))


async def start(ctx: Context, _arg: str = "") -> list[Reply]:
    if not may_announce(ctx.member):
        return [_refusal(ctx)]
    await _save(ctx, {"step": FLOW.move(None, "text")})
    return [Reply(ctx._(
        "New announcement. Send its text as one message (bold, italic and links are kept)."
    ), rows(_cancel_button(ctx)), expects_text=True)]


async def on_input(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """The text or document the admin was asked for; None for what cannot answer it."""
    member = ctx.member
    if member is None or not may_announce(member):
        return None
    draft = await ctx.repos.broadcasts.draft(member.id)
    if draft is None or draft["step"] != awaiting.argument:
        return None
    incoming, _ = ctx.incoming, ctx._
    if draft["step"] == "text":
        if fold(incoming.text) == fold(_("cancel")):
            return await _cancel(ctx)
        if incoming.kind is not Kind.TEXT or not incoming.text.strip():
            return [await _ask_again(ctx, _("Please send the announcement's text first."))]
        text = incoming.html if incoming.html is not None else incoming.text
        if len(text) > MAX_TEXT:
            return [await _ask_again(ctx, _(
                "The text is too long ({n} characters; at most {limit}). Please shorten it, "
                "or put the details in a document."
            ).format(n=len(text), limit=MAX_TEXT))]
        draft = {"step": FLOW.move("text", "document"), "text": text.strip(),
                 "html": incoming.html is not None}
        if not _can_send_files(ctx):  # not asked for a document they cannot send
            draft |= {"step": FLOW.move("document", "audience"), "doc": None}
            await _save(ctx, draft)
            return [await _audience_menu(ctx, draft, _(
                "Files cannot be sent from this chat, so the announcement goes without an "
                "attachment (to attach a document, prepare the announcement in Telegram)."))]
        await _save(ctx, draft)
        return [_ask_document(ctx)]
    if incoming.document is not None:
        draft |= {"step": FLOW.move("document", "audience"),
                  "doc": {"file_id": incoming.document.file_id,
                          "filename": incoming.document.filename}}
        await _save(ctx, draft)
        return [await _audience_menu(ctx, draft)]
    return None  # typed text while the document is awaited: not the document


def _can_send_files(ctx: Context) -> bool:
    """Telegram's chat sends files; the console and Zalo's do not reach the bot with one."""
    return ctx.incoming.has_buttons


async def _ask_again(ctx: Context, why: str) -> Reply:
    await ask_text(ctx, NAME, "text")
    return Reply(why, rows(_cancel_button(ctx)), expects_text=True)


def _ask_document(ctx: Context) -> Reply:
    _ = ctx._
    return Reply(_(
        "Do you want to attach one document (a PDF or .docx of the guidance)? Send it now, "
        "or choose “No attachment”."
    ), rows(Choice(_("No attachment"), BROADCASTS.pack(NoAttachment()), _("none")),
            _cancel_button(ctx)))


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    """The composing buttons; the list of who was not reached is also for secretaries."""
    member = ctx.member
    if member is None:
        return [_refusal(ctx)]
    if isinstance(action, ShowUnreached):
        return [await broadcast_report.unreached_reply(ctx, action.broadcast_id)]
    if not may_announce(member):
        return [_refusal(ctx)]
    if isinstance(action, StartBroadcast):
        return await start(ctx)
    if isinstance(action, CancelBroadcast):
        return await _cancel(ctx)
    draft = await ctx.repos.broadcasts.draft(member.id)
    if draft is None or "text" not in draft:
        return [Reply(ctx._("There is no announcement being prepared. Send /broadcast to "
                            "start one."))]
    step = draft.get("step")
    match action:
        case NoAttachment() if step == "document":
            draft |= {"step": FLOW.move(step, "audience"), "doc": None}
        case ChooseAudience(who=who) if step == "audience" and _cell_only(member):
            if who not in OWN_CELL:
                return await _current(ctx, draft, ctx._("That button is no longer valid."))
            draft |= {"step": FLOW.move(step, "confirm"), "who": who}
        case ChooseAudience(who=who) if step == "audience" and who in AUDIENCES:
            draft |= {"step": FLOW.move(step, "confirm"), "who": who}
        case ChooseAudience(who="cells") if step == "audience":
            draft |= {"step": FLOW.move(step, "cells"), "who": "cells",
                      "cells": draft.get("cells", [])}
        case ToggleCell(cell_id=cell_id) if step == "cells" and not _cell_only(member):
            cell = await ctx.repos.org.cell(cell_id)
            if cell is None or cell.committee_id != member.committee_id:
                return [Reply(ctx._("That cell is not in your committee."))]
            draft["cells"] = sorted(set(draft.get("cells", [])) ^ {cell.id})
        case CellsChosen() if step == "cells":
            if not draft.get("cells"):
                return [await _cells_menu(ctx, draft, ctx._("Choose at least one cell."))]
            draft["step"] = FLOW.move(step, "confirm")
        case ToggleGroups() if step in ("audience", "cells"):
            draft["groups"] = not draft.get("groups", False)
        case BackToAudience() if step in ("cells", "confirm"):
            draft["step"] = FLOW.move(step, "audience")
        case SendBroadcast() if step == "confirm":
            return await _send(ctx, draft)
        case _:
            return await _current(ctx, draft, ctx._("That button is no longer valid."))
    await _save(ctx, draft)
    return await _current(ctx, draft)


async def on_stale(ctx: Context) -> list[Reply]:
    """A composing button that does not parse: where the admin is, if composing."""
    member = ctx.member
    draft = await ctx.repos.broadcasts.draft(member.id) if may_announce(member) else None
    if draft is None or "text" not in draft:
        return [Reply(ctx._("That button is no longer valid. Here is where you are now:"))]
    return await _current(ctx, draft, ctx._("That button is no longer valid."))


async def _cancel(ctx: Context) -> list[Reply]:
    assert ctx.member is not None
    await ctx.repos.broadcasts.drop_draft(ctx.member.id)
    return [Reply(ctx._("The announcement was cancelled; nothing was sent."), replace=True)]


async def _current(ctx: Context, draft: dict, note: str | None = None) -> list[Reply]:
    step = draft.get("step")
    if step == "cells":
        return [await _cells_menu(ctx, draft, note)]
    if step == "confirm":
        return await _confirm(ctx, draft)
    if step == "document":
        return [_ask_document(ctx)]
    return [await _audience_menu(ctx, draft, note)]


async def _audience_menu(ctx: Context, draft: dict, note: str | None = None) -> Reply:
    if _cell_only(ctx.member):
        return await _own_cell_menu(ctx, draft, note)
    _ = ctx._
    groups = await ctx.repos.broadcasts.groups(ctx.member.committee_id)
    choices = [
        Choice(_("All members of the committee"), BROADCASTS.pack(ChooseAudience("all"))),
        Choice(_("Cell secretaries only"), BROADCASTS.pack(ChooseAudience("secretaries"))),
        Choice(_("Chosen cells…"), BROADCASTS.pack(ChooseAudience("cells"))),
    ]
    text = _("Who should receive the announcement?")
    if groups:
        mark = "☑" if draft.get("groups") else "☐"
        choices.append(Choice(mark + " " + _("Also post in the linked cell group chats ({n})")
                              .format(n=len(groups)), BROADCASTS.pack(ToggleGroups())))
        choices.append(Choice(_("Only the linked cell group chats"),
                              BROADCASTS.pack(ChooseAudience("none"))))
    choices.append(_cancel_button(ctx))
    return Reply((note + "\n" if note else "") + text, rows(*choices), replace=True)


async def _own_cell_menu(ctx: Context, draft: dict, note: str | None = None) -> Reply:
    _, member = ctx._, ctx.member
    groups = [g for g in await ctx.repos.broadcasts.groups(member.committee_id)
              if g.cell_id == member.cell_id]
    choices = [Choice(_("All members of {cell}").format(cell=member.cell_name),
                      BROADCASTS.pack(ChooseAudience("cell")))]
    if groups:
        mark = "☑" if draft.get("groups") else "☐"
        choices.append(Choice(mark + " " + _("Also post in the cell's group chat"),
                              BROADCASTS.pack(ToggleGroups())))
        choices.append(Choice(_("Only the cell's group chat"),
                              BROADCASTS.pack(ChooseAudience("none"))))
    choices.append(_cancel_button(ctx))
    text = _("Who should receive the announcement?")
    return Reply((note + "\n" if note else "") + text, rows(*choices), replace=True)


async def _cells_menu(ctx: Context, draft: dict, note: str | None = None) -> Reply:
    _ = ctx._
    chosen = set(draft.get("cells", []))
    choices = [Choice(("☑ " if cell.id in chosen else "☐ ") + cell.name,
                      BROADCASTS.pack(ToggleCell(cell.id)))
               for cell in await ctx.repos.org.cells(ctx.member.committee_id)]
    choices.append(Choice(_("Continue"), BROADCASTS.pack(CellsChosen())))
    choices.append(Choice(_("Back"), BROADCASTS.pack(BackToAudience())))
    text = (_("Choose the cells (press again to remove), then “Continue”.")
            if ctx.incoming.has_buttons else
            _("Choose the cells by typing their numbers (type a number again to remove it), "
              "then the number of “Continue”."))
    return Reply((note + "\n" if note else "") + text, rows(*choices, per_row=2), replace=True)


async def _planned(ctx: Context, draft: dict) -> tuple[str, Audience, Plan]:
    """Who signs it, and the audience as it is now in the database (members and groups
    may have changed). A secretary's audience is her cell whatever the draft says."""
    member = ctx.member
    committee = await ctx.repos.org.committee(member.committee_id)
    assert committee is not None
    audience = Audience.from_json(draft)
    sender = committee.name
    if _cell_only(member):
        audience = Audience("none" if audience.who == "none" else "cells", (member.cell_id,),
                            audience.groups)
        sender = member.cell_name
    return sender, audience, await plan(ctx.repos, committee.id, audience)


async def _confirm(ctx: Context, draft: dict) -> list[Reply]:
    """The announcement exactly as members will see it, then the count and the buttons."""
    _ = ctx._
    sender, _audience, found = await _planned(ctx, draft)
    preview = recipient_reply(sender, draft["text"], draft["html"], ctx.fmt.language)
    lines = [_("Above is the announcement exactly as members will see it.")]
    if draft.get("doc"):
        lines.append(_("Attached document: {name}").format(name=draft["doc"]["filename"]))
    lines.append(_("Recipients: {total} ({members} members privately, {groups} group "
                   "chats).").format(total=found.total, members=len(found.members),
                                     groups=len(found.groups)))
    if found.unlinked:
        lines.append(ctx.fmt.ngettext(
            "{n} of these members has not linked a chat account; they will be listed as not "
            "reached.",
            "{n} of these members have not linked a chat account; they will be listed as not "
            "reached.", found.unlinked).format(n=found.unlinked))
    if found.total == 0:
        return [Reply(_("Nobody would receive this announcement. Choose another audience."),
                      rows(Choice(_("Back"), BROADCASTS.pack(BackToAudience())),
                           _cancel_button(ctx)))]
    lines.append(_("Send it now?"))
    return [
        Reply(preview.text, html=preview.html),
        Reply("\n".join(lines), rows(
            Choice(ctx.fmt.ngettext("Send to {n} recipient", "Send to {n} recipients",
                                    found.total).format(n=found.total),
                   BROADCASTS.pack(SendBroadcast()), _("send")),
            Choice(_("Change the audience"), BROADCASTS.pack(BackToAudience())),
            _cancel_button(ctx),
        )),
    ]


async def _send(ctx: Context, draft: dict) -> list[Reply]:
    _ = ctx._
    sender, audience, found = await _planned(ctx, draft)
    doc = draft.get("doc")
    attachment = NewAttachment(doc["filename"], b"", doc["file_id"]) if doc else None
    incoming = ctx.incoming
    broadcast_id, added = await create_broadcast(
        ctx.repos, committee_id=ctx.member.committee_id, committee=sender,
        author_id=ctx.member.id,
        text=draft["text"], html=draft["html"], attachment=attachment, audience=audience,
        plan_=found, report=(incoming.channel, incoming.chat_id, ctx.fmt.language),
        now=ctx.now,
    )
    return [Reply(ctx.fmt.ngettext(
        "Announcement #{id} is on its way to {n} recipient. I will show the progress here "
        "and the report at the end.",
        "Announcement #{id} is on its way to {n} recipients. I will show the progress here "
        "and the report at the end.", added,
    ).format(id=broadcast_id, n=added), replace=True)]


async def list_command(ctx: Context, _arg: str = "") -> list[Reply]:
    return [await broadcast_report.list_broadcasts(ctx)]


CAPABILITY = Capability(
    name=NAME,
    commands={"broadcast": start, "broadcasts": list_command},
    codec=BROADCASTS,
    on_action=on_action,
    on_stale=on_stale,
    on_input=on_input,     # the announcement's text, then its document
)
