"""The Telegram channel: our own long polling on the Bot API (or a self-hosted / fake one).

getUpdates → the updates stored in the inbox, in one transaction → only then the next
getUpdates with offset = last + 1, which is what confirms them to Telegram → handled by
the inbox processor (chats at once, each chat in order; see handlers/inbox.py). A crash
at any point loses nothing: what Telegram sent again is stored once, what was stored but
not finished is handled at the next start. One Bot (on aiohttp, ~3x less CPU per call)
serves the replies and the outbox sender; getUpdates has its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.http_server import webhook_base
from bot.runtime import ChannelStartError
from conversations.core.i18n import LANGUAGES, translator
from conversations.core.menus import COMMANDS
from conversations.onboarding.invitations import TELEGRAM_USERNAME_KEY
from handlers import telegram as telegram_handlers
from handlers.aiohttp_request import AiohttpRequest
from handlers.inbox import InboxProcessor, stop_intake
from handlers.redact import register_secret
from handlers.telegram_transport import TelegramTransport
from handlers.updates import log_failure
from storage.db import utc_now
from storage.inbox import InboxRow, NewUpdate

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
POLL_TIMEOUT = 30  # seconds a getUpdates call waits for news
MAX_BACKOFF = 30.0


def chat_key(update: Update) -> str:
    """Whose turn an update waits for: its chat's (a button press: the pressing user's
    private chat); an update without one is alone in its own queue."""
    chat = update.effective_chat
    return str(chat.id) if chat is not None else f"update:{update.update_id}"


class TelegramChannel:
    name = telegram_handlers.CHANNEL

    def __init__(self, token: str, api_url: str | None = None, language: str = "vi", *,
                 concurrency: int = 64, webhook_url: str | None = None,
                 webhook_secret: str | None = None) -> None:
        register_secret(token)  # before any request: error texts quote the URL
        self.language = language  # for the operator's messages
        self.concurrency = concurrency
        self.webhook_url = webhook_url  # set: Telegram posts to <url>/telegram (bot/http_server)
        self.webhook_secret = webhook_secret
        urls = {}
        if api_url:
            urls = {"base_url": f"{api_url}/bot", "base_file_url": f"{api_url}/file/bot"}
        self._request = AiohttpRequest()
        self.bot = Bot(token, request=self._request, **urls)
        self.transport = TelegramTransport(self.bot)
        self.processor: InboxProcessor | None = None
        self._polling: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        assert settings.telegram_token
        return cls(settings.telegram_token, settings.telegram_api_url, settings.language,
                   webhook_url=webhook_base(settings), webhook_secret=settings.webhook_secret)

    async def start(self, runtime: Runtime) -> None:
        try:
            await self.bot.initialize()  # getMe: the token is checked here
        except InvalidToken:
            await self._request.shutdown()  # the bot never started: its session closes here
            raise ChannelStartError(translator(self.language).gettext(
                "Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): the token is wrong "
                "or was revoked. Copy the current token from @BotFather and start again."
            )) from None
        await runtime.repos.settings.set(TELEGRAM_USERNAME_KEY, self.bot.username)
        await register_commands(self.bot)

        async def handle(row: InboxRow) -> None:
            update = Update.de_json(row.payload, self.bot)
            await telegram_handlers.answer_update(self.bot, runtime, update)

        async def give_up(row: InboxRow) -> None:
            await telegram_handlers.give_up(self.bot, Update.de_json(row.payload, self.bot))

        self.processor = InboxProcessor(runtime.repos.inbox, self.name, handle, give_up,
                                        concurrency=self.concurrency)
        await self.processor.recover()
        if self.webhook_url:  # left set at stop: Telegram keeps the updates meanwhile
            await self.bot.set_webhook(f"{self.webhook_url}/telegram", allowed_updates=UPDATES,
                                       secret_token=self.webhook_secret)
            log.info("Telegram: webhook for @%s", self.bot.username)
            return
        await self.bot.delete_webhook()  # a webhook left by webhook mode would refuse polling
        self._polling = asyncio.create_task(self._poll(runtime))
        log.info("Telegram: polling as @%s", self.bot.username)

    def parse(self, payload: dict) -> Update:
        return Update.de_json(payload, self.bot)

    async def store(self, runtime: Runtime, updates: list[Update]) -> list[InboxRow]:
        """Updates into the inbox in one transaction; the new ones, in order."""
        return await runtime.repos.inbox.store(
            self.name, [NewUpdate(str(u.update_id), chat_key(u), u.to_dict()) for u in updates],
            utc_now())

    async def _poll(self, runtime: Runtime) -> None:
        """getUpdates until cancelled; failures back off and never end it."""
        assert self.processor is not None
        offset: int | None = None  # None: from the first update Telegram still holds
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT,
                                                     allowed_updates=UPDATES)
            except RetryAfter as exc:
                await asyncio.sleep(telegram_handlers.retry_after(exc))
                continue
            except TelegramError as exc:  # network, 5xx…: nothing confirmed
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** (failures - 1))
                log.warning("Telegram: getUpdates failed (%s); again in %ss",
                            type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            try:
                stored = await self.store(runtime, updates)
            except Exception as exc:
                # the database refuses writes (locked past the busy timeout, full…): the
                # dialogue answers each update at once, telling the person nothing was
                # saved and to send it again; confirming them then loses nothing unsaid
                log_failure(exc, self.name, "inbox store")
                for update in updates:
                    await telegram_handlers.answer_update(self.bot, runtime, update)
                stored = []
            offset = updates[-1].update_id + 1  # confirmed by the next call
            self.processor.submit(stored)

    async def stop(self) -> None:
        await stop_intake(self._polling, self.processor)
        self._polling = None
        with contextlib.suppress(TelegramError):
            await self.bot.shutdown()


async def register_commands(bot: Bot) -> None:
    """The command menu in Vietnamese (default) and English."""
    for language in LANGUAGES:
        _ = translator(language).gettext
        commands = [BotCommand(name, _(text)) for name, _who, text in COMMANDS]
        code = None if language == "vi" else language  # Vietnamese is the default menu
        await bot.set_my_commands(commands, language_code=code)
