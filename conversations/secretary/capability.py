"""The secretaries' desk as the router sees it: /progress, /alerts, /export, their
buttons, and the return comment a secretary is asked to type."""

from __future__ import annotations

from datetime import timedelta

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.awaiting import Awaiting
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.menus import OpenProgress
from conversations.core.replies import Reply
from conversations.secretary import chasing, files, progress_view, reading, returning
from conversations.secretary.actions import (
    SECRETARY,
    AcceptReview,
    AlertSettings,
    CancelReturn,
    CellFiles,
    CommitteeFiles,
    DigestAt,
    ReadReview,
    RemindPreview,
    RemindSend,
    ReturnReview,
    ReviewCopy,
    RewriteReturn,
    SendReturn,
    SetAlerts,
    ShowCell,
    ShowCommittee,
)
from conversations.secretary.alert_settings import (
    ASKED_HOUR,
    alert_settings,
    alerts_command,
    on_hour_typed,
)


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    match action:
        case OpenProgress():
            return await progress_view.progress_command(ctx)
        case ShowCell(cell_id=cell_id, page=page):
            return await progress_view.show_cell(ctx, cell_id, page)
        case ShowCommittee(page=page):
            return await progress_view.show_committee(ctx, page)
        case (ReadReview() | ReviewCopy() | ReturnReview() | SendReturn() | RewriteReturn()
              | CancelReturn() | AcceptReview()):
            return await reading.on_review(ctx, action)
        case RemindPreview(cell_id=cell_id):
            return await chasing.remind(ctx, cell_id, send=False)
        case RemindSend(cell_id=cell_id):
            return await chasing.remind(ctx, cell_id, send=True)
        case AlertSettings():
            return await alert_settings(ctx)
        case SetAlerts(mode=mode):
            return await alert_settings(ctx, mode)
        case DigestAt(hour=hour):
            return await alert_settings(ctx, "digest", hour)
        case CellFiles(cell_id=cell_id):
            return await files.export_cell(ctx, cell_id)
        case CommitteeFiles():
            return await files.export_committee(ctx)
    return [menus.stale_button(ctx)]


async def on_input(ctx: Context, awaiting: Awaiting) -> list[Reply] | None:
    """Typed text asked for: the digest hour, or a return comment."""
    if awaiting.argument == ASKED_HOUR:
        return await on_hour_typed(ctx, awaiting)
    return await returning.on_comment(ctx, awaiting)


CAPABILITY = Capability(
    name=returning.CAPABILITY_NAME,
    commands={"progress": progress_view.progress_command, "alerts": alerts_command,
              "export": files.export_command},
    codec=SECRETARY,
    on_action=on_action,
    on_input=on_input,  # the comment when returning a review, or the digest hour
    input_ttl=timedelta(hours=1),
)
