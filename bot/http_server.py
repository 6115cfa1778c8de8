"""The bot process's one HTTP server: the platforms' webhooks, /healthz, /metrics and the
document links (aiohttp, beside the dialogue in the same event loop).

    POST /telegram  Telegram's webhook: the secret header checked, the update stored in
                    the inbox, 200 only once stored (else Telegram delivers it again)
    POST /zalo      Zalo's webhook (handlers/zalo.py webhook_handler, the same inbox)
    GET  /healthz   JSON: database, scheduler, outbox and inbox backlogs; 200 or 503
    GET  /metrics   Prometheus text (bot/metrics.py)
    GET  /files/<token>  a document given as a link on Zalo (handlers/document_links.py)

It runs when webhooks are configured (KIEMDIEM_WEBHOOK_URL and KIEMDIEM_WEBHOOK_SECRET;
each channel then registers its webhook at start), or, while polling, when
KIEMDIEM_PUBLIC_URL (documents as links) or KIEMDIEM_HTTP_PORT is set; the webhook routes
exist only in webhook mode.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.cli_text import _
from bot.document_page import document_response
from conversations.core.i18n import translator
from handlers.document_links import LINK_PATH
from handlers.redact import register_secret
from handlers.updates import log_failure
from handlers.zalo import webhook_handler as zalo_webhook_handler
from storage import health
from storage.outbox import STATUSES

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{8,256}")  # what Telegram accepts
DEFAULT_HOST, DEFAULT_PORT = "0.0.0.0", 8080
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class HttpConfig:
    host: str
    port: int  # 0: any free port (tests)
    webhook_secret: str | None = None  # None: polling, no webhook routes
    language: str = "vi"  # for the operator's and the link pages' messages
    public_url: str | None = None  # how people reach the server: documents as links


def http_config(settings: Settings) -> HttpConfig | None:
    """Where the server listens; None when there is nothing to serve (polling, no public
    URL, no port). A wrong value stops start-up with the reason."""
    secret = _webhook_secret(settings)
    public = settings.public_url  # documents as links only when the operator says so
    if public and not public.startswith("https://"):
        raise SystemExit("kiemdiem: " + _(
            "KIEMDIEM_PUBLIC_URL must start with https:// (got {url})").format(url=public))
    if secret is None and public is None and settings.http_port is None:
        return None
    port = DEFAULT_PORT if settings.http_port is None else settings.http_port
    return HttpConfig(settings.http_host or DEFAULT_HOST, port, secret, settings.language,
                      public)


def _webhook_secret(settings: Settings) -> str | None:
    """The webhook secret in webhook mode, None when polling."""
    url, secret = settings.webhook_url, settings.webhook_secret
    if not url and not secret:
        return None
    if not (url and secret):
        raise SystemExit("kiemdiem: " + _(
            "set both KIEMDIEM_WEBHOOK_URL and KIEMDIEM_WEBHOOK_SECRET (webhook mode) or "
            "neither (polling)"))
    if not url.startswith("https://"):
        raise SystemExit("kiemdiem: " + _(
            "KIEMDIEM_WEBHOOK_URL must start with https:// (got {url})").format(url=url))
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise SystemExit("kiemdiem: " + _(
            "KIEMDIEM_WEBHOOK_SECRET must have 8 to 256 letters, digits, _ or -"))
    register_secret(secret)
    return secret


def webhook_base(settings: Settings) -> str | None:
    """The public base URL the channels register (None when polling)."""
    return settings.webhook_url.rstrip("/") if settings.webhook_url else None


class HttpServer:
    def __init__(self, runtime: Runtime, config: HttpConfig) -> None:
        self.runtime = runtime
        self.config = config
        self._zalo: Handler | None = None
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get(LINK_PATH + "{token}", self._document)
        if config.webhook_secret:
            register_secret(config.webhook_secret)
            self._secret = config.webhook_secret.encode()
            app.router.add_post("/telegram", self._telegram)
            app.router.add_post("/zalo", self._zalo_webhook)
        self.app = app

    @property
    def port(self) -> int:
        assert self._runner is not None, "the server is not started"
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        from bot.runtime import ChannelStartError  # the runtime imports this module

        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        self._runner = runner
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except OSError as exc:  # the port taken, the address not ours…
            await self.stop()
            raise ChannelStartError(translator(self.config.language).gettext(
                "The HTTP server cannot listen on {host}:{port} ({reason}). Stop the program "
                "using that port, or choose another with KIEMDIEM_HTTP_PORT."
            ).format(host=self.config.host, port=self.config.port,
                     reason=exc.strerror or exc)) from None
        log.info("HTTP server on %s:%d (%s/healthz, /metrics%s)", self.config.host, self.port,
                 "webhooks, " if self.config.webhook_secret else "",
                 ", document links" if self.config.public_url else "")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def _channel(self, name: str) -> Any:
        return next((c for c in self.runtime.channels if c.name == name), None)

    # -- webhooks -------------------------------------------------------------------------

    async def _telegram(self, request: web.Request) -> web.Response:
        received = request.headers.get(TELEGRAM_SECRET_HEADER, "").encode()
        if not hmac.compare_digest(received, self._secret):
            log.warning("telegram webhook: a call without the right secret from %s",
                        request.remote)
            return web.json_response({"ok": False}, status=403)
        channel = self._channel("telegram")
        if channel is None or channel.processor is None:  # not (yet) serving Telegram
            return web.json_response({"ok": False}, status=503)
        try:
            payload = await request.json()
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
            update = channel.parse(payload)
        except Exception:  # not JSON, not an update Telegram would send: nothing to store
            return web.json_response({"ok": False, "description": "not an update"}, status=400)
        try:
            stored = await channel.store(self.runtime, [update])
        except Exception as exc:  # not stored: a 5xx makes Telegram deliver it again
            log_failure(exc, channel.name, "inbox store (webhook)")
            return web.json_response({"ok": False}, status=500)
        channel.processor.submit(stored)
        return web.json_response({"ok": True})

    async def _zalo_webhook(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel("zalo")
        if channel is None or channel.updates is None:
            return web.json_response({"ok": False}, status=503)
        if self._zalo is None:
            assert self.config.webhook_secret is not None  # the route exists only then
            self._zalo = zalo_webhook_handler(channel.updates, self.config.webhook_secret)
        return await self._zalo(request)

    # -- health and metrics ---------------------------------------------------------------

    async def _backlog(self) -> health.Backlog | None:
        db = self.runtime.db
        try:
            if db is None:
                return None
            await health.ping(db)
            return await health.backlog(db, self.runtime.clock(), STATUSES)
        except Exception as exc:
            log_failure(exc, "http", "health check")
            return None

    def _oldest_due_age(self, backlog: health.Backlog | None) -> float | None:
        if backlog is None or backlog.oldest_due is None:
            return None
        return max(0.0, (self.runtime.clock() - backlog.oldest_due).total_seconds())

    async def _healthz(self, request: web.Request) -> web.Response:
        backlog = await self._backlog()
        scheduled = self.runtime.scheduled
        body = {
            "database": backlog is not None,
            "scheduler": scheduled is not None and scheduled.alive,
            "outbox_pending": backlog.outbox.get("pending", 0) if backlog else None,
            "outbox_oldest_due_seconds": self._oldest_due_age(backlog),
            "inbox_pending": backlog.inbox_pending if backlog else None,
        }
        healthy = body["database"] and body["scheduler"]
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        backlog = await self._backlog()
        scheduled = self.runtime.scheduled
        text = self.runtime.metrics.render(backlog, self._oldest_due_age(backlog),
                                           scheduled.reminder_lag if scheduled else None)
        return web.Response(body=text.encode(), headers={"Content-Type": PROMETHEUS_TYPE})

    # -- document links -------------------------------------------------------------------

    async def _document(self, request: web.Request) -> web.StreamResponse:
        return await document_response(self.runtime.links, request.match_info["token"],
                                       self.config.language)
