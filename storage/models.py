"""Plain dataclasses returned by the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

FORMS = ("2A", "2B", "2C")
STATUSES = ("active", "probationary", "exempted", "suspended")
ROLES = ("secretary", "deputy", "admin")
LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Committee:
    id: int
    name: str
    timezone: str
    place: str = ""  # as written before the date on its papers


@dataclass(frozen=True)
class Cell:
    id: int
    committee_id: int
    name: str


@dataclass(frozen=True)
class MemberRecord:
    """One member as read from an import file, before it has an id."""

    cell: str
    full_name: str
    birth_date: date
    form: str
    roles: frozenset[str] = frozenset()
    party_post: str = ""
    other_posts: str = ""
    workplace: str = ""
    admitted_on: date | None = None
    status: str = "active"
    language: str | None = None  # None: keep the member's own choice


@dataclass(frozen=True)
class Member:
    id: int
    committee_id: int
    cell_id: int
    cell_name: str
    full_name: str
    birth_date: date
    form: str
    party_post: str
    other_posts: str
    workplace: str
    admitted_on: date | None
    status: str
    language: str
    roles: frozenset[str] = field(default_factory=frozenset)
    removed: bool = False  # no longer on the committee's list (reviews kept)

    @property
    def is_cell_secretary(self) -> bool:
        """Secretary or deputy: both lead the cell's review."""
        return bool(self.roles & {"secretary", "deputy"})

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True)
class Awaiting:
    """Who the account's next typed message goes to, and since when."""

    capability: str     # e.g. 'secretary', 'campaigns', 'broadcasts'
    argument: str       # what for, as the capability wrote it (a review id, a draft's step)
    since: datetime


@dataclass(frozen=True)
class Account:
    id: int
    channel: str
    external_id: str
    chat_id: str
    member_id: int | None
    language: str | None
    # read with the account, so a message costs one read of its row, not three
    awaiting: Awaiting | None = None
    menu: dict | list | None = None  # the choices offered last on a text-only channel


@dataclass(frozen=True)
class Invite:
    code: str
    member_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int
    cells_added: int
