"""Who is told when an admin changes an open campaign in chat: the secretaries of the cells
whose deadline moved and their members who have not submitted yet (a changed deadline), or
every cell's secretaries (the campaign closed). Through the outbox, once per change: the
dedup key names the change."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from conversations.core.i18n import Formatter
from conversations.core.outgoing import encode_reply
from conversations.core.replies import Reply
from storage.campaigns import Campaign, Leader
from storage.models import Committee
from storage.outbox import OutMessage
from storage.repos import Repos

KIND = "campaign"
LEADING = frozenset({"secretary", "deputy"})


async def deadline_changed(repos: Repos, committee: Committee, before: Campaign,
                           after: Campaign, actor_id: int, now: datetime) -> int:
    """Tell those whose cell's deadline moved from `before` to `after`; how many messages
    were queued. Nothing moved (the same date again, an update handled twice): nobody."""
    names = {cell.id: cell.name for cell in await repos.org.cells(committee.id)}
    moved = {cell_id: (before.deadline_for(cell_id), after.deadline_for(cell_id))
             for cell_id in names
             if before.deadline_for(cell_id) != after.deadline_for(cell_id)}
    if not moved:
        return 0
    change = f"{after.id}:{int(now.timestamp())}"
    messages: list[OutMessage] = []
    for leader in await _secretaries(repos, committee, moved, actor_id):
        fmt = Formatter(leader.language, committee.timezone)
        old, new = moved[leader.cell_id]
        text = fmt.gettext(
            "The committee changed the deadline of {cell} in «{campaign}» to {new} (it was "
            "{old}). Reminders follow the new date.").format(
            cell=names[leader.cell_id], campaign=after.name, new=fmt.date(new),
            old=fmt.date(old))
        messages.append(_message(f"deadline:{change}:{leader.member_id}", leader.member_id,
                                 leader.channel, leader.chat_id, after.id, text))
    for pending in await repos.campaigns.pending(after.id, sorted(moved)):
        if pending.member_id == actor_id:  # she made the change
            continue
        fmt = Formatter(pending.language, committee.timezone)
        old, new = moved[pending.cell_id]
        text = fmt.gettext(
            "The deadline for your self-review ({campaign}) was changed to {new} (it was "
            "{old}).").format(campaign=after.name, new=fmt.date(new), old=fmt.date(old))
        messages.append(_message(f"deadline:{change}:{pending.member_id}", pending.member_id,
                                 pending.channel, pending.chat_id, after.id, text))
    return await repos.outbox.enqueue(messages, now)


async def closed(repos: Repos, committee: Committee, campaign: Campaign, actor_id: int,
                 now: datetime) -> int:
    """Tell every cell's secretaries that the campaign is closed; how many were queued."""
    cells = {cell.id for cell in await repos.org.cells(committee.id)}
    messages = []
    for leader in await _secretaries(repos, committee, cells, actor_id):
        fmt = Formatter(leader.language, committee.timezone)
        text = fmt.gettext(
            "The committee closed «{campaign}»: members can no longer submit and no more "
            "reminders are sent.").format(campaign=campaign.name)
        messages.append(_message(f"closed:{campaign.id}:{leader.member_id}", leader.member_id,
                                 leader.channel, leader.chat_id, campaign.id, text))
    return await repos.outbox.enqueue(messages, now)


async def _secretaries(repos: Repos, committee: Committee, cell_ids: Collection[int],
                       actor_id: int) -> list[Leader]:
    """The cells' secretaries and deputies, but not the admin who made the change."""
    return [m for m in await repos.campaigns.leaders(committee.id)
            if m.cell_id in cell_ids and m.roles & LEADING and m.member_id != actor_id]


def _message(key: str, member_id: int, channel: str | None, chat_id: str | None,
             campaign_id: int, text: str) -> OutMessage:
    return OutMessage(dedup_key=f"{KIND}:{key}", kind=KIND, payload=encode_reply(Reply(text)),
                      member_id=member_id, channel=channel, chat_id=chat_id,
                      ref_id=campaign_id)
