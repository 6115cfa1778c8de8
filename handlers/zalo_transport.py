"""The outbox sender's Zalo side: plain text with numbered choices, 2,000 characters a
message; a document cannot be sent, so a sentence says where to get it instead."""

from __future__ import annotations

from conversations.core.replies import Reply
from conversations.core.typed_menu import remember_sent
from handlers.updates import log_failure
from handlers.zalo import CHANNEL, document_note, language_of, zalo_texts
from handlers.zalo_api import ZaloApi
from storage.outbox import OutboxRow
from storage.repos import Repos
from storage.sending import Attachment


class ZaloTransport:
    channel = CHANNEL

    def __init__(self, api: ZaloApi, repos: Repos) -> None:
        self.api = api
        self.repos = repos

    def is_group(self, chat_id: str) -> bool:
        return False  # the bot is in no group while Zalo's groups are in internal testing

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        language = await language_of(self.repos, member_id=row.member_id)
        texts = zalo_texts(reply, language)
        if attachment is not None:
            texts.append(document_note(language, attachment.filename))
        # the sender's error kinds come straight from the client; a retry after a failed
        # later part sends the earlier parts again (Zalo has no idempotency key either)
        for text in texts:
            await self.api.send_message(row.chat_id or "", text)
        # a private chat's id is its person's: their next typed number picks these choices;
        # not for announcements (only "Main menu" to pick, not worth a write per recipient)
        if row.kind != "broadcast":
            try:
                await remember_sent(self.repos, CHANNEL, row.chat_id or "", reply)
            except Exception as exc:  # it was sent: a failure here must not send it again
                log_failure(exc, CHANNEL, "remembering a message's choices")
        return None

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        """Zalo cannot edit: the first status is a message, later updates of it are
        skipped (they would flood the chat); the final report comes as a new one."""
        if message_id is not None:
            return message_id
        sent = await self.api.send_message(chat_id, text)
        return str(sent.get("message_id") or "zalo") if isinstance(sent, dict) else "zalo"
