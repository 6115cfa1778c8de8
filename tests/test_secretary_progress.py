"""Progress views, reminders, and who may open what (crafted buttons and commands)."""

from datetime import UTC, date, datetime

import pytest

from bot.demo_reviews import sample_review
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.menus import MENU, OpenProgress, ShowMenu
from conversations.secretary import progress as progress_module
from conversations.secretary.actions import SECRETARY as SR
from conversations.secretary.actions import (
    AcceptReview,
    CancelReturn,
    CellFiles,
    CommitteeFiles,
    ReadReview,
    RemindPreview,
    RemindSend,
    ReturnReview,
    ReviewCopy,
    ShowCell,
    ShowCommittee,
)
from conversations.secretary.progress import Expectations, committee_progress
from tests.conftest import COMMITTEE, Chat, record
from tests.secretary_helpers import link, outbox, with_deputy

CELL3 = [
    record("Chi bộ 3", "Hồ Văn Một", "1970-01-01", "2A", "secretary"),
    record("Chi bộ 3", "Phan Thị Hai", "1971-01-01"),      # submitted
    record("Chi bộ 3", "Vũ Văn Ba", "1972-01-01"),         # submitted, accepted
    record("Chi bộ 3", "Lý Thị Bốn", "1973-01-01"),        # submitted
    record("Chi bộ 3", "Mai Văn Năm", "1974-01-01"),       # returned
    record("Chi bộ 3", "Cao Thị Sáu", "1975-01-01"),       # in progress
    record("Chi bộ 3", "Tạ Văn Bảy", "1976-01-01"),        # not started
    record("Chi bộ 3", "Đinh Thị Tám", "1977-01-01"),      # not started
    record("Chi bộ 3", "Kiều Văn Chín", "1978-01-01", status="exempted"),
    record("Chi bộ 3", "Lạc Thị Mười", "1979-01-01", status="suspended"),
    record("Chi bộ 3", "Triệu Văn Mới", "2000-01-01", status="probationary",
           admitted_on=date(2026, 8, 15)),
]


@pytest.fixture
async def cell3(repos, clock, forms, org):
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, CELL3)
    people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    for name in ("Phan Thị Hai", "Vũ Văn Ba", "Lý Thị Bốn", "Mai Văn Năm"):
        await sample_review(repos, forms, people[name], clock())
    accepted = await repos.reviews.of_member(people["Vũ Văn Ba"].id, 2026)
    await repos.reviews.accept(accepted.id, clock())
    returned = await repos.reviews.of_member(people["Mai Văn Năm"].id, 2026)
    await repos.reviews.return_for_revision(returned.id, "Bổ sung", clock(), position="summary")
    await sample_review(repos, forms, people["Cao Thị Sáu"], clock(), items=3, submit=False)
    return people


async def test_progress_groups_counts_and_pages(repos, clock, forms, cell3):
    small_pages = Assistant(repos, forms, AssistantConfig(page_size=5), clock)
    secretary = Chat(small_pages, await link(repos, clock, cell3["Hồ Văn Một"]), "telegram")
    await secretary.say("/progress")
    first = secretary.text
    cell_id = cell3["Hồ Văn Một"].cell_id
    assert first.startswith("Chi bộ 3 — kiểm điểm năm 2026\nĐã nộp 3/8.\n▓▓▓▓░░░░░░ 38%\n")
    # sorted by given name within each group
    assert ("Đã nộp (3):\n✓ Vũ Văn Ba — 09:00 23/11/2026 (đã tiếp nhận)\n"
            "✓ Lý Thị Bốn — 09:00 23/11/2026\n✓ Phan Thị Hai — 09:00 23/11/2026\n\n"
            "Trả lại để bổ sung, chỉnh sửa (1):\n↩ Mai Văn Năm — 12/12 mục\n\n"
            "Đang làm (1):\n… Cao Thị Sáu — 3/12 mục") in first
    assert "Trang 1/3." in first
    reviews = await repos.secretaries.reviews_of_cell(cell_id, 2026)
    opened = [a for a in secretary.actions() if isinstance(SR.parse(a), ReadReview)]
    assert len(opened) == 4  # the three submitted and the returned one, not the draft
    assert SR.pack(ReadReview(reviews[cell3['Cao Thị Sáu'].id].id)) not in opened
    assert SR.pack(ShowCell(cell_id, 1)) in secretary.actions()
    assert SR.pack(RemindPreview(cell_id)) in secretary.actions()

    await secretary.press(SR.pack(ShowCell(cell_id, 1)))
    assert secretary.last[0].replace
    assert ("Chưa bắt đầu (3):\n○ Tạ Văn Bảy\n○ Hồ Văn Một\n○ Đinh Thị Tám\n\n"
            "Không kiểm điểm lần này (3):\n– Kiều Văn Chín (miễn sinh hoạt)\n"
            "– Triệu Văn Mới (vào Đảng chưa đủ 6 tháng)") in secretary.text
    await secretary.press(SR.pack(ShowCell(cell_id, 2)))
    assert "– Lạc Thị Mười (đình chỉ sinh hoạt)" in secretary.text
    assert "Trang 3/3." in secretary.text
    await secretary.press(SR.pack(ShowCell(cell_id, 99)))  # past the end: the last page
    assert "Trang 3/3." in secretary.text


async def test_admin_sees_cells_least_complete_first_and_opens_one(
        repos, clock, forms, chat_factory, cell3, org):
    await sample_review(repos, forms, org["Nguyễn Thị Hồng Nhung"], clock())
    admin = chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    await admin.press(MENU.pack(ShowMenu()))
    assert MENU.pack(OpenProgress()) in admin.actions()
    await admin.say("/progress")
    lines = admin.text.splitlines()
    assert lines[0] == "Đảng ủy phường Thử Nghiệm — kiểm điểm năm 2026, chi bộ có tỷ lệ nộp " \
                       "thấp nhất xếp trước:"
    assert lines[1:-1] == ["Chi bộ 2: 0/2 ░░░░░░░░░░ 0%", "Chi bộ 1: 1/3 ▓▓▓░░░░░░░ 33%",
                           "Chi bộ 3: 3/8 ▓▓▓▓░░░░░░ 38%"]
    assert lines[-1] == "Toàn đảng bộ: 4/13 ▓▓▓░░░░░░░ 31%"  # the committee's total
    cell1 = org["Trần Văn Đức"].cell_id
    await admin.press(SR.pack(ShowCell(cell1, 0)))
    assert admin.text.startswith("Chi bộ 1 — kiểm điểm năm 2026\nĐã nộp 1/3.")
    assert SR.pack(ShowCommittee(0)) in admin.actions()
    # two queries for the whole committee, whatever its size
    progress = await committee_progress(repos, forms, org["Bùi Thị Mai"].committee_id,
                                        date(2026, 11, 23))
    assert [p.cell.name for p in progress] == ["Chi bộ 2", "Chi bộ 1", "Chi bộ 3"]


async def test_remind_the_rest_once_a_day(repos, clock, forms, chat_factory, org):
    people = await with_deputy(repos)  # Phạm Thu Hà: English, no chat account
    await sample_review(repos, forms, people["Nguyễn Thị Hồng Nhung"], clock())
    duc, tuan = people["Trần Văn Đức"], people["Lê Minh Tuấn"]
    await link(repos, clock, tuan)
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await secretary.press(SR.pack(RemindPreview(duc.cell_id)))
    assert ("Lời nhắc sau sẽ gửi tới 3 đồng chí chưa nộp (trong đó 1 đồng chí chưa gắn"
            in secretary.text)
    assert "«Kính gửi đồng chí" in secretary.text
    assert await outbox(repos, "chase") == []  # nothing before the confirmation
    await secretary.press(SR.pack(RemindSend(duc.cell_id)))
    assert "Lời nhắc đang được gửi tới 2 đồng chí." in secretary.text
    assert "Chưa gắn tài khoản với trợ lý (1): Phạm Thu Hà." in secretary.text
    sent = {m: (chat, r.text) for m, chat, r in await outbox(repos, "chase")}
    assert set(sent) == {duc.id, tuan.id, people["Phạm Thu Hà"].id}
    assert sent[tuan.id][0] == f"u{tuan.id}"
    assert sent[tuan.id][1].startswith("Kính gửi đồng chí Lê Minh Tuấn, chi ủy trân trọng nhắc")
    assert sent[people["Phạm Thu Hà"].id][0] is None
    assert sent[people["Phạm Thu Hà"].id][1].startswith("Dear comrade Phạm Thu Hà")

    await secretary.press(SR.pack(RemindSend(duc.cell_id)))
    assert "Đã được nhắc trong hôm nay: 3." in secretary.text
    assert "Lời nhắc đang được gửi tới 0" not in secretary.text  # nobody new: not said
    await link(repos, clock, people["Phạm Thu Hà"])
    # everyone linked: no «0 not linked» aside
    await secretary.press(SR.pack(RemindPreview(duc.cell_id)))
    assert "Lời nhắc sau sẽ gửi tới 3 đồng chí chưa nộp, theo ngôn ngữ" in secretary.text
    assert "chưa gắn" not in secretary.text
    assert len(await outbox(repos, "chase")) == 3
    clock.advance(days=1)
    await secretary.press(SR.pack(RemindSend(duc.cell_id)))
    assert len(await outbox(repos, "chase")) == 6


REFUSED = "Rất tiếc, đồng chí không mở được nội dung này."
STALE = "Nút này không còn hiệu lực."


async def _crafted(chat: Chat, review_id: int, cell_id: int) -> None:
    for action in (ReadReview(review_id), ReviewCopy(review_id), ReturnReview(review_id),
                   AcceptReview(review_id), CancelReturn(review_id), ShowCell(cell_id, 0),
                   RemindPreview(cell_id), RemindSend(cell_id), CellFiles(cell_id)):
        action = SR.pack(action)
        replies = await chat.press(action)
        assert chat.text.startswith(REFUSED), action
        assert not any(r.document for r in replies), action
    await chat.say("Ý kiến trả lại giả mạo")  # no pending comment was recorded


async def test_other_cell_other_committee_and_plain_members_are_refused(
        repos, clock, forms, chat_factory, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    review = await sample_review(repos, forms, nhung, clock())
    cell1 = nhung.cell_id
    other = await repos.org.ensure_committee("Đảng ủy xã Khác")
    await repos.org.apply_import(other.id, [
        record("Chi bộ Xã", "Lâm Văn Quản", "1970-02-02", "2A", "admin", "secretary")])
    [foreign_admin] = await repos.org.members_of_committee(other.id)

    other_secretary = chat_factory(await link(repos, clock, org["Đặng Quốc Bảo"]), "telegram")
    await _crafted(other_secretary, review.id, cell1)
    await other_secretary.press(SR.pack(CommitteeFiles()))
    assert other_secretary.text.startswith(REFUSED)

    foreign = chat_factory(await link(repos, clock, foreign_admin), "telegram")
    await _crafted(foreign, review.id, cell1)
    await foreign.say("/progress")
    assert "Chi bộ 1" not in foreign.text and "Chi bộ Xã" in foreign.text
    await foreign.press(SR.pack(ShowCommittee(0)))
    assert "Chi bộ 1" not in foreign.text

    for plain in (org["Lê Minh Tuấn"], nhung):  # a member, even the review's own author
        chat = chat_factory(await link(repos, clock, plain), "telegram")
        await _crafted(chat, review.id, cell1)
        for command in ("/progress", "/export"):
            await chat.say(command)
            assert "dành cho bí thư, phó bí thư chi bộ và quản trị đảng ủy" in chat.text
        await chat.press(SR.pack(ShowCommittee(0)))
        assert chat.text.startswith(REFUSED)

    # a secretary of the right cell cannot open a draft, nor garbage
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    draft = await sample_review(repos, forms, org["Lê Minh Tuấn"], clock(), submit=False)
    await secretary.press(SR.pack(ReadReview(draft.id)))
    assert secretary.text.startswith(REFUSED)
    for action in ("sr.open:abc", "sr.zzz", "pg:x:y", "rm:", "ex:-1"):  # garbage: no such button
        await secretary.press(action)
        assert secretary.text.startswith(STALE), action

    assert (await repos.reviews.get(review.id)).status == "submitted"
    assert await outbox(repos, "chase") == []
    assert await outbox(repos, "returned") == []
    assert await repos.db.fetchall(  # no return comment was asked for
        "SELECT * FROM accounts WHERE awaiting IS NOT NULL") == []


async def test_a_deadline_from_campaigns_is_shown_and_put_in_reminders(
        repos, clock, forms, chat_factory, org, monkeypatch):
    async def with_deadline(_repos, _cell, members, today):
        return Expectations({}, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))

    monkeypatch.setattr(progress_module, "expectations", with_deadline)  # the campaigns' plug
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.say("/progress")
    assert "Hạn nộp: 17:00 28/11/2026 (còn 5 ngày)." in secretary.text  # calendar days
    await secretary.press(SR.pack(RemindPreview(org['Trần Văn Đức'].cell_id)))
    assert "Hạn nộp là ngày 28/11/2026." in secretary.text
