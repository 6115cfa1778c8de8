"""The line between the dialogue and the database: conversations/ knows repositories and
their dataclasses, never the engine; repositories store what the dialogue decides."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from storage.campaigns import NewCampaign, OpenCampaignExistsError
from storage.database import IntegrityError

ROOT = Path(__file__).resolve().parents[1]
ENGINE_MODULES = ("storage.db", "aiosqlite", "sqlite3")


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_conversations_never_import_the_database_engine():
    offenders = {}
    for path in sorted((ROOT / "conversations").rglob("*.py")):
        engine = {name for name in imported_modules(path.read_text("utf-8"))
                  if any(name == m or name.startswith(m + ".") for m in ENGINE_MODULES)}
        if engine:
            offenders[str(path.relative_to(ROOT))] = sorted(engine)
    assert offenders == {}


def test_the_import_check_sees_every_spelling():
    assert {"storage.db", "sqlite3", "aiosqlite.core"} <= (
        imported_modules("import sqlite3\nfrom storage import db\nimport aiosqlite.core")
    )


async def test_a_returned_review_resumes_where_the_dialogue_says(repos, org, clock):
    member = org["Lê Minh Tuấn"]
    review = await repos.reviews.start(member.id, 2026, "hd43-2025", "2C", "A.I.1", clock())
    assert await repos.reviews.submit(review.id, clock())
    assert await repos.reviews.return_for_revision(review.id, "Bổ sung.", clock(),
                                                   position="A.II.1")
    returned = await repos.reviews.get(review.id)
    assert (returned.status, returned.position, returned.return_comment) == (
        "returned", "A.II.1", "Bổ sung.")


async def test_repositories_raise_the_interface_errors_not_the_engines(repos, org, clock):
    committee = await repos.org.committee(org["Lê Minh Tuấn"].committee_id)
    day = date(2026, 12, 1)
    new = NewCampaign(committee.id, "Lần 1", 2026, "hd43-2025", day, day, day,
                      cell_deadlines={999: day})  # no such cell
    with pytest.raises(IntegrityError):
        await repos.campaigns.create(new, [], clock())
    first = await repos.campaigns.create(NewCampaign(committee.id, "Lần 1", 2026, "hd43-2025",
                                                     day, day, day), [], clock())
    with pytest.raises(OpenCampaignExistsError):
        await repos.campaigns.create(NewCampaign(committee.id, "Lần 2", 2026, "hd43-2025",
                                                 day, day, day), [], clock())
    assert [c.id for c in await repos.campaigns.of_committee(committee.id)] == [first.id]
