"""Telegram adapter: updates in, replies out (inline buttons, edits, documents).

Each update is handed to the dialogue (the runtime), which answers even when it fails;
what fails here (a reply that cannot be sent…) reaches `on_error`: logged once, and the
person told when that is still possible."""

from __future__ import annotations

import contextlib
import logging

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from conversations.core.i18n import normalise_language
from conversations.core.replies import Incoming, IncomingDocument, Kind, Reply
from handlers.text_render import split_text
from handlers.updates import Dialogue, failure_replies, log_failure

CHANNEL = "telegram"
DIALOGUE_KEY = "dialogue"
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
                                    message.document.file_name or "document")
        return Incoming(kind=Kind.UNSUPPORTED, document=document, **common)
    return Incoming(kind=Kind.UNSUPPORTED, **common)


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
    for reply in replies:
        markup = keyboard(reply)
        parts = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH)
        if pressed_message is not None:
            if reply.replace and len(parts) == 1 and await _edit(
                bot, chat_id, pressed_message.message_id, parts[0], markup
            ):
                pressed_message = None
                continue
            # the answer comes as a new message: take the old buttons away
            await _drop_buttons(bot, chat_id, pressed_message.message_id)
            pressed_message = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await bot.send_message(chat_id, part, reply_markup=markup if last else None,
                                   parse_mode=ParseMode.HTML if reply.html else None)
        if reply.document is not None:
            await bot.send_document(
                chat_id,
                InputFile(reply.document.content, filename=reply.document.filename),
                caption=reply.document.caption or None,
            )


async def _edit(bot: Bot, chat_id, message_id: int, text: str, markup) -> bool:
    try:
        await bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("could not edit message %s: %s", message_id, exc.message)
        return False
    return True


async def _drop_buttons(bot: Bot, chat_id, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not remove buttons of %s: %s", message_id, exc.message)


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    incoming = incoming_from_update(update)
    if incoming is None:
        return
    query = update.callback_query
    if query is not None:
        # "query is too old" after a restart: the reply below still answers the person
        with contextlib.suppress(BadRequest):
            await query.answer()
    dialogue: Dialogue = context.application.bot_data[DIALOGUE_KEY]
    replies = await dialogue.handle(incoming)
    try:
        await send_replies(context.bot, incoming.chat_id, replies, query)
    except Forbidden:
        log.info("user %s blocked the bot", incoming.user_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update whose handling failed outside the dialogue: one log line, and a short
    message to the person if a private chat is known (it may fail again: then nothing)."""
    error = context.error
    if error is None:
        return
    log_failure(error, CHANNEL, "update")
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None or chat.type != chat.PRIVATE:
        return
    user = update.effective_user if isinstance(update, Update) else None
    replies = failure_replies(error, normalise_language(user.language_code if user else None))
    try:
        await send_replies(context.bot, chat.id, replies)
    except TelegramError as exc:
        log.info("could not tell chat %s about the failure: %s", chat.id, type(exc).__name__)


def register(application: Application, dialogue: Dialogue) -> None:
    application.bot_data[DIALOGUE_KEY] = dialogue
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_handler(MessageHandler(filters.ALL, on_update))
    application.add_error_handler(on_error)
