"""Invitation codes: generation, normalising what people type, links, bulk issue."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Invite, Member
from storage.repos import Repos

# Crockford's base32: no I, L, O, U, so a code read aloud or retyped is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits: far beyond guessing with wrong tries slowed down
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
TELEGRAM_USERNAME_KEY = "telegram_username"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """'abcd-efgh 2345' -> 'ABCDEFGH2345'; None when it cannot be a code."""
    compact = re.sub(r"[\s\-_.]", "", text).upper().translate(_TYPO)
    return compact if _CODE.match(compact) else None


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def telegram_link(username: str | None, code: str) -> str | None:
    return f"https://t.me/{username}?start={code}" if username else None


@dataclass(frozen=True)
class MemberInvite:
    member: Member
    invite: Invite
    bound: bool


async def issue_invite(
    repos: Repos, member_id: int, now: datetime, ttl: timedelta, issued_by: int | None = None
) -> Invite:
    return await repos.invites.issue(member_id, new_code(), now, ttl, issued_by)


async def ensure_invites(
    repos: Repos, members: Sequence[Member], now: datetime, ttl: timedelta
) -> list[MemberInvite]:
    """A usable code for each member: the current one, or a new one if none is left."""
    ids = [m.id for m in members]
    usable = await repos.invites.usable_for_members(ids, now)
    bound = await repos.accounts.bound_members(ids)
    result = []
    for member in members:
        invite = usable.get(member.id) or await issue_invite(repos, member.id, now, ttl)
        result.append(MemberInvite(member, invite, member.id in bound))
    return result
