"""A full import that leaves people out: listed, then removed with --remove-missing (roles,
chat accounts, unused codes, place in open campaigns), their submitted reviews kept."""

import asyncio
import io
import zipfile
from datetime import date, timedelta

from openpyxl import load_workbook

from bot.cli import main
from bot.demo_reviews import sample_review
from conversations.campaigns.rules import CampaignRequest, create_campaign, expected_member_ids
from conversations.onboarding.invitations import issue_invite
from tests.conftest import COMMITTEE
from tests.secretary_helpers import link

# the sample organisation without Trần Văn Đức (secretary) and Nguyễn Thị Hồng Nhung
WITHOUT_TWO = """cell,full_name,birth_date,form,role
Chi bộ 1,Lê Minh Tuấn,1950-11-20,2C,
Chi bộ 2,Đặng Quốc Bảo,1975-09-09,2A,secretary
Chi bộ 2,Bùi Thị Mai,1982-12-05,2B,admin
"""
FULL = WITHOUT_TWO + """Chi bộ 1,Trần Văn Đức,1968-03-12,2A,secretary
Chi bộ 1,Nguyễn Thị Hồng Nhung,1985-07-02,2B,
"""


async def _kiemdiem(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def test_members_left_out_are_listed_then_removed(
    tmp_path, db, repos, clock, forms, chat_factory, org, capsys,
):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    committee = await repos.org.committee_by_name(COMMITTEE)
    campaign = await create_campaign(repos, forms, committee, CampaignRequest(
        name="Kiểm điểm năm 2026", cells_deadline=date(2026, 11, 30),
        committee_deadline=date(2026, 12, 5)), clock())
    await sample_review(repos, forms, nhung, clock())
    duc_chat = chat_factory(await link(repos, clock, duc), "telegram")
    spare = (await issue_invite(repos, duc.id, clock(), timedelta(days=30))).code
    members = tmp_path / "members.csv"
    members.write_text(WITHOUT_TWO, encoding="utf-8")

    assert await _kiemdiem("--db", db.path, "import", str(members)) == 0
    out = capsys.readouterr().out
    assert "2 đảng viên có trong danh sách nhưng không có trong tệp này" in out
    assert "Trần Văn Đức (Chi bộ 1)" in out and "--remove-missing" in out
    assert (await repos.org.member(duc.id)).roles == {"secretary"}  # nothing removed yet

    assert await _kiemdiem("--db", db.path, "import", str(members), "--remove-missing") == 0
    out = capsys.readouterr().out
    assert "2 đảng viên không có trong tệp đã được đưa ra khỏi danh sách" in out
    gone = await repos.org.member(duc.id)
    assert gone.removed and gone.roles == frozenset()
    assert await repos.accounts.of_member(duc.id) == []
    await duc_chat.say("/progress")  # no longer a secretary, nor a known member
    assert "chưa được gắn với đảng viên nào" in duc_chat.text
    await chat_factory("someone", "telegram").say(spare)
    assert (await repos.accounts.get("telegram", "someone")).member_id is None
    assert await expected_member_ids(repos, committee.id, 2026) == {
        org["Lê Minh Tuấn"].id, org["Đặng Quốc Bảo"].id, org["Bùi Thị Mai"].id}
    assert (await repos.campaigns.expected_counts(campaign.id))[duc.cell_id] == (1, 0)
    assert [m.full_name for m in await repos.org.members_of_cell(duc.cell_id)] == [
        "Lê Minh Tuấn"]

    # the removed member's submitted review is still exported, marked as such
    out_dir = tmp_path / "out"
    assert await _kiemdiem("--db", db.path, "export", "--out", str(out_dir),
                           "--cell", "Chi bộ 1") == 0
    sheet = load_workbook(io.BytesIO(next(out_dir.glob("*.xlsx")).read_bytes()))["Danh sách"]
    rows = {r[1]: r[3] for r in sheet.iter_rows(values_only=True)
            if isinstance(r[0], int)}  # the members' lines, between letterhead and signature
    assert rows == {"Lê Minh Tuấn": "Chưa bắt đầu", "Nguyễn Thị Hồng Nhung":
                    "Không còn trong danh sách đảng viên (giữ bản kiểm điểm đã nộp)"}
    with zipfile.ZipFile(next(out_dir.glob("*.zip"))) as files:
        assert files.namelist() == ["ban-kiem-diem-2026-Nguyễn-Thị-Hồng-Nhung.docx"]

    # listed again: back on the list with the file's roles (a new code links the account)
    members.write_text(FULL, encoding="utf-8")
    assert await _kiemdiem("--db", db.path, "import", str(members), "--remove-missing") == 0
    back = await repos.org.member(duc.id)
    assert not back.removed and back.roles == {"secretary"}
    assert "khỏi danh sách" not in capsys.readouterr().out
