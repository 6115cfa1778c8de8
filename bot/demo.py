"""`kiemdiem demo`: a fresh sample committee and a console chat with the real dialogue."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.demo_reviews import sample_review
from bot.member_file import read_member_file
from bot.runtime import Runtime
from bot.sending import UNPACED
from conversations.core.context import AssistantConfig
from conversations.core.i18n import translator
from conversations.forms.library import FormLibrary
from conversations.onboarding.invitations import display_code, issue_invite
from handlers.console import CHANNEL, ConsoleChat
from handlers.console_transport import ConsoleTransport
from storage.db import utc_now
from storage.models import Member
from storage.repos import Repos

DEMO_COMMITTEE = "Đảng ủy phường Hòa Bình"
DEMO_MEMBERS = Path(__file__).with_name("demo_members.csv")
FIRST_PERSON = "Nguyễn Thị Hồng Nhung"
UNBOUND_PERSON = "Lý Văn Khoa"  # left unlinked so the invitation can be tried
GUEST = "Khách"  # an account not linked to anyone
DEMO_REVIEWS = {
    "Phạm Thu Hà": {"scores": (27, 58), "level": "good"},
    "Lê Minh Tuấn": {"scores": (29, 63), "level": "excellent"},
    "Ngô Văn Hải": {"items": 4, "submit": False},
    "Đỗ Thị Thanh Hương": {"scores": (26, 55), "level": "good"},
}


class ConsoleChannel:
    """The demo's channel: what the bot sends other people is printed in the terminal."""

    name = CHANNEL
    transport: ConsoleTransport

    async def start(self, runtime: Runtime) -> None:
        self.transport = ConsoleTransport(runtime.repos)

    async def stop(self) -> None:
        pass


async def seed_reviews(repos: Repos, forms: FormLibrary, members: dict[str, Member],
                       now: datetime) -> None:
    """A few reviews so that /progress and /export show something (one over the quota)."""
    for name, kwargs in DEMO_REVIEWS.items():
        await sample_review(repos, forms, members[name], now - timedelta(hours=3), **kwargs)


async def seed_demo(repos: Repos, forms: FormLibrary, config: AssistantConfig
                    ) -> tuple[dict[str, str], str]:
    """Load the sample committee; returns (console people, an invitation code to try)."""
    committee = await repos.org.ensure_committee(DEMO_COMMITTEE)
    await repos.org.set_place(committee.id, "Phường Hòa Bình")
    await repos.org.apply_import(committee.id, read_member_file(DEMO_MEMBERS))
    now = utc_now()
    people: dict[str, str] = {}
    code = ""
    for member in await repos.org.members_of_committee(committee.id):
        if member.full_name == UNBOUND_PERSON:
            code = (await issue_invite(repos, member.id, now, config.invite_ttl)).code
            continue
        user_id = f"demo-{member.id}"
        account = await repos.accounts.ensure(CHANNEL, user_id, user_id, now)
        await repos.accounts.bind(account.id, member.id, now)
        people[member.full_name] = user_id
    await seed_reviews(repos, forms, {m.full_name: m for m in
                                      await repos.org.members_of_committee(committee.id)}, now)
    people[GUEST] = "guest"
    return people, code


async def run_demo(db_path: str, forms: FormLibrary, language: str = "vi") -> None:
    for leftover in (db_path, db_path + "-wal", db_path + "-shm"):
        Path(leftover).unlink(missing_ok=True)  # noqa: ASYNC240 (start-up, nothing waits)
    config = AssistantConfig()
    # no scheduler and no sender loop: the outbox is drained after each line, in order
    runtime = Runtime(db_path, forms, [ConsoleChannel()], config=config, sender=UNPACED,
                      background=False)
    await runtime.start()
    try:
        people, code = await seed_demo(runtime.repos, forms, config)
        _ = translator(language).gettext
        print(_(
            "kiemdiem demo — {committee}, database {db}.\n"
            "You are chatting as {person}. Type /help, /as to list the demo people "
            "(/as Trần Văn Đức is a cell secretary, /as Bùi Thị Mai a committee admin), "
            "/exit to quit.\n"
            "To try an invitation: /as Khách, then send the code {code}."
        ).format(committee=DEMO_COMMITTEE, db=db_path, person=FIRST_PERSON,
                 code=display_code(code)))
        print(flush=True)
        chat = ConsoleChat(runtime, people[FIRST_PERSON], people=people, language=language,
                           after_line=runtime.drain)
        if sys.stdin.isatty():
            await chat.send("/start")
        await chat.run(sys.stdin)
    finally:
        await runtime.stop()
