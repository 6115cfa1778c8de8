"""The outbox sender's Telegram side: PTB calls in, the sender's error kinds out."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from telegram import Bot, InputFile
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from conversations.core.replies import Reply
from handlers.outbox_sender import (
    ChatMoved,
    FloodWait,
    RecipientBlocked,
    SendError,
    TransientError,
)
from handlers.telegram import CHANNEL, keyboard
from handlers.text_render import split_text
from storage.outbox import OutboxRow
from storage.sending import Attachment

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries `import sniffio` on every request; without the package each try
    # scans sys.path again (~3 ms of CPU per Bot API call, measured in bench/broadcast.py).
    # A None entry makes the import fail at once, and httpcore then assumes asyncio.
    sys.modules["sniffio"] = None  # type: ignore[assignment]


@contextmanager
def sender_errors() -> Iterator[None]:
    """PTB exceptions as the outbox sender's kinds (order matters: BadRequest and
    TimedOut are NetworkErrors)."""
    try:
        yield
    except RetryAfter as exc:
        wait = exc._retry_after  # a timedelta whatever PTB_TIMEDELTA says
        raise FloodWait(wait.total_seconds() if isinstance(wait, timedelta) else wait) from exc
    except ChatMigrated as exc:
        raise ChatMoved(str(exc.new_chat_id)) from exc
    except Forbidden as exc:
        raise RecipientBlocked(exc.message) from exc
    except BadRequest as exc:
        raise SendError(exc.message) from exc
    except NetworkError as exc:  # TimedOut, connection errors, 5xx answers
        raise TransientError(exc.message or type(exc).__name__) from exc
    except TelegramError as exc:
        raise SendError(exc.message) from exc


class TelegramTransport:
    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")  # groups and supergroups have negative ids

    async def send(self, row: OutboxRow, reply: Reply, attachment: Attachment | None) -> str | None:
        chat_id = row.chat_id or ""
        parse_mode = ParseMode.HTML if reply.html else None
        # HTML cannot be cut anywhere; producers keep formatted texts within one message
        parts = [reply.text] if reply.html else split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH)
        with sender_errors():
            for index, part in enumerate(parts):
                markup = keyboard(reply) if index == len(parts) - 1 else None
                await self.bot.send_message(chat_id, part, parse_mode=parse_mode,
                                            reply_markup=markup)
            if attachment is None:
                return None
            document = attachment.file_ref or InputFile(attachment.content,
                                                        filename=attachment.filename)
            message = await self.bot.send_document(chat_id, document)
        return message.document.file_id if message.document else None

    async def post_status(self, chat_id: str, text: str, message_id: str | None) -> str | None:
        with sender_errors():
            if message_id is not None:
                try:
                    await self.bot.edit_message_text(text, chat_id, int(message_id))
                    return message_id
                except BadRequest as exc:
                    if "not modified" in exc.message.lower():
                        return message_id
                    # deleted by the person, or too old to edit: a new message instead
            message = await self.bot.send_message(chat_id, text)
        return str(message.message_id)
