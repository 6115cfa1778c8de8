"""`kiemdiem run`: long polling on the Bot API (or a self-hosted / fake one)."""

from __future__ import annotations

import logging
import signal

from telegram import Bot, BotCommand, Update
from telegram.ext import Application, ApplicationBuilder

from bot import reminder_jobs
from bot.config import Settings
from bot.sending import Sending
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.i18n import LANGUAGES, translator
from conversations.core.menus import COMMANDS
from conversations.onboarding.invitations import TELEGRAM_USERNAME_KEY
from conversations.secretary.alerts import catch_up, digests_due
from handlers import telegram as telegram_handlers
from handlers.aiohttp_request import AiohttpRequest
from handlers.telegram_transport import TelegramTransport
from storage.db import open_database, utc_now
from storage.repos import Repos

log = logging.getLogger(__name__)
DB_KEY = "db"
DIGEST_EVERY = 300  # seconds between looks for secretaries' digests that are due
SENDER_KEY = "outbox_sender"
SENDER_BOT_KEY = "sender_bot"  # the outbox's own Bot on aiohttp: ~3x less CPU per call


def build_application(settings: Settings) -> Application:
    assert settings.telegram_token
    forms = settings.form_library()  # before connecting: a broken form file stops here
    builder = ApplicationBuilder().token(settings.telegram_token)
    urls = {}
    if settings.telegram_api_url:
        urls = {"base_url": f"{settings.telegram_api_url}/bot",
                "base_file_url": f"{settings.telegram_api_url}/file/bot"}
        builder = builder.base_url(urls["base_url"]).base_file_url(urls["base_file_url"])

    async def post_init(app: Application) -> None:
        db = await open_database(settings.db_path)
        app.bot_data[DB_KEY] = db
        repos = Repos.of(db)
        await repos.settings.set(TELEGRAM_USERNAME_KEY, app.bot.username)
        assistant = Assistant(
            repos, forms, AssistantConfig(invite_ttl=settings.invite_ttl)
        )
        telegram_handlers.register(app, assistant)

        async def secretaries_digests(_context) -> None:
            await digests_due(repos, forms, utc_now())

        app.job_queue.run_repeating(secretaries_digests, interval=DIGEST_EVERY, first=30)
        await catch_up(repos, forms, utc_now())  # alerts a crash may have cut off
        reminder_jobs.install(app, repos, forms)
        await register_commands(app)
        sender_bot = Bot(settings.telegram_token, request=AiohttpRequest(), **urls)
        app.bot_data[SENDER_BOT_KEY] = sender_bot
        await sender_bot.initialize()
        app.bot_data[SENDER_KEY] = await Sending(repos, [TelegramTransport(sender_bot)]).start()
        log.info("kiemdiem is running as @%s on %s", app.bot.username, settings.db_path)

    async def post_stop(app: Application) -> None:
        sending = app.bot_data.pop(SENDER_KEY, None)
        if sending is not None:  # while the bot can still send: the batch finishes
            await sending.stop()

    async def post_shutdown(app: Application) -> None:
        sender_bot = app.bot_data.pop(SENDER_BOT_KEY, None)
        if sender_bot is not None:
            await sender_bot.shutdown()
        db = app.bot_data.pop(DB_KEY, None)
        if db is not None:
            await db.close()
        log.info("kiemdiem stopped")

    return (builder.post_init(post_init).post_stop(post_stop).post_shutdown(post_shutdown)
            .build())


async def register_commands(app: Application) -> None:
    """The command menu in Vietnamese (default) and English."""
    for language in LANGUAGES:
        _ = translator(language).gettext
        commands = [BotCommand(name, _(text)) for name, _who, text in COMMANDS]
        code = None if language == "vi" else language  # Vietnamese is the default menu
        await app.bot.set_my_commands(commands, language_code=code)


def run_polling(settings: Settings) -> None:
    app = build_application(settings)
    app.run_polling(
        allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
        stop_signals=(signal.SIGINT, signal.SIGTERM),
    )
