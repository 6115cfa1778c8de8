"""What the fuzz tests share: an organisation with people in every role, hostile texts,
and the checks made after a run (stored texts printable, the database consistent)."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document as open_docx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from conversations.campaigns.rules import expected_pairs
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.onboarding.invitations import issue_invite
from conversations.review.printable import review_document
from storage.campaigns import NewCampaign, PlanStep
from storage.db import Database, open_database
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, Clock

FORMS = load_forms(BUILTIN_FORMS_DIR)
# HYPOTHESIS_FUZZ_EXAMPLES=500 for a longer local run; the suite keeps a bounded count
EXAMPLES = int(os.environ.get("HYPOTHESIS_FUZZ_EXAMPLES", "0")) or None


def fuzz_settings(examples: int) -> settings:
    """`examples` in the suite (HYPOTHESIS_FUZZ_EXAMPLES overrides); a failure prints the
    example and a @reproduce_failure blob to replay it."""
    return settings(max_examples=EXAMPLES or examples, deadline=None, database=None,
                    print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# who is linked to whom: a secretary, a member, an admin; strangers are not linked
LINKED = {"secretary": "Trần Văn Đức", "member": "Nguyễn Thị Hồng Nhung",
          "admin": "Bùi Thị Mai"}
INVITED = "Lê Minh Tuấn"  # has an invitation code a stranger may type
# what people must never see: a traceback or an exception's name
LEAK = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|File \"")
# stored text may hold newlines and tabs, nothing else below U+0020 or in C1
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# the characters that break things: controls, lone surrogates, direction marks,
# joiners, combining marks, non-characters, other line breaks
HOSTILE = ["\x00", "\x07", "\x1b[31m", "\r\n", "\r", "\x0b", "\x85", "\u2028", "\u2029",
           "\ud800", "\udfff", "\u202e", "\u200f", "\u200d", "\ufeff", "\ufffe", "\uffff",
           "e\u0301\u0302\u0303", "👨‍👩‍👧‍👦", "🇻🇳", "\U0010ffff", "\t", "<b>", "&amp;",
           "</i>", "'; DROP TABLE members; --", "%s%n{0}{}", "\\"]
texts = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=5), max_size=12).map("".join),
    st.sampled_from(["xong", "bỏ qua", "1", "2", "0", "-1", "99", "²", "１２", "", " ",
                     "Không có", "done", "skip"]),
    st.integers(3_000, 10_000).map(lambda n: ("dài \u0301" * (n // 6))[:n]),
)


@dataclass
class Org:
    db: Database
    repos: Repos
    clock: Clock
    members: dict[str, int]   # full name -> member id
    invite_code: str


async def open_org(folder: Path, channel: str, user_ids: dict[str, str]) -> Org:
    """The sample organisation, an open campaign, and `user_ids[role]` linked on `channel`
    for each role of LINKED."""
    db = await open_database(folder / "fuzz.sqlite3")
    repos, clock = Repos.of(db), Clock()
    now = clock()
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    members = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    for role, name in LINKED.items():
        account = await repos.accounts.ensure(channel, user_ids[role], user_ids[role], now)
        await repos.accounts.bind(account.id, members[name].id, now)
    today = now.astimezone(ZoneInfo(committee.timezone)).date()
    await repos.campaigns.create(
        NewCampaign(committee.id, "Kiểm điểm", today.year, FORMS.default_version,
                    today - timedelta(days=3), today + timedelta(days=10),
                    today + timedelta(days=20), plan=(PlanStep(1, time(9)),)),
        expected_pairs(list(members.values()), today), now - timedelta(days=2))
    invite = await issue_invite(repos, members[INVITED].id, now, timedelta(days=30))
    return Org(db, repos, clock, {n: m.id for n, m in members.items()}, invite.code)


def assert_no_leak(text: str, what: object) -> None:
    assert not LEAK.search(text), f"internal error shown to the person after {what!r}: {text!r}"


async def assert_stored_texts_sound(org: Org) -> None:
    """Every text column holds no control character but \\n and \\t; every review prints
    (and its .docx opens again); SQLite's integrity and foreign-key checks are clean."""
    db = org.db
    tables = [r["name"] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for column in row.keys():  # noqa: SIM118 (a Row iterates values)
                value = row[column]
                if isinstance(value, str):
                    assert not CONTROL.search(value), f"{table}.{column} holds {value!r}"
    for row in await db.fetchall("SELECT id FROM reviews"):
        review = await org.repos.reviews.get(row["id"])
        assert review is not None
        member = await org.repos.org.member(review.member_id)
        assert member is not None
        committee = await org.repos.org.committee(member.committee_id)
        document = review_document(FORMS, member, committee, review)
        open_docx(io.BytesIO(document.content))
    assert [tuple(r) for r in await db.fetchall("PRAGMA integrity_check")] == [("ok",)]
    assert await db.fetchall("PRAGMA foreign_key_check") == []
