"""Campaign rules: validation, expected members, submitting against deadlines, /campaign."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.campaigns.actions import CAMPAIGNS as CP
from conversations.campaigns.actions import (
    CancelCampaign,
    CreateCampaign,
    NewCampaign,
    PickDraftCell,
    ToggleDraftLate,
)
from conversations.campaigns.rules import (
    CampaignError,
    CampaignRequest,
    cell_deadline,
    create_campaign,
    expected_member_ids,
    is_late,
    parse_date,
)
from tests.conftest import COMMITTEE, record
from tests.review_helpers import complete_and_submit

DEADLINE = date(2026, 11, 30)
EXTRA = [
    record("Chi bộ 1", "Võ Thị Lan", "1958-02-28", "2C", status="exempted"),
    record("Chi bộ 2", "Phan Văn Khải", "1960-01-01", "2C", status="suspended"),
    record("Chi bộ 2", "Hoàng Văn Nam", "2001-06-10", "2C", status="probationary",
           admitted_on=date(2026, 8, 15)),      # under 6 months on 23/11/2026
    record("Chi bộ 2", "Trịnh Thị Ngọc Ánh", "1995-05-05", "2B", status="probationary",
           admitted_on=date(2026, 5, 23)),      # exactly 6 months: expected
]


@pytest.fixture
async def committee(repos, org):
    found = await repos.org.committee_by_name(COMMITTEE)
    await repos.org.apply_import(found.id, EXTRA)
    return found


def _request(**extra) -> CampaignRequest:
    values = dict(name="Kiểm điểm năm 2026", cells_deadline=DEADLINE,
                  committee_deadline=date(2026, 12, 5))
    values.update(extra)
    return CampaignRequest(**values)


async def _error(repos, forms, committee, clock, **extra) -> str:
    with pytest.raises(CampaignError) as caught:
        await create_campaign(repos, forms, committee, _request(**extra), clock())
    return caught.value.render(lambda s: s)


def test_dates_in_both_ways_and_impossible_ones():
    assert parse_date("28/11/2026") == parse_date("2026-11-28") == date(2026, 11, 28)
    with pytest.raises(CampaignError):
        parse_date("31/11/2026")
    with pytest.raises(CampaignError):
        parse_date("ngày mai")


async def test_validation_messages(repos, forms, committee, clock):
    assert "is in the past" in await _error(
        repos, forms, committee, clock, cells_deadline=date(2026, 11, 22))
    assert "before the cells' deadline 30/11/2026" in await _error(
        repos, forms, committee, clock, committee_deadline=date(2026, 11, 29))
    assert "after its deadline" in await _error(
        repos, forms, committee, clock, opens_on=date(2026, 12, 1))
    assert "Unknown form version “hd99”" in await _error(
        repos, forms, committee, clock, form_version="hd99")
    assert "No cell named “Chi bộ 9”" in await _error(
        repos, forms, committee, clock, cell_deadlines={"Chi bộ 9": DEADLINE})
    assert "must be between" in await _error(
        repos, forms, committee, clock, cell_deadlines={"Chi bộ 1": date(2026, 12, 6)})
    await create_campaign(repos, forms, committee, _request(), clock())
    assert "already exists" in await _error(repos, forms, committee, clock, name="Lần 2")


async def test_local_today_decides_the_past(repos, forms, committee, clock):
    # 23/11 18:00 UTC is already 24/11 01:00 in Hanoi: a deadline of 23/11 is in the past
    clock.now = datetime(2026, 11, 23, 18, tzinfo=UTC)
    assert "is in the past" in await _error(
        repos, forms, committee, clock, cells_deadline=date(2026, 11, 23))


async def test_expected_members_decided_at_the_start(repos, forms, committee, org, clock):
    campaign = await create_campaign(repos, forms, committee, _request(
        cell_deadlines={"Chi bộ 2": date(2026, 11, 28)}), clock())
    expected = await expected_member_ids(repos, committee.id, 2026)
    names = {m.full_name for m in await repos.org.members_of_committee(committee.id)
             if m.id in expected}
    assert names == set(org) | {"Trịnh Thị Ngọc Ánh"}
    assert await repos.campaigns.expected_counts(campaign.id) == {
        org["Trần Văn Đức"].cell_id: (3, 0), org["Bùi Thị Mai"].cell_id: (3, 0)}
    assert await cell_deadline(repos, committee.id, 2026, org["Bùi Thị Mai"].cell_id) == date(
        2026, 11, 28)
    assert await cell_deadline(repos, committee.id, 2026, org["Trần Văn Đức"].cell_id) == DEADLINE
    assert await cell_deadline(repos, committee.id, 2025, org["Trần Văn Đức"].cell_id) is None


# submitting against the campaign, through the dialogue


@pytest.fixture
def member_chat(repos, org, clock, chat_factory):
    async def make(name: str):
        chat = chat_factory(f"tg-{org[name].id}", "telegram")
        account = await repos.accounts.ensure("telegram", chat.user_id, chat.user_id, clock())
        await repos.accounts.bind(account.id, org[name].id, clock())
        return chat
    return make


async def _submit_as(member_chat, forms, name, member):
    chat = await member_chat(name)
    await complete_and_submit(chat, forms.get(forms.default_version, member.form))
    return chat


async def test_on_time_submission_is_not_marked(repos, forms, committee, org, clock, member_chat):
    await create_campaign(repos, forms, committee, _request(), clock())
    chat = await _submit_as(member_chat, forms, "Nguyễn Thị Hồng Nhung", org[
        "Nguyễn Thị Hồng Nhung"])
    assert "nộp muộn" not in chat.text
    assert (await repos.reviews.of_member(org["Nguyễn Thị Hồng Nhung"].id, 2026)).status == (
        "submitted")


async def test_late_submission_allowed_is_marked_late(
        repos, forms, committee, org, clock, member_chat):
    await create_campaign(repos, forms, committee, _request(), clock())
    clock.now = datetime(2026, 11, 30, 17, 1, tzinfo=UTC)  # 01/12 00:01 in Hanoi
    chat = await _submit_as(member_chat, forms, "Lê Minh Tuấn", org["Lê Minh Tuấn"])
    assert "được ghi là nộp muộn" in chat.text
    assert (await repos.reviews.of_member(org["Lê Minh Tuấn"].id, 2026)).status == "submitted"


async def test_late_submission_refused_by_policy_keeps_the_draft(
        repos, forms, committee, org, clock, member_chat):
    await create_campaign(repos, forms, committee, _request(late_policy="refuse"), clock())
    clock.now = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)  # 23:59 local: still on time
    on_time = await _submit_as(member_chat, forms, "Trần Văn Đức", org["Trần Văn Đức"])
    assert "nộp muộn" not in on_time.text
    clock.advance(minutes=2)
    chat = await _submit_as(member_chat, forms, "Lê Minh Tuấn", org["Lê Minh Tuấn"])
    assert "không nhận bản nộp muộn" in chat.text
    assert (await repos.reviews.of_member(org["Lê Minh Tuấn"].id, 2026)).status == "draft"


async def test_closed_campaign_refuses_submissions(
        repos, forms, committee, org, clock, member_chat):
    campaign = await create_campaign(repos, forms, committee, _request(), clock())
    assert await repos.campaigns.close(campaign.id, clock())
    chat = await _submit_as(member_chat, forms, "Lê Minh Tuấn", org["Lê Minh Tuấn"])
    assert "đã đóng" in chat.text
    assert (await repos.reviews.of_member(org["Lê Minh Tuấn"].id, 2026)).status == "draft"


# /campaign in the chat


async def test_admin_creates_a_campaign_in_the_chat_across_a_restart(
        repos, forms, org, clock, member_chat, assistant):
    chat = await member_chat("Bùi Thị Mai")
    await chat.say("/campaign")
    assert chat.actions() == [CP.pack(NewCampaign())]
    await chat.press(CP.pack(NewCampaign()))
    await chat.say("Kiểm điểm năm 2026")
    await chat.say("31/11/2026")
    assert "không phải là ngày" in chat.text
    await chat.say("30/11/2026")
    # a restart: the state is in the database, not in memory
    from conversations.assistant import Assistant
    from tests.conftest import Chat
    again = Chat(Assistant(repos, forms, assistant.config, clock), chat.user_id, "telegram")
    await again.say("/campaign")
    assert "đang tạo dở" in again.text
    await again.say("25/11/2026")
    assert "trước hạn nộp của chi bộ" in again.text
    await again.say("05/12/2026")
    assert again.actions() == [CP.pack(CreateCampaign()), CP.pack(ToggleDraftLate()),
                               CP.pack(PickDraftCell()), CP.pack(CancelCampaign())]
    await again.press(CP.pack(CreateCampaign()))
    assert "Đã tạo đợt kiểm điểm" in again.text
    created = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    assert [(c.name, c.cells_deadline, c.committee_deadline) for c in created] == [
        ("Kiểm điểm năm 2026", DEADLINE, date(2026, 12, 5))]
    await again.press(CP.pack(CreateCampaign()))  # an old button: nothing more is created
    assert len(await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)) == 1


async def test_non_admins_are_refused_politely(repos, org, clock, member_chat):
    for name in ("Trần Văn Đức", "Lê Minh Tuấn"):  # a secretary, a plain member
        chat = await member_chat(name)
        await chat.say("/campaign")
        assert "Chỉ quản trị viên của đảng ủy" in chat.text
        await chat.press(CP.pack(NewCampaign()))  # crafted callback data
        assert "Chỉ quản trị viên của đảng ủy" in chat.text
        account = await repos.accounts.get("telegram", chat.user_id)
        assert await repos.campaigns.draft(account.id) is None
        await chat.say("/help")
        assert "/campaign" not in chat.text
    admin = await member_chat("Bùi Thị Mai")
    await admin.say("/help")
    assert "/campaign" in admin.text


async def test_is_late_follows_the_cells_own_deadline_in_local_time(
        repos, forms, committee, org, clock):
    campaign = await create_campaign(repos, forms, committee, _request(
        cell_deadlines={"Chi bộ 2": date(2026, 11, 28)}), clock())
    zone = ZoneInfo(committee.timezone)
    cell1, cell2 = org["Trần Văn Đức"].cell_id, org["Bùi Thị Mai"].cell_id
    evening_28th = datetime(2026, 11, 28, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Hanoi
    assert not is_late(campaign, cell2, evening_28th, zone)
    assert is_late(campaign, cell2, evening_28th + timedelta(seconds=1), zone)
    assert not is_late(campaign, cell1, evening_28th + timedelta(days=2), zone)


async def test_admins_progress_over_cells_shows_each_cells_deadline(repos, forms, committee, org,
                                                                  clock, member_chat):
    admin = await member_chat("Bùi Thị Mai")
    await admin.say("/progress")
    assert "hạn nộp" not in admin.text  # no campaign yet: no deadline to show
    await create_campaign(repos, forms, committee, _request(
        cell_deadlines={"Chi bộ 2": date(2026, 11, 28)}), clock())
    await admin.say("/progress")
    assert "Chi bộ 1: 0/3 ░░░░░░░░░░ 0% · hạn nộp 30/11/2026" in admin.text
    assert "Chi bộ 2: 0/3 ░░░░░░░░░░ 0% · hạn nộp 28/11/2026" in admin.text
