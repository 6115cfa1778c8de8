"""/campaign in chat as an admin uses it: typed only, a cell with its own deadline, late
submissions refused, then changing and closing the open campaign; nobody else may."""

from datetime import date

from conversations.campaigns.actions import CAMPAIGNS as CP
from conversations.campaigns.actions import ChangeDeadline, CloseCampaign, ToggleLate
from handlers.text_render import render_text
from tests.secretary_helpers import link
from tests.typed_helpers import choose as _choose
from tests.typed_helpers import console as _console
from tests.typed_helpers import create_campaign


async def test_typed_campaign_with_a_cells_own_deadline_and_late_refused(
        repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    assert "Kiểm điểm năm 2026" in admin.text  # the example is this review's year
    await admin.say("Kiểm điểm năm 2026")
    assert "30/11/2026" in admin.text  # a week after today (23/11/2026), not in the past
    await admin.say("30/11/2026")
    assert "07/12/2026" in admin.text  # after the cells' deadline just typed
    await admin.say("05/12/2026")
    await _choose(admin, "Không nhận bản nộp muộn")
    assert "Nộp muộn: không nhận." in admin.text
    await _choose(admin, "Hạn riêng của một chi bộ")
    await _choose(admin, "Chi bộ 2")
    await admin.say("02/12/2026")
    assert "Chi bộ 2: 02/12/2026" in admin.text
    await _choose(admin, "Tạo")
    assert "Đã tạo đợt kiểm điểm" in admin.text
    for internal in ("hd43-2025", "Asia/Ho_Chi_Minh", "(2026)"):
        assert internal not in admin.text
    assert "Giờ Việt Nam" in admin.text
    [campaign] = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    assert campaign.late_policy == "refuse"
    assert campaign.deadline_for(org["Đặng Quốc Bảo"].cell_id) == date(2026, 12, 2)
    assert campaign.deadline_for(org["Trần Văn Đức"].cell_id) == date(2026, 11, 30)


async def test_changing_and_closing_the_open_campaign_typed(repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    for answer in ("Kiểm điểm năm 2026", "30/11/2026", "05/12/2026"):
        await admin.say(answer)
    await _choose(admin, "Tạo")
    committee_id = org["Bùi Thị Mai"].committee_id

    await _choose(admin, "Đổi hạn nộp")
    await _choose(admin, "Hạn nộp của các chi bộ")
    await admin.say("10/12/2026")  # after the committee's deadline: refused, asked again
    assert "05/12/2026" in admin.text
    await admin.say("01/12/2026")
    [campaign] = await repos.campaigns.of_committee(committee_id)
    assert campaign.cells_deadline == date(2026, 12, 1)

    await _choose(admin, "Đổi hạn nộp")
    await _choose(admin, "Hạn riêng của một chi bộ")
    await _choose(admin, "Chi bộ 1")
    await admin.say("03/12/2026")
    await _choose(admin, "Không nhận bản nộp muộn")
    [campaign] = await repos.campaigns.of_committee(committee_id)
    assert campaign.deadline_for(org["Trần Văn Đức"].cell_id) == date(2026, 12, 3)
    assert campaign.late_policy == "refuse"

    await _choose(admin, "Kết thúc đợt")
    assert campaign.is_open  # asked first
    await _choose(admin, "Đồng ý kết thúc")
    [campaign] = await repos.campaigns.of_committee(committee_id)
    assert not campaign.is_open


async def test_only_the_committees_admins_change_a_campaign(repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    for answer in ("Kiểm điểm năm 2026", "30/11/2026", "05/12/2026"):
        await admin.say(answer)
    await _choose(admin, "Tạo")
    [campaign] = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    for crafted in (CloseCampaign(campaign.id, 1), ToggleLate(campaign.id),
                    ChangeDeadline(campaign.id, "cells")):
        await secretary.press(CP.pack(crafted))
        assert "Chỉ quản trị viên của đảng ủy" in secretary.text
    await secretary.say("01/12/2026")
    [after] = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    assert after == campaign


async def test_typed_cancel_and_back_leave_the_draft_and_the_date_question(
        repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    assert "«hủy» — Hủy" in "\n".join(render_text(admin.last[-1]))
    await admin.say("Hủy")  # not the campaign's name
    assert "Đã hủy" in admin.text
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    await admin.say("Kiểm điểm năm 2026")
    await admin.say("hủy")  # at a date question: not "not a date"
    assert "Đã hủy" in admin.text
    assert await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id) == []

    await create_campaign(admin, "30/11/2026", "05/12/2026")
    await _choose(admin, "Đổi hạn nộp")
    await _choose(admin, "Hạn nộp của các chi bộ")
    assert "«quay lại» — Quay lại" in "\n".join(render_text(admin.last[-1]))
    await admin.say("quay lại")
    assert "Đổi hạn nộp" in [c.label for c in admin.last[-1].flat_choices]


async def test_typed_deadlines_are_refused_in_words_the_admin_can_act_on(
        repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/campaign")
    await _choose(admin, "Tạo đợt mới")
    await admin.say("Kiểm điểm năm 2026")
    await admin.say("10/12/2025")
    assert ("Ngày 10/12/2025 đã qua; đề nghị đồng chí chọn một ngày từ hôm nay trở đi."
            in admin.text)
    await admin.say("10/12/2026")
    assert "Hạn của đảng ủy? (từ ngày 10/12/2026 trở đi)" in admin.text
    await admin.say("05/12/2026")
    assert "Hạn của đảng ủy phải từ ngày 10/12/2026 trở đi" in admin.text
    await admin.say("20/12/2026")
    await _choose(admin, "Tạo")
    await admin.say("/campaign")
    for internal in ("#", "hd43-2025", "Phiên bản mẫu"):
        assert internal not in admin.text
