"""Shared fixtures: a real SQLite file per test (or a fresh PostgreSQL database with
KIEMDIEM_TEST_PG=1), a small organisation, a movable clock."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.replies import Incoming, Kind, Reply
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from storage.db import open_database
from storage.models import Member, MemberRecord
from storage.repos import Repos
from tests.fakes.telegram_api import TEST_TOKEN, FakeBotApi
from tests.fakes.zalo_api import FakeZaloApi
from tests.pg_server import PgServer, emptied_shared_database, find_bin_dir

COMMITTEE = "Đảng ủy phường Thử Nghiệm"


class Clock:
    """A clock the test moves by hand (UTC)."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def record(cell: str, name: str, born: str, form: str = "2B", *roles: str, **extra) -> MemberRecord:
    return MemberRecord(cell=cell, full_name=name, birth_date=date.fromisoformat(born),
                        form=form, roles=frozenset(roles), **extra)


ORG = [
    record("Chi bộ 1", "Trần Văn Đức", "1968-03-12", "2A", "secretary", party_post="Bí thư"),
    record("Chi bộ 1", "Nguyễn Thị Hồng Nhung", "1985-07-02"),
    record("Chi bộ 1", "Lê Minh Tuấn", "1950-11-20", "2C"),
    record("Chi bộ 2", "Đặng Quốc Bảo", "1975-09-09", "2A", "secretary"),
    record("Chi bộ 2", "Bùi Thị Mai", "1982-12-05", "2B", "admin"),
]


ON_POSTGRES = os.environ.get("KIEMDIEM_TEST_PG") == "1"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the whole session (tests/pg_server.py)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed here (.ci/run installs it)")
    server = PgServer.start(bin_dir)
    try:
        yield server
    finally:
        server.stop()


async def new_pg_database(request: pytest.FixtureRequest) -> str:
    """The URL of an empty, migrated PostgreSQL database (usable from async fixtures,
    which cannot request async fixtures by name)."""
    return await emptied_shared_database(request.getfixturevalue("pg_server"))


@pytest.fixture
async def pg_url(request) -> str:
    return await new_pg_database(request)


@pytest.fixture
async def db(request, tmp_path):
    where = await new_pg_database(request) if ON_POSTGRES else tmp_path / "test.sqlite3"
    database = await open_database(where)
    yield database
    await database.close()


@pytest.fixture
def repos(db) -> Repos:
    return Repos.of(db)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def org(repos) -> dict[str, Member]:
    """The sample organisation, by full name."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    return {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}


class Chat:
    """Talks to the assistant as one person on one channel, like a transport would."""

    def __init__(self, assistant: Assistant, user_id: str, channel: str = "console") -> None:
        self.assistant = assistant
        self.user_id = user_id
        self.channel = channel
        self.last: list[Reply] = []

    async def say(self, text: str) -> list[Reply]:
        return await self._send(Kind.TEXT, text)

    async def press(self, action: str) -> list[Reply]:
        return await self._send(Kind.ACTION, action)

    async def sticker(self) -> list[Reply]:
        return await self._send(Kind.UNSUPPORTED, "")

    async def _send(self, kind: Kind, text: str) -> list[Reply]:
        self.last = await self.assistant.handle(Incoming(
            self.channel, self.user_id, self.user_id, kind, text,
            has_buttons=self.channel != "console",
        ))
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def actions(self) -> list[str]:
        return [c.action for r in self.last for c in r.flat_choices]


@pytest.fixture(scope="session")
def forms() -> FormLibrary:
    return load_forms(BUILTIN_FORMS_DIR)


@pytest.fixture
def assistant(repos, forms, clock) -> Assistant:
    return Assistant(repos, forms, AssistantConfig(), clock)


@pytest.fixture
def chat_factory(assistant):
    def make(user_id: str, channel: str = "console") -> Chat:
        return Chat(assistant, user_id, channel)
    return make


@pytest.fixture
async def fake():
    """A fake Bot API server on real HTTP (see tests/fakes/telegram_api.py)."""
    async with FakeBotApi(token=TEST_TOKEN) as api:
        yield api


@pytest.fixture
async def zalo():
    """A fake Zalo Bot API server on real HTTP (see tests/fakes/zalo_api.py)."""
    async with FakeZaloApi() as api:
        yield api


def bot_run_env(api_url: str, db_path, **extra: str) -> dict[str, str]:
    """The environment for `python -m bot run` against the fake."""
    return {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_URL": api_url,
            "KIEMDIEM_DB": str(db_path), "PYTHONIOENCODING": "utf-8", **extra}
