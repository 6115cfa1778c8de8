"""Composing a broadcast in chat (committee admins): text, document, audience, preview, send.

The composition lives in broadcast_drafts (one per admin), so a restart loses nothing.
Every step re-reads the admin's role from the database; button data only names a step.

    /broadcast → text → [document | no attachment] → audience (all / secretaries /
    chosen cells / group chats only, ± group chats) → preview + count → send
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.broadcasts import report as broadcast_report
from conversations.broadcasts.plan import (
    MAX_TEXT,
    Audience,
    Plan,
    create_broadcast,
    plan,
    recipient_reply,
)
from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.core.text import fold
from storage.broadcasts import NewAttachment
from storage.models import Committee

# Typed text is taken as the announcement only this long after the last step, so an
# abandoned composition never swallows the admin's later messages (buttons still work).
TYPING_WINDOW = timedelta(hours=1)


async def _save(ctx: Context, draft: dict) -> None:
    draft["at"] = ctx.now.isoformat()
    await ctx.repos.broadcasts.save_draft(ctx.member.id, draft, ctx.now)


def _refusal(ctx: Context) -> Reply:
    return Reply(ctx._(
        "Only committee administrators can send announcements. If your cell needs to "
        "inform everyone, please contact the committee office."
    ))


def _cancel_button(ctx: Context) -> Choice:
    return Choice(ctx._("Cancel"), "bc:cancel", ctx._("cancel"))


async def start(ctx: Context, _arg: str = "") -> list[Reply]:
    if ctx.member is None or not ctx.member.is_admin:
        return [_refusal(ctx)]
    await _save(ctx, {"step": "text"})
    return [Reply(ctx._(
        "New announcement. Send its text as one message (bold, italic and links are kept)."
    ), rows(_cancel_button(ctx)), expects_text=True)]


async def on_input(ctx: Context) -> list[Reply] | None:
    """Typed text or a document while an admin composes; None when not composing."""
    member = ctx.member
    if member is None or not member.is_admin or ctx.incoming.kind is Kind.ACTION:
        return None
    draft = await ctx.repos.broadcasts.draft(member.id)
    if draft is None or ctx.now - datetime.fromisoformat(draft["at"]) > TYPING_WINDOW:
        return None
    incoming, _ = ctx.incoming, ctx._
    if draft["step"] == "text":
        if fold(incoming.text) == fold(_("cancel")):
            return await on_action(ctx, "cancel")
        if incoming.kind is not Kind.TEXT or not incoming.text.strip():
            return [Reply(_("Please send the announcement's text first."),
                          rows(_cancel_button(ctx)), expects_text=True)]
        text = incoming.html if incoming.html is not None else incoming.text
        if len(text) > MAX_TEXT:
            return [Reply(_(
                "The text is too long ({n} characters; at most {limit}). Please shorten it, "
                "or put the details in a document."
            ).format(n=len(text), limit=MAX_TEXT), rows(_cancel_button(ctx)), expects_text=True)]
        draft = {"step": "document", "text": text.strip(), "html": incoming.html is not None}
        await _save(ctx, draft)
        return [_ask_document(ctx)]
    if draft["step"] == "document" and incoming.document is not None:
        draft |= {"step": "audience", "doc": {"file_id": incoming.document.file_id,
                                              "filename": incoming.document.filename}}
        await _save(ctx, draft)
        return [await _audience_menu(ctx, draft)]
    return None  # other steps take buttons (or their typed numbers) only


def _ask_document(ctx: Context) -> Reply:
    _ = ctx._
    return Reply(_(
        "Do you want to attach one document (a PDF or .docx of the guidance)? Send it now, "
        "or choose “No attachment”."
    ), rows(Choice(_("No attachment"), "bc:nodoc", _("none")), _cancel_button(ctx)))


async def on_action(ctx: Context, arg: str) -> list[Reply]:
    """bc:<step>[:<value>] buttons. The list of who was not reached is also for secretaries."""
    member = ctx.member
    step, _sep, value = arg.partition(":")
    if member is None:
        return [_refusal(ctx)]
    if step == "unr":
        if not value.isdigit():
            return [Reply(ctx._("That announcement is not available to you."))]
        return [await broadcast_report.unreached_reply(ctx, int(value))]
    if not member.is_admin:
        return [_refusal(ctx)]
    draft = await ctx.repos.broadcasts.draft(member.id)
    if step == "cancel":
        await ctx.repos.broadcasts.drop_draft(member.id)
        return [Reply(ctx._("The announcement was cancelled; nothing was sent."),
                      replace=True)]
    if draft is None or "text" not in draft:
        return [Reply(ctx._("There is no announcement being prepared. Send /broadcast to "
                            "start one."))]
    if step == "nodoc":
        draft |= {"step": "audience", "doc": None}
    elif step == "aud" and value in ("all", "secretaries", "none"):
        draft |= {"step": "confirm", "who": value}
    elif step == "aud" and value == "cells":
        draft |= {"step": "cells", "who": "cells", "cells": draft.get("cells", [])}
    elif step == "cell" and value.isdigit() and draft.get("step") == "cells":
        cell = await ctx.repos.org.cell(int(value))
        if cell is None or cell.committee_id != member.committee_id:
            return [Reply(ctx._("That cell is not in your committee."))]
        chosen = set(draft.get("cells", [])) ^ {cell.id}
        draft["cells"] = sorted(chosen)
    elif step == "cells-ok" and draft.get("step") == "cells":
        if not draft.get("cells"):
            return [await _cells_menu(ctx, draft, ctx._("Choose at least one cell."))]
        draft["step"] = "confirm"
    elif step == "grp" and draft.get("step") in ("audience", "cells"):
        draft["groups"] = not draft.get("groups", False)
    elif step == "back":
        draft["step"] = "audience"
    elif step == "send" and draft.get("step") == "confirm":
        return await _send(ctx, draft)
    else:
        return await _current(ctx, draft, ctx._("That button is no longer valid."))
    await _save(ctx, draft)
    return await _current(ctx, draft)


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
    _ = ctx._
    groups = await ctx.repos.broadcasts.groups(ctx.member.committee_id)
    choices = [
        Choice(_("All members of the committee"), "bc:aud:all"),
        Choice(_("Cell secretaries only"), "bc:aud:secretaries"),
        Choice(_("Chosen cells…"), "bc:aud:cells"),
    ]
    text = _("Who should receive the announcement?")
    if groups:
        mark = "☑" if draft.get("groups") else "☐"
        choices.append(Choice(mark + " " + _("Also post in the linked cell group chats ({n})")
                              .format(n=len(groups)), "bc:grp"))
        choices.append(Choice(_("Only the linked cell group chats"), "bc:aud:none"))
    choices.append(_cancel_button(ctx))
    return Reply((note + "\n" if note else "") + text, rows(*choices), replace=True)


async def _cells_menu(ctx: Context, draft: dict, note: str | None = None) -> Reply:
    _ = ctx._
    chosen = set(draft.get("cells", []))
    choices = [Choice(("☑ " if cell.id in chosen else "☐ ") + cell.name, f"bc:cell:{cell.id}")
               for cell in await ctx.repos.org.cells(ctx.member.committee_id)]
    choices.append(Choice(_("Continue"), "bc:cells-ok"))
    choices.append(Choice(_("Back"), "bc:back"))
    text = _("Choose the cells (press again to remove), then “Continue”.")
    return Reply((note + "\n" if note else "") + text, rows(*choices, per_row=2), replace=True)


async def _planned(ctx: Context, draft: dict) -> tuple[Committee, Audience, Plan]:
    """The audience as it is now in the database (members and groups may have changed)."""
    committee = await ctx.repos.org.committee(ctx.member.committee_id)
    assert committee is not None
    audience = Audience.from_json(draft)
    return committee, audience, await plan(ctx.repos, committee.id, audience)


async def _confirm(ctx: Context, draft: dict) -> list[Reply]:
    """The announcement exactly as members will see it, then the count and the buttons."""
    _ = ctx._
    committee, _audience, found = await _planned(ctx, draft)
    preview = recipient_reply(committee.name, draft["text"], draft["html"], ctx.fmt.language)
    lines = [_("Above is the announcement exactly as members will see it.")]
    if draft.get("doc"):
        lines.append(_("Attached document: {name}").format(name=draft["doc"]["filename"]))
    lines.append(_("Recipients: {total} ({members} members privately, {groups} group "
                   "chats).").format(total=found.total, members=len(found.members),
                                     groups=len(found.groups)))
    if found.unlinked:
        lines.append(_("{n} of these members have not linked a chat account; they will be "
                       "listed as not reached.").format(n=found.unlinked))
    if found.total == 0:
        return [Reply(_("Nobody would receive this announcement. Choose another audience."),
                      rows(Choice(_("Back"), "bc:back"), _cancel_button(ctx)))]
    lines.append(_("Send it now?"))
    return [
        Reply(preview.text, html=preview.html),
        Reply("\n".join(lines), rows(
            Choice(_("Send to {n} recipients").format(n=found.total), "bc:send", _("send")),
            Choice(_("Change the audience"), "bc:back"),
            _cancel_button(ctx),
        )),
    ]


async def _send(ctx: Context, draft: dict) -> list[Reply]:
    _ = ctx._
    committee, audience, found = await _planned(ctx, draft)
    doc = draft.get("doc")
    attachment = NewAttachment(doc["filename"], b"", doc["file_id"]) if doc else None
    incoming = ctx.incoming
    broadcast_id, added = await create_broadcast(
        ctx.repos, committee_id=committee.id, committee=committee.name, author_id=ctx.member.id,
        text=draft["text"], html=draft["html"], attachment=attachment, audience=audience,
        plan_=found, report=(incoming.channel, incoming.chat_id, ctx.fmt.language),
        now=ctx.now,
    )
    return [Reply(_(
        "Announcement #{id} is on its way to {n} recipients. I will show the progress here "
        "and the report at the end."
    ).format(id=broadcast_id, n=added), replace=True)]


async def list_command(ctx: Context, _arg: str = "") -> list[Reply]:
    return [await broadcast_report.list_broadcasts(ctx)]
