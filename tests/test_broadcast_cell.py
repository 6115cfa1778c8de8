"""A cell secretary announces to her own cell (and its group chat), never beyond it."""

from conversations.broadcasts.actions import BROADCASTS as BC
from conversations.broadcasts.actions import (
    ChooseAudience,
    NoAttachment,
    SendBroadcast,
    ToggleCell,
    ToggleGroups,
)
from tests.secretary_helpers import link, outbox


async def _group(repos, clock, cell_id, chat_id, by):
    await repos.broadcasts.link_group(cell_id, "telegram", chat_id, f"Nhóm {chat_id}", by,
                                      clock())


async def test_secretary_announces_to_her_cell_and_its_group_only(
        repos, clock, chat_factory, org):
    duc = org["Trần Văn Đức"]  # secretary of Chi bộ 1, not an admin
    for member in org.values():
        await link(repos, clock, member)
    await _group(repos, clock, duc.cell_id, "-100", duc.id)
    await _group(repos, clock, org["Đặng Quốc Bảo"].cell_id, "-200", duc.id)
    chat = chat_factory(f"u{duc.id}", "telegram")
    await chat.say("/broadcast")
    await chat.say("Họp chi bộ lúc 19:30 thứ Năm tại nhà văn hóa.")
    await chat.press(BC.pack(NoAttachment()))
    offered = chat.actions()
    assert BC.pack(ChooseAudience("all")) not in offered
    assert BC.pack(ChooseAudience("cells")) not in offered
    assert "Tất cả đảng viên Chi bộ 1" in [c.label for c in chat.last[0].flat_choices]
    await chat.press(BC.pack(ToggleGroups()))
    await chat.press(BC.pack(ChooseAudience("cell")))
    assert "Thông báo của Chi bộ 1" in chat.text  # the preview, signed by the cell
    await chat.press(BC.pack(SendBroadcast()))

    rows = await outbox(repos, "broadcast")
    in_cell = {m.id for m in org.values() if m.cell_id == duc.cell_id}
    assert {member for member, _chat, _r in rows if member is not None} == in_cell
    assert [chat_id for member, chat_id, _r in rows if member is None] == ["-100"]


async def test_a_secretary_cannot_widen_the_audience_with_crafted_buttons(
        repos, clock, chat_factory, org):
    duc = org["Trần Văn Đức"]
    for member in org.values():
        await link(repos, clock, member)
    chat = chat_factory(f"u{duc.id}", "telegram")
    await chat.say("/broadcast")
    await chat.say("Thông báo thử.")
    await chat.press(BC.pack(NoAttachment()))
    for crafted in (ChooseAudience("all"), ChooseAudience("secretaries"),
                    ChooseAudience("cells"), ToggleCell(org["Đặng Quốc Bảo"].cell_id)):
        await chat.press(BC.pack(crafted))
        assert BC.pack(SendBroadcast()) not in chat.actions()
    await chat.press(BC.pack(ChooseAudience("cell")))
    await chat.press(BC.pack(SendBroadcast()))
    cells = {m.id: m.cell_id for m in org.values()}
    assert {cells[m] for m, _c, _r in await outbox(repos, "broadcast")} == {duc.cell_id}


async def test_a_secretary_types_the_whole_announcement_on_a_text_only_channel(
        repos, clock, chat_factory, org):
    duc = org["Trần Văn Đức"]
    for member in org.values():
        await link(repos, clock, member, "console")
    chat = chat_factory(f"u{duc.id}", "console")
    await chat.say("/broadcast")
    await chat.say("Nộp bản kiểm điểm trước thứ Sáu.")
    await chat.say("không")  # no attachment, typed
    await chat.say("1")      # all members of the cell
    await chat.say("gửi")
    assert len(await outbox(repos, "broadcast")) == sum(
        1 for m in org.values() if m.cell_id == duc.cell_id)
