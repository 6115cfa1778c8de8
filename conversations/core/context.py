"""Who is writing, in what language, and when: built once per incoming message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from conversations.core.heavy import RunHeavy, run_in_shared_pool
from conversations.core.i18n import Formatter
from conversations.core.replies import Incoming
from conversations.core.zones import local_today
from conversations.forms.library import FormLibrary
from conversations.forms.rating import Quota
from storage.accounts import Awaiting
from storage.models import Account, Member
from storage.repos import Repos

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class AssistantConfig:
    invite_ttl: timedelta = timedelta(days=30)
    # wrong invitation codes: a few free tries, then a lock that doubles each time
    free_tries: int = 5
    failure_window: timedelta = timedelta(hours=1)
    base_lock: timedelta = timedelta(minutes=1)
    max_lock: timedelta = timedelta(hours=1)
    # wrong codes from all accounts of a channel together: past this many in a minute,
    # no code is checked on that channel for `channel_lock`
    channel_wrong_codes_per_minute: int = 30
    channel_lock: timedelta = timedelta(minutes=5)
    page_size: int = 8
    answer_limit: int = 10_000  # characters per item of the self-review
    # «xuất sắc» at most a share of the base (KIEMDIEM_QUOTA_SHARE, KIEMDIEM_QUOTA_BASE)
    quota: Quota = field(default_factory=Quota)


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
    awaiting: Awaiting | None = None  # the open question the next typed text answers
    run_heavy: RunHeavy = run_in_shared_pool  # long work, in a worker process (core/heavy.py)

    @property
    def _(self) -> Callable[[str], str]:
        return self.fmt.gettext

    @property
    def today(self) -> date:
        """The date where the person is (their committee's zone)."""
        return local_today(self.now, self.fmt.zone)
