"""Views over a committee cost what their own cell or page costs: counted statements, no
answer texts read, counts in SQL that agree with the cell's own grouping, and the start-up
catch-up off the start-up path."""

from __future__ import annotations

import asyncio
import io
import zipfile
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.demo_reviews import sample_review
from conversations.assistant import Assistant
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.core.context import AssistantConfig
from conversations.forms.rating import exclusion
from conversations.secretary.alerts import catch_up_in_background, on_submitted
from conversations.secretary.exports import docx_zip
from conversations.secretary.progress import admitted_by, cell_progress, cell_summaries
from storage.models import Member
from storage.repos import Repos
from storage.secretaries import FULL
from tests.conftest import COMMITTEE, Chat, record
from tests.secretary_helpers import link, outbox
from tests.test_secretary_progress import CELL3


class Recording:
    """The real database, with every statement it is given written down."""

    def __init__(self, db) -> None:
        self._db = db
        self.statements: list[str] = []

    def __getattr__(self, name):
        return getattr(self._db, name)

    def _noted(self, sql: str) -> str:
        self.statements.append(" ".join(sql.split()))
        return sql

    async def execute(self, sql, params=()):
        return await self._db.execute(self._noted(sql), params)

    async def fetchone(self, sql, params=()):
        return await self._db.fetchone(self._noted(sql), params)

    async def fetchall(self, sql, params=()):
        return await self._db.fetchall(self._noted(sql), params)

    async def fetchall_bulk(self, sql, params=()):
        return await self._db.fetchall_bulk(self._noted(sql), params)

    @asynccontextmanager
    async def transaction(self):
        async with self._db.transaction() as tx:
            yield _RecordingTx(tx, self)


class _RecordingTx:
    def __init__(self, tx, recording: Recording) -> None:
        self._tx, self._recording = tx, recording

    def __getattr__(self, name):
        method = getattr(self._tx, name)

        async def noted(sql, *args):
            return await method(self._recording._noted(sql), *args)
        return noted


async def _grow(repos: Repos, forms, clock, cells: int, per_cell: int) -> None:
    """More cells in the committee, each with submitted and draft reviews."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [
        record(f"Chi bộ X{c:02d}", f"Đảng viên X{c:02d} Số {n:02d}", "1980-01-01",
               "2B", *(("secretary",) if n == 0 else ()))
        for c in range(cells) for n in range(per_cell)])
    for member in await repos.org.members_of_committee(committee.id):
        if member.full_name.startswith("Đảng viên X") and member.full_name[-1] in "13":
            await sample_review(repos, forms, member, clock(),
                                submit=member.full_name.endswith("1"))


async def _admin_view(repos: Repos, forms, clock, admin: Member) -> tuple[str, list[str]]:
    recording = Recording(repos.db)
    assistant = Assistant(Repos.of(recording), forms, AssistantConfig(page_size=5), clock)
    chat = Chat(assistant, f"u{admin.id}", "telegram")
    recording.statements.clear()
    await chat.say("/progress")
    return chat.text, recording.statements


@pytest.mark.parametrize("with_campaign", [False, True])
async def test_the_admin_view_reads_the_same_statements_whatever_the_committee_size(
        repos, forms, clock, org, with_campaign):
    admin = org["Bùi Thị Mai"]
    await link(repos, clock, admin)
    if with_campaign:
        committee = await repos.org.committee(admin.committee_id)
        await create_campaign(repos, forms, committee, CampaignRequest(
            "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), clock())
    small_text, small = await _admin_view(repos, forms, clock, admin)
    await _grow(repos, forms, clock, cells=12, per_cell=6)
    text, large = await _admin_view(repos, forms, clock, admin)
    assert "Chi bộ 2: 0/2" in small_text and "Trang 1/3." in text
    assert len(large) == len(small)  # not one more per cell or per member
    assert not [s for s in large if "answers" in s]
    assert not [s for s in large if "FROM members" in s and "GROUP BY" not in s
                and "WHERE m.id = ?" not in s]


async def test_one_alert_reads_its_own_cell_and_no_answer_texts(repos, forms, clock, org):
    duc = org["Trần Văn Đức"]
    await link(repos, clock, duc)

    async def alert_statements() -> list[str]:
        nhung = org["Nguyễn Thị Hồng Nhung"]
        await repos.db.execute("DELETE FROM reviews WHERE member_id = ?", (nhung.id,))
        await repos.db.execute("DELETE FROM outbox")
        review = await sample_review(repos, forms, nhung, clock())
        recording = Recording(repos.db)
        await on_submitted(Repos.of(recording), forms, review, clock())
        assert [m for m, _c, _r in await outbox(repos, "alert")] == [duc.id]
        return recording.statements

    small = await alert_statements()
    await _grow(repos, forms, clock, cells=12, per_cell=6)
    large = await alert_statements()
    assert len(large) == len(small)
    assert not [s for s in large if "answers" in s]
    assert not [s for s in large if "committee_id = ?" in s and "FROM members" in s]


async def test_a_cells_progress_counts_answers_without_reading_their_texts(
        repos, forms, clock, org):
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, CELL3[:2])
    people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    await sample_review(repos, forms, people["Phan Thị Hai"], clock(), items=3, submit=False)
    recording = Recording(repos.db)
    cell = await repos.org.cell(people["Hồ Văn Một"].cell_id)
    progress = await cell_progress(Repos.of(recording), forms, cell, date(2026, 11, 23))
    [entry] = [e for e in progress.entries if e.member.full_name == "Phan Thị Hai"]
    assert (entry.group, entry.done) == ("in_progress", 3)
    selects = [s for s in recording.statements if "answers" in s]
    assert selects and all("trim(a.text" in s and "a.item_key, a.text," not in s
                           for s in selects)
    full = await cell_progress(repos, forms, cell, date(2026, 11, 23), texts=FULL)
    [kept] = [e for e in full.entries if e.member.full_name == "Phan Thị Hai"]
    assert kept.done == 3 and max(len(a.text) for a in kept.review.answers.values()) > 20


@pytest.mark.parametrize("with_campaign", [False, True])
async def test_counts_in_sql_agree_with_the_cells_own_grouping(
        repos, forms, clock, org, with_campaign):
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, CELL3)
    people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    for name in ("Phan Thị Hai", "Vũ Văn Ba", "Kiều Văn Chín"):
        await sample_review(repos, forms, people[name], clock())
    if with_campaign:
        await create_campaign(repos, forms, committee, CampaignRequest(
            "Kiểm điểm năm 2026", date(2026, 11, 30), date(2026, 12, 5)), clock())
        await repos.org.apply_import(committee.id, [  # after the campaign began
            record("Chi bộ 3", "Ông Văn Muộn", "1980-01-01")])
    today = date(2026, 11, 23)
    summaries = await cell_summaries(repos, committee.id, today)
    assert len(summaries) == len(await repos.org.cells(committee.id))
    for summary in summaries:
        grouped = await cell_progress(repos, forms, summary.cell, today)
        assert (summary.expected, summary.submitted, summary.deadline) == (
            grouped.expected, grouped.submitted, grouped.deadline), summary.cell.name
    by_name = {s.cell.name: s for s in summaries}
    assert (by_name["Chi bộ 3"].expected, by_name["Chi bộ 3"].submitted) == (8, 2)


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2026, 8, 31), date(2027, 3, 1),
                                   date(2028, 8, 29), date(2026, 12, 31)])
def test_admitted_by_is_the_six_month_rule_as_a_date(today):
    def member(admitted: date) -> Member:
        return Member(1, 1, 1, "Chi bộ 1", "A", date(1990, 1, 1), "2B", "", "", "",
                      admitted, "probationary", "vi")
    last = admitted_by(today)
    assert exclusion(member(last), today) is None
    assert exclusion(member(last + timedelta(days=1)), today) == "new"


async def test_the_catch_up_runs_beside_start_up_and_finishes(repos, forms, clock, org):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    await link(repos, clock, duc)
    review = await sample_review(repos, forms, nhung, clock())  # no alert was queued
    assert await outbox(repos, "alert") == []
    task = catch_up_in_background(repos, forms, clock() + timedelta(minutes=5))
    assert not task.done()  # handed back at once: start-up goes on to polling
    assert await task == 1
    assert [(m, r.text.split(" ")[0]) for m, _c, r in await outbox(repos, "alert")] == [
        (duc.id, "Đồng")]
    assert review.submitted_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)



async def test_the_catch_up_lets_people_in_between_reviews(repos, forms, clock, org):
    """Secretaries on the digest: the catch-up queues nothing, so on SQLite (small reads
    from the event loop) nothing in it suspends; it must still hand the loop over between
    reviews, or 5,000 of them hold every update back for seconds."""
    for name in ("Trần Văn Đức", "Đặng Quốc Bảo"):
        await repos.secretaries.set_alert_pref(org[name].id, "digest", clock())
    members = [m for m in org.values() if "secretary" not in m.roles]
    for member in members:
        await sample_review(repos, forms, member, clock())
    task = catch_up_in_background(repos, forms, clock() + timedelta(minutes=5))
    await asyncio.sleep(0)  # the catch-up sends its one read to the database thread
    await repos.db.fetchall_bulk("SELECT 1")  # behind it: the catch-up resumes first
    turns = 0
    while not task.done():
        turns += 1
        await asyncio.sleep(0)
    assert task.result() == len(members) and await outbox(repos, "alert") == []
    assert turns >= len(members)  # a turn for others between every two reviews

def test_the_cells_zip_stores_its_documents_without_deflating_them_again():
    archive = docx_zip([("", "a.docx", b"PK" + bytes(range(256)) * 40),
                        ("Chi bộ 1", "b.docx", b"x" * 5000)])
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        assert [(i.compress_type, i.file_size) for i in files.infolist()] == [
            (zipfile.ZIP_STORED, 10242), (zipfile.ZIP_STORED, 5000)]
        assert files.read(files.infolist()[1]) == b"x" * 5000
