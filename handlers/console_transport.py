"""The outbox sender's console side: what other people receive, printed in the demo."""

from __future__ import annotations

import sys
from typing import TextIO

from conversations.core.replies import Reply
from conversations.core.typed_menu import remember_sent
from handlers.text_render import plain, render_text
from handlers.updates import log_failure
from storage.outbox import OutboxRow
from storage.repos import Repos
from storage.sending import Attachment

CHANNEL = "console"


class ConsoleTransport:
    channel = CHANNEL

    def __init__(self, repos: Repos, out: TextIO = sys.stdout) -> None:
        self.repos = repos
        self.out = out

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("group-")

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        who = await self._name(row)
        text = "\n".join(render_text(plain(reply)))
        self.out.write(f"[→ {who}] {text}\n")
        if attachment is not None:
            self.out.write(f"[→ {who}] 📎 {attachment.filename}\n")
        self.out.write("\n")
        self.out.flush()
        if row.kind != "broadcast":  # its numbered choices answer the next typed number
            try:
                await remember_sent(self.repos, CHANNEL, row.chat_id or "", reply)
            except Exception as exc:  # it was shown: a failure here must not show it again
                log_failure(exc, CHANNEL, "remembering a message's choices")
        return None

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        account = await self.repos.accounts.get(CHANNEL, chat_id)
        member = await self.repos.org.member(account.member_id) if account and \
            account.member_id else None
        self.out.write(f"[→ {member.full_name if member else chat_id}] {text}\n\n")
        self.out.flush()
        return message_id or "1"

    async def _name(self, row: OutboxRow) -> str:
        if row.member_id is not None:
            member = await self.repos.org.member(row.member_id)
            if member is not None:
                return member.full_name
        return row.chat_id or "?"
