"""Telegram adapter: updates in, replies out (inline buttons, edits, documents)."""

from __future__ import annotations

import contextlib
import logging

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from conversations.assistant import Assistant
from conversations.core.replies import Incoming, IncomingDocument, Kind, Reply
from handlers.text_render import split_text

CHANNEL = "telegram"
ASSISTANT_KEY = "assistant"
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
    message = update.message
    if message is None:
        return None  # edited messages, reactions…: nothing to answer
    if message.text is not None:
        return Incoming(kind=Kind.TEXT, text=message.text, html=message.text_html, **common)
    if message.document is not None:  # e.g. the guidance an admin attaches to a broadcast
        document = IncomingDocument(message.document.file_id,
                                    message.document.file_name or "document")
        return Incoming(kind=Kind.UNSUPPORTED, document=document, **common)
    return Incoming(kind=Kind.UNSUPPORTED, **common)


def _group_command(update: Update) -> Incoming | None:
    """In groups only /commands are read (e.g. /linkgroup); buttons there are ignored."""
    message, user = update.message, update.effective_user
    if message is None or not (message.text or "").startswith("/") or user is None:
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
    assistant: Assistant = context.application.bot_data[ASSISTANT_KEY]
    replies = await assistant.handle(incoming)
    try:
        await send_replies(context.bot, incoming.chat_id, replies, query)
    except Forbidden:
        log.info("user %s blocked the bot", incoming.user_id)


def register(application: Application, assistant: Assistant) -> None:
    application.bot_data[ASSISTANT_KEY] = assistant
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_handler(MessageHandler(filters.ALL, on_update))
