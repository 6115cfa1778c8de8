"""Settings read once from the environment (and command-line flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.http_server import webhook_settings
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from handlers.redact import register_secret
from storage.urls import is_postgres_url, masked, password

DEFAULT_DB = "kiemdiem.sqlite3"
DEMO_DB = "kiemdiem-demo.sqlite3"


@dataclass(frozen=True)
class Settings:
    db_path: str  # a SQLite file, or the postgresql:// URL of KIEMDIEM_DATABASE_URL
    telegram_token: str | None
    telegram_api_url: str | None
    invite_ttl: timedelta
    language: str  # for command-line messages
    forms_dir: Path | None  # a committee's own form versions or hint overrides
    busy_timeout_ms: int | None = None  # how long a write waits for a locked database
    zalo_token: str | None = None
    zalo_api_url: str | None = None  # another server than Zalo's (a test fake…)
    webhook_url: str | None = None  # set (with webhook_secret): webhooks, not polling
    webhook_secret: str | None = None
    http_host: str | None = None  # None: bot/http_server.py's defaults
    http_port: int | None = None

    @classmethod
    def from_env(cls, db_path: str | None = None) -> Settings:
        env = os.environ
        url = env.get("KIEMDIEM_DATABASE_URL") or None
        if url and not is_postgres_url(url):
            raise SystemExit(f"kiemdiem: KIEMDIEM_DATABASE_URL must start with postgresql://"
                             f" (got {masked(url)}); unset it to use SQLite (KIEMDIEM_DB)")
        if url:  # whatever logs or prints the setting shows it masked
            register_secret(url)
            register_secret(password(url))
        return cls(
            db_path=db_path or url or env.get("KIEMDIEM_DB") or DEFAULT_DB,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=(env.get("TELEGRAM_API_URL") or "").rstrip("/") or None,
            invite_ttl=timedelta(days=int(env.get("KIEMDIEM_INVITE_DAYS", "30"))),
            language=env.get("KIEMDIEM_LANG", "vi"),
            forms_dir=Path(env["KIEMDIEM_FORMS_DIR"]) if env.get("KIEMDIEM_FORMS_DIR") else None,
            busy_timeout_ms=int(env["KIEMDIEM_BUSY_TIMEOUT_MS"])
            if env.get("KIEMDIEM_BUSY_TIMEOUT_MS") else None,
            zalo_token=env.get("ZALO_BOT_TOKEN") or None,
            zalo_api_url=(env.get("ZALO_API_URL") or "").rstrip("/") or None,
            **webhook_settings(env),
        )

    @property
    def database_label(self) -> str:
        """The database as it may be shown: a file, or the URL without its password."""
        return masked(self.db_path)

    def form_library(self) -> FormLibrary:
        """The built-in forms plus the committee's; a broken file stops start-up."""
        extra = [self.forms_dir] if self.forms_dir else []
        return load_forms(BUILTIN_FORMS_DIR, *extra)
