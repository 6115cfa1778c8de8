"""Documents as links, for platforms that cannot send files (Zalo).

The file the dialogue produced is stored when the link is given (storage/document_links.py)
and served by the bot's HTTP server (bot/http_server.py, GET /files/<token>) until the
link expires, LINK_LIFETIME after it was given. Built when given, not when opened: the
person gets the document as it was when they asked (as on Telegram, where the file is
sent at once), under the access checks the dialogue made then; and opening a link, which
chat apps do by themselves to show previews, costs one read, never a document build.

The token is 256 random bits (secrets.token_urlsafe), so links cannot be guessed; the
URL holds nothing else (no name, no content, no id), and only its SHA-256 is stored. A
link works for the one account it was given to: it is refused once expired, or when that
account is no longer bound to the same member, or the member was taken off the list.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from conversations.core.replies import Document
from storage.db import utc_now
from storage.document_links import DocumentLinkRepo
from storage.repos import Repos

LINK_LIFETIME = timedelta(hours=1)
LINK_PATH = "/files/"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32): 43 characters


class Refusal(Enum):
    UNKNOWN = "unknown"    # never given, mistyped, or deleted after it expired
    EXPIRED = "expired"
    NOT_YOURS = "not yours"  # the account or member it was given to has changed


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DocumentLinks:
    def __init__(self, repos: Repos, public_url: str, *, lifetime: timedelta = LINK_LIFETIME,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.repos = repos
        self.stored = DocumentLinkRepo(repos.db)
        self.base = public_url.rstrip("/") + LINK_PATH
        self.lifetime = lifetime
        self.clock = clock

    @property
    def minutes(self) -> int:
        return int(self.lifetime.total_seconds() // 60)

    async def give(self, channel: str, user_id: str, document: Document) -> Link | None:
        """A link to `document` for this account; None when the account is bound to no
        member (the dialogue gives documents only to members)."""
        account = await self.repos.accounts.get(channel, user_id)
        if account is None or account.member_id is None:
            return None
        token, now = secrets.token_urlsafe(32), self.clock()
        expires_at = now + self.lifetime
        await self.stored.add(_hash(token), channel, user_id, account.member_id,
                              document.filename, document.content, now, expires_at)
        return Link(self.base + token, expires_at)

    async def open(self, token: str) -> Document | Refusal:
        """The document behind a token, or why it is refused."""
        if not TOKEN.fullmatch(token):
            return Refusal.UNKNOWN
        stored = await self.stored.get(_hash(token))
        if stored is None:
            return Refusal.UNKNOWN
        if self.clock() >= stored.expires_at:
            return Refusal.EXPIRED
        account = await self.repos.accounts.get(stored.channel, stored.user_id)
        member = await self.repos.org.member(stored.member_id)
        if (account is None or account.member_id != stored.member_id or member is None
                or member.removed):
            return Refusal.NOT_YOURS
        return Document(stored.filename, stored.content)
