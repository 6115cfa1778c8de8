"""Who a broadcast goes to, and the message each recipient gets (in their language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from conversations.core.i18n import N_, translator
from conversations.core.menus import MENU, ShowMenu
from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply, rows
from storage.broadcasts import KIND, CellGroup, NewAttachment
from storage.models import Account, Member
from storage.outbox import OutMessage
from storage.repos import Repos

HEADER = N_("Announcement from {committee}")
MAX_TEXT = 3500  # the header and a margin stay within Telegram's 4096 characters
WHO = ("all", "secretaries", "cells", "none")  # 'none': linked group chats only


@dataclass(frozen=True)
class Audience:
    who: str = "all"
    cells: tuple[int, ...] = ()
    groups: bool = False  # also (or, with who='none', only) the linked cell group chats

    def to_json(self) -> dict:
        return {"who": self.who, "cells": list(self.cells), "groups": self.groups}

    @classmethod
    def from_json(cls, data: dict) -> Audience:
        return cls(data.get("who", "all"), tuple(data.get("cells", ())),
                   bool(data.get("groups")))


@dataclass(frozen=True)
class Plan:
    members: list[tuple[Member, Account | None]] = field(default_factory=list)
    groups: list[CellGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.members) + len(self.groups)

    @property
    def unlinked(self) -> int:
        return sum(1 for _member, account in self.members if account is None)


def recipient_reply(committee: str, text: str, html: bool, language: str, *,
                    group: bool = False) -> Reply:
    """The announcement as a recipient sees it: a header in their language, the admin's
    text as written, a menu button (not in groups: buttons there would answer anyone)."""
    _ = translator(language).gettext
    header = "📢 " + _(HEADER).format(committee=committee)
    if html:
        header = f"<b>{escape(header)}</b>"
    choices = () if group else rows(Choice(_("Main menu"), MENU.pack(ShowMenu())))
    return Reply(f"{header}\n\n{text}", choices, html=html)


async def plan(repos: Repos, committee_id: int, audience: Audience) -> Plan:
    members: list[Member] = []
    if audience.who != "none":
        members = await repos.org.members_of_committee(committee_id)
        if audience.who == "secretaries":
            members = [m for m in members if m.is_cell_secretary]
        elif audience.who == "cells":
            members = [m for m in members if m.cell_id in audience.cells]
    groups: list[CellGroup] = []
    if audience.groups or audience.who == "none":
        groups = await repos.broadcasts.groups(committee_id)
        if audience.cells:  # chosen cells, or a secretary's own cell (also its group only)
            groups = [g for g in groups if g.cell_id in audience.cells]
    chats = await repos.accounts.chat_accounts([m.id for m in members])
    chosen = [(m, chats.get(m.id)) for m in members]
    return Plan(chosen, groups)


def outbox_messages(plan: Plan, committee: str, text: str, html: bool, broadcast_id: int,
                    attachment_id: int | None, group_language: str = "vi") -> list[OutMessage]:
    """One outbox row per recipient; members without a chat account are kept (as
    unreachable 'not_linked') so the report lists them."""
    out = []
    for member, account in plan.members:
        reply = recipient_reply(committee, text, html, member.language)
        out.append(OutMessage(
            f"{KIND}:{broadcast_id}:{member.id}", KIND, encode_reply(reply), member.id,
            account.channel if account else None, account.chat_id if account else None,
            broadcast_id, attachment_id,
        ))
    for group in plan.groups:
        reply = recipient_reply(committee, text, html, group_language, group=True)
        out.append(OutMessage(
            f"{KIND}:{broadcast_id}:group:{group.cell_id}", KIND, encode_reply(reply), None,
            group.channel, group.chat_id, broadcast_id, attachment_id,
        ))
    return out


async def create_broadcast(
    repos: Repos, *, committee_id: int, committee: str, author_id: int | None, text: str,
    html: bool, attachment: NewAttachment | None, audience: Audience, plan_: Plan,
    report: tuple[str, str, str] | None, now,
) -> tuple[int, int]:
    """Write the broadcast and every recipient's outbox row in one transaction."""
    return await repos.broadcasts.create(
        committee_id=committee_id, author_id=author_id, text=text, html=html,
        attachment=attachment, audience=audience.to_json(),
        messages=lambda bid, aid: outbox_messages(plan_, committee, text, html, bid, aid),
        report=report, now=now,
    )
