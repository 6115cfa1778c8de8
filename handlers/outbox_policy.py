"""What the outbox sender does with each answer: the error kinds, the settings, how long
a message stays useful, how long to wait before the next try, what is stored as the error.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from handlers.redact import redact
from storage.outbox import OutboxRow


# What a transport raises; the sender decides what happens to the row.
class SendError(Exception):
    """Refused for good (bad request, chat not found…): the row fails, no retry."""


class TransientError(SendError):
    """Network error, timeout, server error: retried with backoff until the row expires.

    A timed-out request may have been delivered (Telegram has no idempotency key), so a
    retry after a timeout can show the message twice: the price of not losing it."""


class RecipientBlocked(SendError):
    """The person blocked the bot or left: unreachable, never retried."""


class FloodWait(SendError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class ChatMoved(SendError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


LIFETIMES_ENV = "KIEMDIEM_OUTBOX_LIFETIME_DAYS"
ANY_KIND = "*"
# Days a message stays worth sending, counted from when it was queued, for rows whose
# producer gave no expiry of its own (a reminder expires at its deadline, a secretary's
# digest at the next digest). Override with e.g. KIEMDIEM_OUTBOX_LIFETIME_DAYS="broadcast=30,*=5".
DEFAULT_LIFETIMES: Mapping[str, float] = MappingProxyType({
    "broadcast": 14.0, "digest": 1.0, "chase": 3.0, ANY_KIND: 7.0,  # alerts, "returned"…
})


def parse_lifetimes(overrides: str | Mapping[str, object]) -> Mapping[str, float]:
    """DEFAULT_LIFETIMES with overrides: "kind=days,…" (the environment) or a table."""
    if isinstance(overrides, str):
        parts = filter(None, (p.strip() for p in overrides.split(",")))
        pairs: list[tuple[str, object]] = [
            (kind, days) for kind, _, days in (p.partition("=") for p in parts)]
    else:
        pairs = list(overrides.items())
    found = dict(DEFAULT_LIFETIMES)
    for kind, days in pairs:
        try:
            value = math.nan if isinstance(days, bool) else float(days)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
        if not kind.strip() or not value > 0:
            raise ValueError(f"{kind.strip()}={days} is not kind=days with days > 0")
        found[kind.strip()] = value
    return MappingProxyType(found)


def lifetimes_from_env() -> Mapping[str, float]:
    """DEFAULT_LIFETIMES with the environment's overrides ("kind=days,…")."""
    try:
        return parse_lifetimes(os.environ.get(LIFETIMES_ENV, ""))
    except ValueError as exc:
        raise ValueError(f'{LIFETIMES_ENV}: {exc}, e.g. {LIFETIMES_ENV}="broadcast=14,alert=7,*=7"'
                         ) from None


@dataclass(frozen=True)
class SenderConfig:
    rate: float | None = 25.0        # messages per second overall; None: no limit
    private_interval: float = 1.1    # seconds between two messages to one private chat
    group_interval: float = 3.1      # 20 messages/min per group, with a margin
    # The in-flight window: at most this many rows are claimed ('sending') and not yet
    # recorded, so a killed process sends at most this many messages twice.
    batch_size: int = 25
    expected_latency: float = 0.25   # seconds, a Bot API round trip (sizes `on_wire`)
    concurrency: int | None = None   # requests on the wire at once; None: see `on_wire`
    base_backoff: float = 2.0        # seconds; doubles with each attempt…
    max_backoff: float = 300.0       # …up to this
    jitter: float = 0.2              # each wait shortened by up to this share, at random
    outage_after: int = 3            # transient failures in a row that pause every send
    max_attempts: int = 5            # for unexpected errors (a bug) only
    idle_wait: float = 2.0           # seconds between looks at an empty outbox
    max_flood_waits: int = 5         # RetryAfter answers for one message before a backoff
    stop_grace: float = 30.0         # seconds `stop()` waits for requests on the wire
    # seconds a claim holds a row unless renewed (every third of it): with several
    # processes, a dead one's messages wait this long, and the duplicate window is this
    lease: float = 60.0
    lifetimes: Mapping[str, float] = field(default_factory=lifetimes_from_env)

    @property
    def on_wire(self) -> int:
        """Requests on the wire at once: twice rate × latency, so the rate is reached at
        the expected latency and still at twice it; 3 to the window. Without a rate limit
        3 (more only queue in the HTTP client and slow each request; bench/)."""
        if self.concurrency:
            return self.concurrency
        if not self.rate:
            return min(3, self.batch_size)
        return max(min(3, self.batch_size),
                   min(self.batch_size, math.ceil(2 * self.rate * self.expected_latency)))

    def backoff(self, attempt: int, rand: float) -> float:
        """Seconds before try `attempt` + 1 (`rand` in [0, 1) spreads the retries out)."""
        delay = min(self.max_backoff, self.base_backoff * 2.0 ** min(attempt - 1, 30))
        return delay * (1 - self.jitter * rand)

    def expires_at(self, row: OutboxRow) -> datetime:
        if row.expires_at is not None:
            return row.expires_at
        days = self.lifetimes.get(row.kind, self.lifetimes.get(ANY_KIND, 7.0))
        return row.created_at + timedelta(days=days)


_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def describe(exc: BaseException) -> str:
    """A short text for outbox.error: no token, no URL (they carry tokens), one line."""
    text = _URL.sub("<url>", redact(str(exc))) or type(exc).__name__
    return " ".join(text.split())[:200]
