"""Zalo adapter: updates in (long polling or webhook), replies out as plain text.

Zalo has no buttons, no documents and no editing: choices are numbered as on the console,
a document becomes a link (handlers/document_links.py, with a public URL) or a sentence
saying where to get it, and texts are cut at 2,000 characters. Every update is stored in
the inbox (keyed by its message_id) before it is handled and marked done after: a message
delivered twice, or again after a restart, is answered once, and one whose handling a
crash cut short is handled at the next start (handlers/inbox.py states the duplicate
window). Chats are served at once, each in order.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from conversations.core.i18n import translator
from conversations.core.replies import Incoming, Kind, Reply
from handlers.document_links import DocumentLinks, Link
from handlers.inbox import InboxProcessor
from handlers.outbox_sender import FloodWait, SendError, TransientError
from handlers.redact import redact, register_secret
from handlers.text_render import plain, render_text
from handlers.zalo_api import MAX_TEXT, InvalidToken, ZaloApi
from storage.db import utc_now
from storage.inbox import InboxRow, NewUpdate
from storage.repos import Repos

CHANNEL = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
Handle = Callable[[Incoming], Awaitable[list[Reply]]]
Sleep = Callable[[float], Awaitable[Any]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZaloEvent:
    message_id: str      # "" when Zalo sent none (then it cannot be deduplicated)
    incoming: Incoming


def event_from_update(update: Any) -> ZaloEvent | None:
    """What the dialogue needs from an update, wrapped `{ok, result}` or bare; None for
    what it does not handle (malformed, from a bot, in a group, not a message)."""
    if isinstance(update, dict) and isinstance(update.get("result"), dict):
        update = update["result"]
    if not isinstance(update, dict) or not isinstance(update.get("message"), dict):
        return None
    message, event = update["message"], str(update.get("event_name") or "")
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict):
        return None
    if sender.get("is_bot") in (True, "true", "True", 1):  # a string "false" is a person
        return None
    user_id, chat_id = str(sender.get("id") or ""), str(chat.get("id") or "")
    if not user_id or not chat_id or str(chat.get("chat_type") or "PRIVATE") != "PRIVATE":
        return None  # groups are in Zalo's internal testing: not handled yet
    message_id = str(message.get("message_id") or "")
    if not all(_printable_id(i) for i in (user_id, chat_id, message_id)):
        return None  # Zalo's ids are plain ASCII: anything else is not from Zalo
    kind, text = Kind.UNSUPPORTED, ""
    if event == "message.text.received":
        kind, text = Kind.TEXT, str(message.get("text") or "")
    incoming = Incoming(
        CHANNEL, user_id, chat_id, kind, text, has_buttons=False,
        display_name=str(sender.get("display_name") or ""),
        hidden=event == "message.unsupported.received",  # a protected user: never readable
    )
    return ZaloEvent(message_id, incoming)


def _printable_id(value: str) -> bool:
    return value.isascii() and value.isprintable() and len(value) <= 128


def document_note(language: str, filename: str, *, leader: bool = False) -> str:
    """Where to get a file Zalo cannot carry; a secretary is not sent to the secretary."""
    _ = translator(language).gettext
    if leader:
        return _("The file «{filename}» cannot be sent on Zalo. You can get it from this "
                 "assistant on Telegram, or from whoever runs the assistant for your "
                 "committee (the command kiemdiem export).").format(filename=filename)
    return _("The file «{filename}» cannot be sent on Zalo. You can get it from this "
             "assistant on Telegram, or ask your cell secretary for it.").format(
                 filename=filename)


def link_note(language: str, filename: str, url: str, minutes: int) -> str:
    t = translator(language)
    return t.ngettext(
        "«{filename}»: {url}\nThis link is for you alone and works for {minutes} minute; "
        "please do not pass it on. After that, ask again for a new link.",
        "«{filename}»: {url}\nThis link is for you alone and works for {minutes} minutes; "
        "please do not pass it on. After that, ask again for a new link.",
        minutes).format(filename=filename, url=url, minutes=minutes)


def zalo_texts(reply: Reply, language: str, link: Link | None = None,
               minutes: int = 0, *, leader: bool = False) -> list[str]:
    """A reply as Zalo messages: numbered choices, at most 2,000 characters each; its
    document as `link` (valid `minutes`) or, without one, where to get the file."""
    texts = render_text(plain(reply), MAX_TEXT)
    if reply.document is not None:
        filename = reply.document.filename
        texts.append(link_note(language, filename, link.url, minutes) if link
                     else document_note(language, filename, leader=leader))
    return texts


async def language_of(repos: Repos, *, member_id: int | None = None,
                      user_id: str | None = None) -> str:
    """The language a person reads: their member's, else their account's, else Vietnamese."""
    account = await repos.accounts.get(CHANNEL, user_id) if user_id else None
    member_id = member_id or (account.member_id if account else None)
    member = await repos.org.member(member_id) if member_id else None
    if member is not None:
        return member.language
    return (account.language if account else None) or "vi"


async def send_texts(api: ZaloApi, chat_id: str, texts: list[str], *,
                     tries: int = 3, sleep: Sleep = asyncio.sleep) -> None:
    """Send in order; a 429 or a network error is waited out and the part tried again,
    `tries` times in all, then raised (the later parts are not sent)."""
    for text in texts:
        for attempt in range(1, tries + 1):
            try:
                await api.send_message(chat_id, text)
                break
            except (FloodWait, TransientError) as exc:
                if attempt == tries:
                    raise
                await sleep(exc.seconds if isinstance(exc, FloodWait) else attempt)


class ZaloUpdates:
    """One pipeline for polled and webhook updates: parse, store, answer (in order per
    chat, chats at once)."""

    def __init__(self, api: ZaloApi, repos: Repos, handle: Handle, *,
                 clock: Callable[[], datetime] = utc_now, sleep: Sleep = asyncio.sleep,
                 concurrency: int = 64, links: DocumentLinks | None = None) -> None:
        self.api = api
        self.repos = repos
        self.handle = handle  # e.g. Runtime.handle
        self.links = links  # None: no public URL, documents cannot be offered as links
        self.clock = clock
        self.sleep = sleep
        self.processor = InboxProcessor(repos.inbox, CHANNEL, self._answer, self._give_up,
                                        concurrency=concurrency, clock=clock)

    async def receive(self, updates: Sequence[Any]) -> list[InboxRow]:
        """Store the updates it handles (one transaction) and queue them; returns at once
        with the new ones. Raises when they could not be stored (the database)."""
        new = []
        for update in updates:
            event = event_from_update(update)
            if event is not None:  # without a message_id it cannot be deduplicated
                key = event.message_id or f"no-id:{uuid.uuid4().hex}"
                new.append(NewUpdate(key, event.incoming.chat_id, update))
        stored = await self.repos.inbox.store(CHANNEL, new, self.clock())
        self.processor.submit(stored)
        return stored

    async def process(self, update: Any) -> None:
        """Store and answer one update. Raises only when it could not even be stored
        (the database): a webhook then answers 500 and Zalo may deliver it again."""
        stored = await self.receive([update])
        await self.processor.idle(row.chat_key for row in stored)

    async def _answer(self, row: InboxRow) -> None:
        event = event_from_update(row.payload)
        assert event is not None  # it was parsed before it was stored
        incoming = event.incoming
        try:
            replies = await self.handle(incoming)
            language = await language_of(self.repos, user_id=incoming.user_id)
            texts = [text for reply in replies
                     for text in await self._texts(reply, language, incoming.user_id)]
        except Exception:  # a bug in the dialogue must not silence the bot
            log.exception("zalo: message %s could not be handled", event.message_id)
            texts = [await _failure_text(self.repos, incoming.user_id)]
        await self._send(incoming.chat_id, texts)

    async def _texts(self, reply: Reply, language: str, user_id: str) -> list[str]:
        if reply.document is None:
            return zalo_texts(reply, language)
        if self.links is None:
            return zalo_texts(reply, language, leader=await self._leads(user_id))
        link = await self.links.give(CHANNEL, user_id, reply.document)
        return zalo_texts(reply, language, link, self.links.minutes)

    async def _leads(self, user_id: str) -> bool:
        account = await self.repos.accounts.get(CHANNEL, user_id)
        member = await self.repos.org.member(account.member_id) if account and \
            account.member_id else None
        return member is not None and (member.is_cell_secretary or member.is_admin)

    async def _give_up(self, row: InboxRow) -> None:
        event = event_from_update(row.payload)
        if event is not None:
            await self._send(event.incoming.chat_id,
                             [await _failure_text(self.repos, event.incoming.user_id)])

    async def _send(self, chat_id: str, texts: list[str]) -> None:
        try:
            await send_texts(self.api, chat_id, texts, sleep=self.sleep)
        except SendError as exc:
            log.warning("zalo: reply to %s not sent: %s", chat_id, exc)


async def _failure_text(repos: Repos, user_id: str) -> str:
    _ = translator(await _safe_language(repos, user_id)).gettext
    return _("Sorry, something went wrong on our side. Please send your message again in a "
             "few minutes.")


async def _safe_language(repos: Repos, user_id: str) -> str:
    try:
        return await language_of(repos, user_id=user_id)
    except Exception:
        return "vi"


class ZaloPoller:
    """getUpdates in a loop. Errors never end it, except a refused token (InvalidToken,
    raised: nothing can work until the operator replaces it). A 429 waits the client's
    flood wait; other failures back off from `base_backoff` to `max_backoff` seconds,
    reset by the next answer."""

    def __init__(self, api: ZaloApi, updates: ZaloUpdates, *, poll_timeout: int = 30,
                 base_backoff: float = 1.0, max_backoff: float = 60.0,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.api = api
        self.updates = updates
        self.poll_timeout = poll_timeout
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.sleep = sleep

    async def run(self) -> None:
        """Poll until cancelled (the channel runs it as a task and cancels it to stop)."""
        failures = 0
        while True:
            try:
                batch = await self.api.get_updates(self.poll_timeout)
            except InvalidToken:
                log.error("zalo: the bot token was refused (401); polling stops")
                raise
            except FloodWait as exc:
                log.warning("zalo: quota exceeded (429); waiting %ss", exc.seconds)
                await self.sleep(exc.seconds)
                continue
            except SendError as exc:  # network, 5xx, a webhook still set…
                failures += 1
                delay = min(self.max_backoff, self.base_backoff * 2 ** (failures - 1))
                log.warning("zalo: getUpdates failed (%s); again in %ss", exc, delay)
                await self.sleep(delay)
                continue
            failures = 0
            try:  # Zalo confirmed the batch by answering: store it, then handle it
                await self.updates.receive(batch)
            except Exception:
                log.exception("zalo: %d update(s) lost (could not be recorded)", len(batch))


def webhook_handler(updates: ZaloUpdates, secret: str) -> Callable[[web.Request],
                                                                   Awaitable[web.Response]]:
    """An aiohttp.web handler for Zalo's webhook calls: 403 unless X-Bot-Api-Secret-Token
    is `secret` (compared in constant time); 200 once the update is answered."""
    if not 8 <= len(secret) <= 256:
        raise ValueError("the Zalo webhook secret must have 8 to 256 characters")
    register_secret(secret)
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        received = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(received, expected):
            log.warning("zalo webhook: a call without the right secret from %s",
                        request.remote)
            return web.json_response({"ok": False}, status=403)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "description": "not JSON"}, status=400)
        try:
            await updates.process(body)
        except Exception as exc:
            log.error("zalo webhook: update not recorded: %s", redact(str(exc)))
            return web.json_response({"ok": False}, status=500)
        return web.json_response({"ok": True})

    return handle
