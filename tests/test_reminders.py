"""Reminder plan and runs with a controlled clock: local times, quiet hours, exactly once."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.campaigns.reminders import (
    after_quiet,
    in_quiet,
    reminder_reply,
    run_due,
    schedule,
)
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.core.i18n import Formatter
from conversations.core.outgoing import decode_reply
from conversations.review.steps import done_count
from storage.campaigns import Campaign, PlanStep
from storage.db import open_database
from storage.outbox import OutMessage
from storage.repos import Repos
from storage.reviews import Answer

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
DEADLINE = date(2026, 11, 30)  # a Monday; the clock starts Monday 23/11 09:00 local


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _campaign(deadline: date, **extra) -> Campaign:
    values = dict(
        id=1, committee_id=1, name="Kiểm điểm năm 2026", year=2026, form_version="hd43-2025",
        opens_on=date(2026, 3, 1), cells_deadline=deadline, committee_deadline=deadline,
        late_policy="allow", plan=(PlanStep(7, time(8)), PlanStep(3, time(8)),
                                   PlanStep(1, time(8)), PlanStep(0, time(8))),
        quiet_start=time(21), quiet_end=time(7), status="open",
        created_at=_utc(2026, 1, 1), closed_at=None,
    )
    values.update(extra)
    return Campaign(**values)


def _times(campaign: Campaign, zone: ZoneInfo, cell: int = 5) -> dict[str, datetime]:
    return {s.step: s.at for s in schedule(campaign, [cell], zone) if s.cell_id == cell}


def test_default_plan_is_at_eight_local_time():
    times = _times(_campaign(DEADLINE), HCM)
    assert times == {  # 08:00 in Hanoi is 01:00 UTC
        "d7": _utc(2026, 11, 23, 1), "d3": _utc(2026, 11, 27, 1), "d1": _utc(2026, 11, 29, 1),
        "d0": _utc(2026, 11, 30, 1), "digest": _utc(2026, 11, 29, 1),
    }


def test_plan_follows_daylight_saving_time():
    # Berlin moves to summer time on Sunday 29 March 2026: 08:00 is 07:00 UTC before, 06:00 after
    times = _times(_campaign(date(2026, 3, 31)), BERLIN)
    assert times["d7"] == _utc(2026, 3, 24, 7)
    assert times["d1"] == _utc(2026, 3, 30, 6)
    assert times["d0"] == _utc(2026, 3, 31, 6)


def test_per_cell_deadline_override_moves_that_cells_steps_only():
    campaign = _campaign(DEADLINE, cell_deadlines={6: date(2026, 11, 28)})
    assert _times(campaign, HCM, 6)["d0"] == _utc(2026, 11, 28, 1)
    assert _times(campaign, HCM, 5)["d0"] == _utc(2026, 11, 30, 1)


def test_quiet_hours_move_a_step_to_their_end():
    late = _campaign(DEADLINE, plan=(PlanStep(1, time(22, 30)), PlanStep(0, time(6))))
    times = _times(late, HCM)
    assert times["d1"] == _utc(2026, 11, 30, 0)   # 29/11 22:30 → 30/11 07:00 local
    assert times["d0"] == _utc(2026, 11, 30, 0)   # 30/11 06:00 → 30/11 07:00 local
    assert in_quiet(_utc(2026, 11, 23, 14, 0), HCM, time(21), time(7))      # 21:00 local
    assert not in_quiet(_utc(2026, 11, 23, 0, 0), HCM, time(21), time(7))   # 07:00 local
    lunch = (time(12), time(13, 30))  # a window that does not cross midnight
    assert after_quiet(_utc(2026, 11, 23, 5, 15), HCM, *lunch) == _utc(2026, 11, 23, 6, 30)
    assert after_quiet(_utc(2026, 11, 23, 7), HCM, *lunch) == _utc(2026, 11, 23, 7)


# runs on the database


@pytest.fixture
async def campaign(repos, org, forms, clock):
    committee = (await repos.org.committees())[0]
    return await create_campaign(repos, forms, committee, CampaignRequest(
        "Kiểm điểm năm 2026", DEADLINE, date(2026, 12, 5)), clock())


async def _bind(repos, member, clock, uid):
    account = await repos.accounts.ensure("telegram", uid, uid, clock())
    await repos.accounts.bind(account.id, member.id, clock())


async def _rows(db, kind="reminder"):
    return await db.fetchall(  # a reminder's text is stored once for all who get it
        "SELECT o.dedup_key, o.member_id, coalesce(p.payload, o.payload) AS payload, o.status"
        " FROM outbox o LEFT JOIN outbox_payloads p ON p.id = o.payload_id WHERE o.kind = ?"
        " ORDER BY o.dedup_key", (kind,))


async def _submit(repos, forms, member, clock):
    form = forms.get(forms.default_version, member.form)
    review = await repos.reviews.start(member.id, 2026, form.version, form.code, "x", clock())
    assert await repos.reviews.submit(review.id, clock())


async def test_only_expected_non_submitters_get_the_step_once(
        repos, db, org, forms, clock, campaign):
    await _submit(repos, forms, org["Nguyễn Thị Hồng Nhung"], clock)
    await _bind(repos, org["Lê Minh Tuấn"], clock, "501")
    result = await run_due(repos, forms, clock())  # 23/11 09:00: d7 was due before creation
    assert result.enqueued == 0 and result.skipped_steps == 2  # d7 of both cells
    assert result.next_due == _utc(2026, 11, 27, 1)
    clock.now = _utc(2026, 11, 27, 1, 30)
    result = await run_due(repos, forms, clock())
    rows = await _rows(db)
    reminded = {r["member_id"] for r in rows}
    assert reminded == {m.id for name, m in org.items() if name != "Nguyễn Thị Hồng Nhung"}
    assert all(r["dedup_key"].endswith(":d3") for r in rows)
    status = {r["member_id"]: r["status"] for r in rows}
    assert status[org["Lê Minh Tuấn"].id] == "pending"          # linked
    assert status[org["Trần Văn Đức"].id] == "unreachable"      # no chat yet
    again = await run_due(repos, forms, clock())
    assert again.enqueued == 0 and len(await _rows(db)) == 4


async def test_the_two_texts_not_started_and_started(repos, db, org, forms, clock, campaign):
    tuan, duc = org["Lê Minh Tuấn"], org["Trần Văn Đức"]
    await repos.org.set_member_language(duc.id, "en")
    form = forms.get(forms.default_version, tuan.form)
    review = await repos.reviews.start(tuan.id, 2026, form.version, form.code, "x", clock())
    for item in form.text_items[:2]:
        await repos.reviews.save(review.id, clock(), answer=(item.key, Answer("Đã làm tốt.")))
    clock.now = _utc(2026, 11, 27, 2)
    await run_due(repos, forms, clock())
    texts = {r["member_id"]: decode_reply(r["payload"]) for r in await _rows(db)}
    started = texts[tuan.id]
    assert f"2/{len(form.items)} mục" in started.text
    # counted on the calendar, as a member does: 27/11 → 30/11 is 3 days
    assert "thứ Hai, 30/11/2026 (còn 3 ngày)" in started.text
    assert [c.action for c in started.flat_choices] == ["review"]
    english = texts[duc.id]
    assert "have not started" in english.text and "Monday, Nov 30, 2026" in english.text
    assert "(3 days left)" in english.text
    assert english.flat_choices[0].label == "Start my self-review"


async def test_restart_in_the_middle_of_a_run_loses_none_and_repeats_none(
        repos, db, org, forms, clock, campaign):
    clock.now = _utc(2026, 11, 27, 2)
    half = sorted(org.values(), key=lambda m: m.id)[:2]
    # the crashed run had written half of the messages (the step row not yet)
    await repos.outbox.enqueue([OutMessage(
        f"reminder:{campaign.id}:{m.id}:d3", "reminder", '{"text": "x"}', m.id)
        for m in half], clock())
    fresh = await open_database(db.path)
    try:
        await run_due(Repos.of(fresh), forms, clock())
    finally:
        await fresh.close()
    rows = await _rows(db)
    keys = [r["dedup_key"] for r in rows]
    assert len(keys) == len(set(keys)) == len(org)
    steps = await db.fetchall("SELECT step, status FROM reminder_steps WHERE step = 'd3'")
    assert [tuple(s) for s in steps] == [("d3", "done"), ("d3", "done")]


async def test_missed_steps_send_the_latest_once_and_skip_the_rest(
        repos, db, org, forms, clock, campaign):
    clock.now = _utc(2026, 11, 29, 3)  # down since Monday: d3, d1 and the digest are due
    result = await run_due(repos, forms, clock())
    rows = await _rows(db)
    assert {r["dedup_key"].rsplit(":", 1)[1] for r in rows} == {"d1"}
    assert len(rows) == len(org)
    steps = {(s["cell_id"], s["step"]): s["status"] for s in await db.fetchall(
        "SELECT * FROM reminder_steps")}
    assert sorted(set(steps.values())) == ["done", "skipped"]
    assert all(steps[(c, "d3")] == "skipped" for c, _s in steps)
    digests = await _rows(db, "digest")  # to the two secretaries
    assert len(digests) == 2
    digest = decode_reply(digests[0]["payload"]).text
    assert "ngày mai" in digest and "Lê Minh Tuấn" in digest
    assert result.next_due == _utc(2026, 11, 30, 1)


async def test_missed_after_the_deadline_is_skipped_and_admins_get_one_summary(
        repos, db, org, forms, clock, campaign):
    await _submit(repos, forms, org["Bùi Thị Mai"], clock)
    clock.now = _utc(2026, 12, 1, 3)  # the deadline has passed: reminders are pointless now
    await run_due(repos, forms, clock())
    assert await _rows(db) == []
    summary = await _rows(db, "digest")
    assert [r["member_id"] for r in summary] == [org["Bùi Thị Mai"].id]  # the admin
    text = decode_reply(summary[0]["payload"]).text
    assert "Chi bộ 1: 0/3 đã nộp" in text and "Chi bộ 2: 1/2 đã nộp" in text


async def test_missed_step_found_during_quiet_hours_is_skipped(
        repos, db, org, forms, clock, campaign):
    clock.now = _utc(2026, 11, 27, 15)  # back at 22:00 local on the day d3 was due
    result = await run_due(repos, forms, clock())
    assert await _rows(db) == [] and result.skipped_steps == 4  # d7 and d3 of both cells
    steps = await db.fetchall("SELECT DISTINCT step, status FROM reminder_steps")
    assert sorted(tuple(s) for s in steps) == [("d3", "skipped"), ("d7", "skipped")]
    assert result.next_due == _utc(2026, 11, 29, 1)  # the next step, d1, at 08:00 local
    clock.now = result.next_due
    await run_due(repos, forms, clock())
    assert {r["dedup_key"].rsplit(":", 1)[1] for r in await _rows(db)} == {"d1"}


async def test_admins_summary_missed_at_night_waits_for_the_morning(
        repos, db, org, forms, clock, campaign):
    clock.now = _utc(2026, 12, 1, 15)  # 22:00 local, the evening after the deadline
    result = await run_due(repos, forms, clock())
    assert await _rows(db, "digest") == [] and result.next_due == _utc(2026, 12, 2, 0)
    clock.now = result.next_due
    await run_due(repos, forms, clock())
    assert len(await _rows(db, "digest")) == 1


async def test_two_schedulers_on_one_database_send_once(db, org, forms, clock, campaign):
    clock.now = _utc(2026, 11, 29, 1, 5)
    first, second = await open_database(db.path), await open_database(db.path)
    try:
        results = await asyncio.gather(*(
            run_due(Repos.of(d), forms, clock()) for d in (first, second, first)))
    finally:
        await first.close()
        await second.close()
    assert sum(r.enqueued for r in results) == len(org) + 2  # d1 to all, two digests
    rows = await _rows(db)
    assert len(rows) == len({r["dedup_key"] for r in rows}) == len(org)


async def test_the_progress_told_is_what_the_review_itself_counts(
        repos, db, org, forms, clock, campaign):
    tuan = org["Lê Minh Tuấn"]
    form = forms.get(forms.default_version, tuan.form)
    review = await repos.reviews.start(tuan.id, 2026, form.version, form.code, "x", clock())
    texts = form.text_items
    scored = next(item for item in form.items if item not in texts)
    given = {texts[0].key: Answer("Đã làm tốt."), texts[1].key: Answer(" \n\t "),  # blank
             texts[2].key: Answer("", skipped=True), scored.key: Answer("", score=0)}
    for key, answer in given.items():
        await repos.reviews.save(review.id, clock(), answer=(key, answer))
    done = done_count(form, await repos.reviews.get(review.id))
    assert done == 3  # the text, the skip and the score; not the blank answer
    clock.now = _utc(2026, 11, 27, 2)
    await run_due(repos, forms, clock())
    texts_sent = {r["member_id"]: decode_reply(r["payload"]).text for r in await _rows(db)}
    assert f"{done}/{len(form.items)} mục" in texts_sent[tuan.id]


def test_days_left_are_counted_as_a_member_counts_them():
    """A week before, at 08:00, is «còn 7 ngày» (not «sau 8 ngày nữa», which counted to
    the last second of the deadline day)."""
    fmt = Formatter("vi", "Asia/Ho_Chi_Minh")
    deadline = date(2026, 11, 30)
    said = {days: reminder_reply(fmt, 2026, deadline, deadline - timedelta(days=days),
                                 None).text for days in (7, 1, 0)}
    assert "(còn 7 ngày)" in said[7]
    assert "(ngày mai)" in said[1]
    assert "(hôm nay)" in said[0]
