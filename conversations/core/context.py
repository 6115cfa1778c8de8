"""Who is writing, in what language, and when: built once per incoming message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from conversations.core.i18n import Formatter
from conversations.core.replies import Incoming
from conversations.forms.library import FormLibrary
from storage.models import Account, Member
from storage.repos import Repos

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (tests pass their own)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AssistantConfig:
    invite_ttl: timedelta = timedelta(days=30)
    # wrong invitation codes: a few free tries, then a lock that doubles each time
    free_tries: int = 5
    failure_window: timedelta = timedelta(hours=1)
    base_lock: timedelta = timedelta(minutes=1)
    max_lock: timedelta = timedelta(hours=1)
    page_size: int = 8
    answer_limit: int = 10_000  # characters per item of the self-review


@dataclass
class Context:
    repos: Repos
    config: AssistantConfig
    incoming: Incoming
    account: Account
    member: Member | None
    fmt: Formatter
    now: datetime
    forms: FormLibrary

    @property
    def _(self) -> Callable[[str], str]:
        return self.fmt.gettext
