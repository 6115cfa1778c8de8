"""The Zalo channel: long polling on the Zalo Bot API (or another server, ZALO_API_URL).

Updates go through the inbox like Telegram's (handlers/zalo.py ZaloUpdates: stored, then
handled per chat in order, then marked done); the outbox sender gets the Zalo transport,
so alerts, reminders and broadcasts reach Zalo members too. A webhook instead of polling
is handlers/zalo.py `webhook_handler` over the same ZaloUpdates, served by bot/http_server.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.http_server import webhook_base
from bot.runtime import ChannelStartError
from conversations.core.i18n import translator
from handlers.inbox import stop_intake
from handlers.zalo import CHANNEL, ZaloPoller, ZaloUpdates
from handlers.zalo_api import InvalidToken, ZaloApi
from handlers.zalo_transport import ZaloTransport

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


class ZaloChannel:
    name = CHANNEL
    transport: ZaloTransport  # set by `start` (it reads the runtime's repositories)

    def __init__(self, token: str, api_url: str | None = None, language: str = "vi", *,
                 poll_timeout: int = 30, webhook_url: str | None = None,
                 webhook_secret: str | None = None) -> None:
        self.api = ZaloApi(token, base_url=api_url)  # registers the token as a secret
        self.language = language  # for the operator's messages
        self.poll_timeout = poll_timeout
        self.webhook_url = webhook_url  # set: Zalo posts to <url>/zalo (bot/http_server)
        self.webhook_secret = webhook_secret
        self.updates: ZaloUpdates | None = None
        self._polling: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ZaloChannel:
        assert settings.zalo_token
        return cls(settings.zalo_token, settings.zalo_api_url, settings.language,
                   webhook_url=webhook_base(settings), webhook_secret=settings.webhook_secret)

    async def start(self, runtime: Runtime) -> None:
        try:
            me = await self.api.get_me()  # the token is checked here
        except InvalidToken:
            await self.api.close()
            raise ChannelStartError(translator(self.language).gettext(
                "Zalo refused ZALO_BOT_TOKEN (401 Unauthorized): the token is wrong or was "
                "revoked. Copy the current token from Zalo Bot Creator and start again."
            )) from None
        self.transport = ZaloTransport(self.api, runtime.repos)
        self.updates = ZaloUpdates(self.api, runtime.repos, runtime.handle, links=runtime.links)
        await self.updates.processor.recover()
        if self.webhook_url and self.webhook_secret:
            await self.api.set_webhook(f"{self.webhook_url}/zalo", self.webhook_secret)
            log.info("Zalo: webhook for %s", me.get("account_name") or "the bot")
            return
        poller = ZaloPoller(self.api, self.updates, poll_timeout=self.poll_timeout)
        self._polling = asyncio.create_task(self._poll(poller))
        log.info("Zalo: polling as %s", me.get("account_name") or "the bot")

    async def _poll(self, poller: ZaloPoller) -> None:
        try:
            await poller.run()
        except InvalidToken:  # revoked while running: logged by the poller, nothing to do
            return

    async def stop(self) -> None:
        await stop_intake(self._polling, self.updates.processor if self.updates else None)
        self._polling = None
        await self.api.close()
