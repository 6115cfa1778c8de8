"""Settings read once from the environment (and command-line flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_DB = "kiemdiem.sqlite3"
DEMO_DB = "kiemdiem-demo.sqlite3"


@dataclass(frozen=True)
class Settings:
    db_path: str
    telegram_token: str | None
    telegram_api_url: str | None
    invite_ttl: timedelta
    language: str  # for command-line messages

    @classmethod
    def from_env(cls, db_path: str | None = None) -> Settings:
        env = os.environ
        return cls(
            db_path=db_path or env.get("KIEMDIEM_DB") or DEFAULT_DB,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=(env.get("TELEGRAM_API_URL") or "").rstrip("/") or None,
            invite_ttl=timedelta(days=int(env.get("KIEMDIEM_INVITE_DAYS", "30"))),
            language=env.get("KIEMDIEM_LANG", "vi"),
        )
