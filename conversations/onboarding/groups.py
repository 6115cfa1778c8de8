"""Commands sent in a cell's group chat: a secretary of the cell links the group.

Only /linkgroup is answered in groups; everything else there is ignored (the bot
must not chat in a group). The sender's account is looked up, never created or
re-pointed, so the person's private chat stays where their messages go.
"""

from __future__ import annotations

from datetime import datetime

from conversations.core.context import Context
from conversations.core.i18n import Formatter
from conversations.core.replies import Incoming, Reply
from storage.models import Member
from storage.repos import Repos

LINK_COMMAND = "linkgroup"


async def handle(repos: Repos, incoming: Incoming, now: datetime) -> list[Reply]:
    text = incoming.text.strip()
    if not text.startswith("/"):
        return []
    words = text[1:].split(maxsplit=1)  # none for a bare "/"
    name = words[0].split("@")[0].lower() if words else ""
    if name != LINK_COMMAND:
        return []
    account = await repos.accounts.get(incoming.channel, incoming.user_id)
    member = await repos.org.member(account.member_id) if account and account.member_id else None
    _ = Formatter(member.language if member else "vi").gettext
    if member is None or not member.is_cell_secretary:
        return [Reply(_(
            "Only a cell secretary whose account is linked to this assistant can link a "
            "group chat to their cell. Please link your account in a private chat first."
        ))]
    if not await _may_move(repos, member, incoming):
        return [Reply(_(
            "This group is already linked to another cell. Only that cell's secretary or "
            "deputy secretary, or an admin of its committee, can link it elsewhere."
        ))]
    await repos.broadcasts.link_group(member.cell_id, incoming.channel, incoming.chat_id,
                                      "", member.id, now)
    return [Reply(_(
        "This group is now the group chat of {cell}. Committee announcements can be posted "
        "here."
    ).format(cell=member.cell_name))]


async def _may_move(repos: Repos, member: Member, incoming: Incoming) -> bool:
    """A group linked to a cell moves only by that cell's secretaries or its admins."""
    linked = await repos.broadcasts.linked_cell(incoming.channel, incoming.chat_id)
    if linked is None or linked == member.cell_id:
        return True
    cell = await repos.org.cell(linked)
    return cell is None or (member.is_admin and cell.committee_id == member.committee_id)


async def in_private(ctx: Context, _arg: str = "") -> list[Reply]:
    """/linkgroup sent in a private chat: it only works in the group, so say how."""
    return [Reply(ctx._(
        "To link your cell's group chat, add this assistant to the group, then send "
        "/linkgroup in that group. Only the cell's secretary or deputy secretary can do this; "
        "committee announcements can then also be posted there."
    ))]
