"""Shared set-up for the secretaries' tests: linked chats and a look into the outbox."""

from __future__ import annotations

from conversations.core.outgoing import decode_reply
from conversations.core.replies import Reply
from storage.models import Member
from tests.conftest import COMMITTEE, record

DEPUTY = record("Chi bộ 1", "Phạm Thu Hà", "1990-01-15", "2B", "deputy", language="en")


async def with_deputy(repos) -> dict[str, Member]:
    """The sample org plus an English-speaking deputy secretary in Chi bộ 1."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [DEPUTY])
    return {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}


async def link(repos, clock, member: Member, channel: str = "telegram") -> str:
    """Bind a chat account to the member; returns its user id (= chat id)."""
    uid = f"u{member.id}"
    account = await repos.accounts.ensure(channel, uid, uid, clock())
    await repos.accounts.bind(account.id, member.id, clock())
    return uid


async def outbox(repos, kind: str) -> list[tuple[int | None, str | None, Reply]]:
    """(member id, chat id, message) of every outbox row of this kind, oldest first."""
    rows = await repos.db.fetchall("SELECT * FROM outbox WHERE kind = ? ORDER BY id", (kind,))
    return [(r["member_id"], r["chat_id"], decode_reply(r["payload"])) for r in rows]
