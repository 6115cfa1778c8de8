"""The rating chain as the router sees it: /proposals («đề xuất») for the cell's secretary,
/decide («quyết định») for committee admins, their buttons, and what they ask to be typed
(a reason, a comment) or sent (the filled .xlsx)."""

from __future__ import annotations

from datetime import timedelta

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.awaiting import Awaiting
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.menus import OpenDecisions, OpenProposals
from conversations.core.replies import Kind, Reply
from conversations.core.text import fold
from conversations.ratings import cell_rating, decisions, proposals, sheet_chat
from conversations.ratings.actions import (
    RATINGS,
    AcceptCell,
    AgreeAll,
    AgreeOne,
    AskComment,
    CellDecisions,
    CellList,
    Cells,
    ConfirmList,
    DecideLevel,
    DecideMember,
    MemberCard,
    ProposeLevel,
    RateCell,
    SetCellLevel,
    SheetIn,
    SheetOut,
)

# typed instead of the command, on channels without a command menu (Zalo)
WORDS = {"de xuat": proposals.proposals_command, "proposals": proposals.proposals_command,
         "quyet dinh": decisions.decide_command, "decide": decisions.decide_command}


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    match action:
        case OpenProposals():
            return await proposals.proposals_command(ctx)
        case OpenDecisions():
            return await decisions.decide_command(ctx)
        case CellList(cell_id=cell_id, page=page):
            return await proposals.show_list(ctx, cell_id, page)
        case MemberCard(member_id=member_id):
            return await proposals.show_member(ctx, member_id)
        case ProposeLevel(member_id=member_id, level=level, anyway=anyway):
            return await proposals.propose(ctx, member_id, level, bool(anyway))
        case AgreeOne(member_id=member_id, anyway=anyway):
            return await proposals.agree_one(ctx, member_id, bool(anyway))
        case AgreeAll(cell_id=cell_id):
            return await proposals.agree_all(ctx, cell_id)
        case AskComment(member_id=member_id):
            return await proposals.ask_comment(ctx, member_id)
        case ConfirmList(cell_id=cell_id, anyway=anyway):
            return await proposals.confirm(ctx, cell_id, bool(anyway))
        case SheetOut(cell_id=cell_id):
            return await sheet_chat.round_trip(ctx, cell_id, send=True)
        case SheetIn(cell_id=cell_id):
            return await sheet_chat.round_trip(ctx, cell_id, send=False)
        case Cells(page=page):
            return await decisions.show_cells(ctx, page)
        case CellDecisions(cell_id=cell_id, page=page):
            return await decisions.show_cell(ctx, cell_id, page)
        case AcceptCell(cell_id=cell_id, anyway=anyway):
            return await decisions.accept_cell(ctx, cell_id, bool(anyway))
        case DecideMember(member_id=member_id):
            return await decisions.show_member(ctx, member_id)
        case DecideLevel(member_id=member_id, level=level, anyway=anyway):
            return await decisions.decide_level(ctx, member_id, level, bool(anyway))
        case RateCell(cell_id=cell_id):
            return await cell_rating.show(ctx, cell_id)
        case SetCellLevel(cell_id=cell_id, level=level):
            return await cell_rating.show(ctx, cell_id, level)
    return [menus.stale_button(ctx)]


async def on_input(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """'reason:<member>:<level>', 'comment:<member>', 'decision:<member>:<level>' (typed
    text) or 'sheet:<cell>' (a document); None for what cannot answer the question."""
    what, _sep, rest = awaiting.argument.partition(":")
    target, _sep, level = rest.partition(":")
    if not target.isdigit():
        return None
    incoming = ctx.incoming
    if what == "sheet":
        if incoming.document is not None:
            return await sheet_chat.on_document(ctx, int(target), incoming.document)
        if incoming.kind is Kind.TEXT:  # the file is still awaited
            return await sheet_chat.round_trip(ctx, int(target), send=False)
        return None
    if incoming.kind is not Kind.TEXT or not incoming.text.strip():
        return None
    if what == "decision":
        return await decisions.on_reason(ctx, int(target), level, incoming.text)
    if what in ("reason", "comment"):
        return await proposals.on_typed(ctx, what, int(target), level, incoming.text)
    return None


async def on_text(ctx: Context, text: str) -> list[Reply] | None:
    """The command's word typed alone, by those it is for (anyone else's text goes on to
    the self-review)."""
    command = WORDS.get(fold(" ".join(text.split())))
    me = ctx.member
    if command is None or me is None or not (me.is_cell_secretary or me.is_admin):
        return None
    return await command(ctx, "")


CAPABILITY = Capability(
    name=proposals.CAPABILITY_NAME,
    commands={"proposals": proposals.proposals_command, "dexuat": proposals.proposals_command,
              "decide": decisions.decide_command, "quyetdinh": decisions.decide_command},
    codec=RATINGS,
    on_action=on_action,
    on_input=on_input,
    input_ttl=timedelta(hours=1),
    on_text=on_text,
)
