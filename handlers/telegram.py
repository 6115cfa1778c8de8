"""Telegram adapter: updates in, replies out (inline buttons, edits, documents).

Each update is handed to the dialogue (the runtime), which answers even when it fails;
what fails here (a reply that cannot be sent…) is logged once, and the person told when
that is still possible. A 429 or a 5xx on a reply is waited out and tried again
(`with_retries`), so a busy moment at Telegram does not leave the person unanswered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from conversations.core.i18n import normalise_language
from conversations.core.menus import failure_reply
from conversations.core.replies import Incoming, IncomingDocument, Kind, Reply
from handlers.text_render import split_text
from handlers.updates import Dialogue, failure_replies, log_failure

CHANNEL = "telegram"
DIALOGUE_KEY = "dialogue"
SEND_TRIES = 4  # a reply: the first try and three more, 1 + 2 + 4 s apart (or as told)
T = TypeVar("T")
log = logging.getLogger(__name__)


def incoming_from_update(update: Update) -> Incoming | None:
    """What the dialogue needs from an update; None for updates it does not handle."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    if chat.type in (chat.GROUP, chat.SUPERGROUP):
        return _group_command(update)
    if chat.type != chat.PRIVATE:
        return None
    common = {
        "channel": CHANNEL,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "language_hint": user.language_code,
        "display_name": user.full_name,
    }
    if update.callback_query is not None:
        return Incoming(kind=Kind.ACTION, text=update.callback_query.data or "", **common)
    if update.edited_message is not None:
        return Incoming(kind=Kind.EDITED, **common)
    message = update.message
    if message is None:
        return None  # reactions…: nothing to answer
    if message.text is not None:
        return Incoming(kind=Kind.TEXT, text=message.text, html=_html(message), **common)
    if message.document is not None:  # e.g. the guidance an admin attaches to a broadcast
        document = IncomingDocument(message.document.file_id,
                                    message.document.file_name or "document",
                                    message.document.file_size or 0,
                                    partial(_download, message.document))
        return Incoming(kind=Kind.UNSUPPORTED, document=document, **common)
    return Incoming(kind=Kind.UNSUPPORTED, **common)


async def _download(document: Document) -> bytes:
    file = await with_retries(document.get_file)
    return bytes(await file.download_as_bytearray())


def _html(message: Message) -> str | None:
    """The text with its formatting as HTML; None when its entities cannot be placed (a
    lone surrogate cannot be counted in UTF-16): the plain text is used then."""
    try:
        return message.text_html
    except UnicodeEncodeError:
        return None


def _group_command(update: Update) -> Incoming | None:
    """In groups only /commands are read (e.g. /linkgroup), not those addressed to another
    bot (/linkgroup@other_bot); buttons there are ignored."""
    message, user = update.message, update.effective_user
    if message is None or not (message.text or "").startswith("/") or user is None:
        return None
    command = message.text.split(maxsplit=1)[0] if message.text.strip() else "/"
    _name, at, addressee = command.partition("@")
    if at and addressee.lower() != (message.get_bot().username or "").lower():
        return None
    return Incoming(CHANNEL, str(user.id), str(message.chat_id), Kind.TEXT, message.text,
                    language_hint=user.language_code, display_name=user.full_name,
                    is_group=True)


def retry_after(exc: RetryAfter) -> float:
    """The seconds Telegram asks to wait, whatever PTB_TIMEDELTA says."""
    wait = exc._retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def with_retries(method: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """`method(*args, **kwargs)`, tried again after a 429 (waiting what Telegram asks) or
    a 5xx / network failure (backing off); a refusal (400, 403) or the last failure is
    raised."""
    for attempt in range(1, SEND_TRIES + 1):
        try:
            return await method(*args, **kwargs)
        except BadRequest:  # a NetworkError in PTB's hierarchy, but final
            raise
        except (RetryAfter, NetworkError) as exc:
            if attempt == SEND_TRIES:
                raise
            wait = retry_after(exc) if isinstance(exc, RetryAfter) else 2 ** (attempt - 1)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.action) for c in row]
         for row in reply.choices]
    )


async def send_replies(
    bot: Bot, chat_id: int | str, replies: list[Reply], pressed: CallbackQuery | None = None
) -> None:
    pressed_message = pressed.message if pressed else None
    dropping: asyncio.Task[None] | None = None
    try:
        for reply in replies:
            markup = keyboard(reply)
            parts = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH)
            if pressed_message is not None:
                if reply.replace and len(parts) == 1 and await _edit(
                    bot, chat_id, pressed_message.message_id, parts[0], markup
                ):
                    pressed_message = None
                    continue
                # the answer comes as a new message: the old buttons are taken away beside
                # it, not before it (the answer would wait one round trip more)
                dropping = asyncio.create_task(
                    _drop_buttons(bot, chat_id, pressed_message.message_id))
                pressed_message = None
            await _send(bot, chat_id, reply, parts, markup)
    finally:
        if dropping is not None:
            await dropping


async def _send(bot: Bot, chat_id: int | str, reply: Reply, parts: list[str],
                markup: InlineKeyboardMarkup | None) -> None:
    """One reply as new messages (its buttons on the last part), then its document."""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await with_retries(bot.send_message, chat_id, part,
                           reply_markup=markup if last else None,
                           parse_mode=ParseMode.HTML if reply.html else None)
    if reply.document is not None:
        await with_retries(
            bot.send_document, chat_id,
            InputFile(reply.document.content, filename=reply.document.filename),
            caption=reply.document.caption or None)


async def _edit(bot: Bot, chat_id, message_id: int, text: str, markup) -> bool:
    try:
        await with_retries(bot.edit_message_text, text, chat_id, message_id,
                           reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("could not edit message %s: %s", message_id, exc.message)
        return False
    return True


async def _drop_buttons(bot: Bot, chat_id, message_id: int) -> None:
    """A side call beside the answer: its failure is logged, never the answer's."""
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not remove buttons of %s: %s", message_id, exc.message)
    except TelegramError as exc:
        log.info("could not remove buttons of %s: %s", message_id, type(exc).__name__)


async def answer_update(bot: Bot, dialogue: Dialogue, update: Update) -> None:
    """Hand one update to the dialogue and send its answer. A failure outside the dialogue
    (a reply that cannot be sent…) is logged once and the person told, if still possible."""
    answering: asyncio.Task[None] | None = None
    try:
        incoming = incoming_from_update(update)
        if incoming is None:
            return
        query = update.callback_query
        if query is not None:
            # beside the dialogue, not before it: the reply does not wait a round trip
            answering = asyncio.create_task(_answer_press(query))
        replies = await dialogue.handle(incoming)
        try:
            await send_replies(bot, incoming.chat_id, replies, query)
        except Forbidden:
            log.info("user %s blocked the bot", incoming.user_id)
    except Exception as error:
        log_failure(error, CHANNEL, "update")
        await tell_failure(bot, update, failure_replies(error, _language(update)))
    finally:
        if answering is not None:
            await answering


async def _answer_press(query: CallbackQuery) -> None:
    """A side call: whether it works ("query is too old" after a restart, a 5xx…) must
    not decide whether the press is handled."""
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("could not answer a button press: %s", type(exc).__name__)


def _language(update: Update) -> str:
    user = update.effective_user
    return normalise_language(user.language_code if user else None)


async def tell_failure(bot: Bot, update: Update, replies: list[Reply]) -> None:
    """A short message to the person when a private chat is known (it may fail again:
    then nothing)."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return
    try:
        await send_replies(bot, chat.id, replies)
    except TelegramError as exc:
        log.info("could not tell chat %s about the failure: %s", chat.id, type(exc).__name__)


async def give_up(bot: Bot, update: Update) -> None:
    """An update that failed every attempt: the polite failure message, once."""
    await tell_failure(bot, update, [failure_reply(_language(update), storage=False)])


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's handler form of `answer_update` (bench/dialogue.py drives it)."""
    await answer_update(context.bot, context.application.bot_data[DIALOGUE_KEY], update)


def register(application: Application, dialogue: Dialogue) -> None:
    application.bot_data[DIALOGUE_KEY] = dialogue
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_handler(MessageHandler(filters.ALL, on_update))
