"""The Telegram channel: long polling on the Bot API (or a self-hosted / fake one).

Updates go to the runtime (PTB's Application without its job queue: the runtime has its
own scheduler); the outbox sender gets a Bot of its own on aiohttp (~3x less CPU per call).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder

from bot.runtime import ChannelStartError
from conversations.core.i18n import LANGUAGES, translator
from conversations.core.menus import COMMANDS
from conversations.onboarding.invitations import TELEGRAM_USERNAME_KEY
from handlers import telegram as telegram_handlers
from handlers.aiohttp_request import AiohttpRequest
from handlers.redact import register_secret
from handlers.telegram_transport import TelegramTransport

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


class TelegramChannel:
    name = telegram_handlers.CHANNEL

    def __init__(self, token: str, api_url: str | None = None, language: str = "vi") -> None:
        register_secret(token)  # before any request: error texts quote the URL
        self.language = language  # for the operator's messages
        urls = {}
        if api_url:
            urls = {"base_url": f"{api_url}/bot", "base_file_url": f"{api_url}/file/bot"}
        builder = ApplicationBuilder().token(token).job_queue(None)
        if urls:
            builder = builder.base_url(urls["base_url"]).base_file_url(urls["base_file_url"])
        self.app: Application = builder.build()
        self.sender_bot = Bot(token, request=AiohttpRequest(), **urls)
        self.transport = TelegramTransport(self.sender_bot)

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        assert settings.telegram_token
        return cls(settings.telegram_token, settings.telegram_api_url, settings.language)

    async def start(self, runtime: Runtime) -> None:
        telegram_handlers.register(self.app, runtime)
        try:
            await self.app.initialize()  # getMe: the token is checked here
        except InvalidToken:
            raise ChannelStartError(translator(self.language).gettext(
                "Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): the token is wrong "
                "or was revoked. Copy the current token from @BotFather and start again."
            )) from None
        await runtime.repos.settings.set(TELEGRAM_USERNAME_KEY, self.app.bot.username)
        await register_commands(self.app.bot)
        await self.sender_bot.initialize()
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(allowed_updates=UPDATES)
        log.info("Telegram: polling as @%s", self.app.bot.username)

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()  # the updates being handled finish first
        await self.app.shutdown()
        await self.sender_bot.shutdown()


async def register_commands(bot: Bot) -> None:
    """The command menu in Vietnamese (default) and English."""
    for language in LANGUAGES:
        _ = translator(language).gettext
        commands = [BotCommand(name, _(text)) for name, _who, text in COMMANDS]
        code = None if language == "vi" else language  # Vietnamese is the default menu
        await bot.set_my_commands(commands, language_code=code)
