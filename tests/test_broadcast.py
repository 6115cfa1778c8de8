"""Composing a broadcast in chat and from the command line; cell group chats."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from bot.cli import main
from conversations.assistant import Assistant
from conversations.broadcasts.actions import BROADCASTS as BC
from conversations.broadcasts.actions import (
    CancelBroadcast,
    CellsChosen,
    ChooseAudience,
    NoAttachment,
    SendBroadcast,
    ShowUnreached,
    ToggleCell,
    ToggleGroups,
)
from conversations.campaigns.actions import CAMPAIGNS as CP
from conversations.campaigns.actions import NewCampaign
from conversations.core.context import AssistantConfig
from conversations.core.menus import MENU, OpenCampaigns, StartBroadcast
from conversations.core.outgoing import decode_reply
from conversations.core.replies import Incoming, IncomingDocument, Kind
from handlers.console_transport import ConsoleTransport
from handlers.outbox_sender import OutboxSender, SenderConfig
from storage.db import open_database
from storage.repos import Repos
from storage.sending import SendingRepo
from tests.conftest import COMMITTEE, ORG


async def bind(repos, clock, member, user_id: str, channel: str = "telegram"):
    account = await repos.accounts.ensure(channel, user_id, user_id, clock())
    await repos.accounts.bind(account.id, member.id, clock())


@pytest.fixture
async def people(repos, org, clock):
    """Everyone but Lê Minh Tuấn has linked Telegram; returns chats by name."""
    chats = {}
    for n, (name, member) in enumerate(org.items(), start=1):
        if name != "Lê Minh Tuấn":
            await bind(repos, clock, member, str(100 + n))
        chats[name] = str(100 + n)
    return chats


def admin_chat(chat_factory, people):
    return chat_factory(people["Bùi Thị Mai"], "telegram")


ALL = BC.pack(ChooseAudience("all"))


async def compose(chat, text="Hướng dẫn mới về <b>hạn nộp</b>", audience=ALL):
    await chat.say("/broadcast")
    await chat.say(text)
    await chat.press(BC.pack(NoAttachment()))
    return await chat.press(audience)


async def test_a_plain_member_is_refused(chat_factory, people, repos, org):
    for name in ("Nguyễn Thị Hồng Nhung",):  # secretaries: tests/test_broadcast_cell.py
        chat = chat_factory(people[name], "telegram")
        await chat.say("/broadcast")
        assert "Chỉ quản trị viên của đảng ủy và bí thư chi bộ mới được gửi thông báo" in chat.text
        await chat.press(BC.pack(SendBroadcast()))  # a crafted button changes nothing
        assert "Chỉ quản trị viên của đảng ủy và bí thư chi bộ mới được gửi thông báo" in chat.text
        assert await repos.broadcasts.draft(org[name].id) is None
    assert await repos.broadcasts.recent(org["Bùi Thị Mai"].committee_id) == []


async def test_admin_composes_previews_and_sends_to_everyone(chat_factory, people, repos, org):
    await repos.org.set_member_language(org["Đặng Quốc Bảo"].id, "en")
    chat = admin_chat(chat_factory, people)
    await compose(chat)
    preview, confirm = chat.last
    assert preview.text.startswith("📢 Thông báo của " + COMMITTEE)
    assert "Hướng dẫn mới về <b>hạn nộp</b>" in preview.text
    assert "Người nhận: 5 (5 đảng viên nhận riêng, 0 nhóm chat)" in confirm.text
    assert "1 đồng chí trong số này chưa gắn tài khoản với trợ lý" in confirm.text
    assert BC.pack(SendBroadcast()) in chat.actions()
    await chat.press(BC.pack(SendBroadcast()))
    assert "Thông báo số 1 đang được gửi tới 5 người nhận" in chat.text
    rows = await repos.outbox.of_ref("broadcast", 1)
    assert {r.dedup_key for r in rows} == {f"broadcast:1:{m.id}" for m in org.values()}
    unlinked = next(r for r in rows if r.member_id == org["Lê Minh Tuấn"].id)
    assert unlinked.status == "unreachable" and unlinked.error == "not_linked"
    english = next(r for r in rows if r.member_id == org["Đặng Quốc Bảo"].id)
    assert decode_reply(english.payload).text.startswith("📢 Announcement from")
    assert await repos.broadcasts.draft(org["Bùi Thị Mai"].id) is None  # done with it
    await chat.press(BC.pack(SendBroadcast()))  # pressing again sends nothing twice
    assert len(await repos.outbox.of_ref("broadcast", 1)) == 5
    assert await repos.outbox.of_ref("broadcast", 2) == []


async def test_composition_survives_a_restart(chat_factory, people, repos, forms, clock, org):
    chat = admin_chat(chat_factory, people)
    await chat.say("/broadcast")
    await chat.say("Lịch họp chi bộ tháng 12")
    restarted = Assistant(repos, forms, AssistantConfig(), clock)  # a new process, same DB
    replies = await restarted.handle(Incoming("telegram", people["Bùi Thị Mai"],
                                              people["Bùi Thị Mai"], Kind.ACTION,
                                              BC.pack(NoAttachment())))
    assert "Gửi thông báo tới ai?" in replies[0].text
    draft = await repos.broadcasts.draft(org["Bùi Thị Mai"].id)
    assert draft["text"] == "Lịch họp chi bộ tháng 12" and draft["step"] == "audience"


async def test_chosen_cells_and_a_document(chat_factory, people, repos, org, clock):
    chat = admin_chat(chat_factory, people)
    await chat.say("/broadcast")
    await chat.say("Mẫu kiểm điểm mới")
    doc = IncomingDocument("BQACAgIAAxk", "mau-2a.pdf")
    await chat.assistant.handle(Incoming("telegram", chat.user_id, chat.user_id,
                                         Kind.UNSUPPORTED, document=doc))
    await chat.press(BC.pack(ChooseAudience("cells")))
    cell1 = org["Trần Văn Đức"].cell_id
    await chat.press(BC.pack(ToggleCell(cell1)))
    assert "☑ Chi bộ 1" in [c.label for c in chat.last[0].flat_choices]
    await chat.press(BC.pack(CellsChosen()))
    assert "Tài liệu đính kèm: mau-2a.pdf" in chat.text
    assert "Người nhận: 3" in chat.text
    await chat.press(BC.pack(SendBroadcast()))
    rows = await repos.outbox.of_ref("broadcast", 1)
    assert {r.member_id for r in rows} == {m.id for m in org.values() if m.cell_id == cell1}
    attachment = await SendingRepo(repos.db).attachment(rows[0].attachment_id)
    assert attachment.file_ref == "BQACAgIAAxk" and attachment.filename == "mau-2a.pdf"


async def test_crafted_cell_of_another_committee_is_refused(chat_factory, people, repos):
    other = await repos.org.ensure_committee("Đảng ủy khác")
    await repos.org.apply_import(other.id, ORG[:1])
    foreign = (await repos.org.cells(other.id))[0]
    chat = admin_chat(chat_factory, people)
    await chat.say("/broadcast")
    await chat.say("Thông báo")
    await chat.press(BC.pack(NoAttachment()))
    await chat.press(BC.pack(ChooseAudience("cells")))
    await chat.press(BC.pack(ToggleCell(foreign.id)))
    assert "không thuộc đảng bộ của đồng chí" in chat.text


async def test_secretaries_only_and_cancel(chat_factory, people, repos, org):
    chat = admin_chat(chat_factory, people)
    await compose(chat, audience=BC.pack(ChooseAudience("secretaries")))
    assert "Người nhận: 2" in chat.text
    await chat.press(BC.pack(CancelBroadcast()))
    assert "Đã hủy thông báo" in chat.text
    assert await repos.broadcasts.draft(org["Bùi Thị Mai"].id) is None


async def test_unreachable_lists_are_per_cell_for_secretaries(chat_factory, people, repos,
                                                              org, db):
    chat = admin_chat(chat_factory, people)
    await compose(chat)
    await chat.press(BC.pack(SendBroadcast()))
    # Đặng Quốc Bảo (Chi bộ 2) blocked the bot
    await db.conn.execute("UPDATE outbox SET status = 'unreachable', error = 'blocked: x'"
                          " WHERE member_id = ?", (org["Đặng Quốc Bảo"].id,))
    await chat.press(BC.pack(ShowUnreached(1)))
    assert "Lê Minh Tuấn — chưa gắn tài khoản với trợ lý" in chat.text
    assert "Đặng Quốc Bảo — đã chặn trợ lý" in chat.text
    secretary = chat_factory(people["Trần Văn Đức"], "telegram")  # Chi bộ 1
    await secretary.press(BC.pack(ShowUnreached(1)))
    assert "Lê Minh Tuấn" in secretary.text and "Đặng Quốc Bảo" not in secretary.text
    await secretary.say("/broadcasts")
    assert "số liệu của Chi bộ 1" in secretary.text
    assert "không liên lạc được 1" in secretary.text
    member = chat_factory(people["Nguyễn Thị Hồng Nhung"], "telegram")
    await member.press(BC.pack(ShowUnreached(1)))
    assert "Lê Minh Tuấn" not in member.text
    await chat.say("/broadcasts")
    assert "#1" in chat.text and "không liên lạc được 2" in chat.text


async def test_only_a_secretary_of_the_cell_links_its_group(assistant, people, repos, org):
    def group_command(name, text="/linkgroup", chat="-5001"):
        return assistant.handle(Incoming("telegram", people[name], chat, Kind.TEXT, text,
                                         is_group=True))
    replies = await group_command("Nguyễn Thị Hồng Nhung")
    assert "Chỉ bí thư chi bộ" in replies[0].text
    assert await group_command("Trần Văn Đức", "xin chào") == []  # ordinary talk: silence
    replies = await group_command("Trần Văn Đức", "/linkgroup@kiemdiem_test_bot")
    assert "Chi bộ 1" in replies[0].text
    committee = org["Trần Văn Đức"].committee_id
    groups = await repos.broadcasts.groups(committee)
    assert [(g.cell_name, g.chat_id) for g in groups] == [("Chi bộ 1", "-5001")]
    # the secretary's private chat is still where his messages go
    account = await repos.accounts.get("telegram", people["Trần Văn Đức"])
    assert account.chat_id == people["Trần Văn Đức"]


async def test_broadcast_to_members_and_groups(assistant, chat_factory, people, repos, org):
    await assistant.handle(Incoming("telegram", people["Trần Văn Đức"], "-5001", Kind.TEXT,
                                    "/linkgroup", is_group=True))
    chat = admin_chat(chat_factory, people)
    await chat.say("/broadcast")
    await chat.say("Thông báo")
    await chat.press(BC.pack(NoAttachment()))
    await chat.press(BC.pack(ToggleGroups()))
    assert any(c.label.startswith("☑") for c in chat.last[0].flat_choices)
    await chat.press(BC.pack(ChooseAudience("all")))
    assert "Người nhận: 6 (5 đảng viên nhận riêng, 1 nhóm chat)" in chat.text
    await chat.press(BC.pack(SendBroadcast()))
    group_row = await repos.outbox.get("broadcast:1:group:" + str(org["Trần Văn Đức"].cell_id))
    assert group_row.chat_id == "-5001" and decode_reply(group_row.payload).choices == ()


async def test_console_demo_prints_what_others_receive(chat_factory, repos, org, clock, capsys):
    for member in org.values():
        await bind(repos, clock, member, f"c{member.id}", "console")
    chat = chat_factory(f"c{org['Bùi Thị Mai'].id}")  # the console: numbers for choices
    await chat.say("/broadcast")
    await chat.say("Họp chi bộ lúc 8 giờ")  # no document asked: the console cannot send one
    await chat.say("1")  # all members
    await chat.say("1")  # send
    assert "đang được gửi tới 5 người nhận" in chat.text
    out = io.StringIO()
    sender = OutboxSender(SendingRepo(repos.db), [ConsoleTransport(repos, out)],
                          SenderConfig(rate=None, private_interval=0.0))
    await sender.drain()
    assert "[→ Lê Minh Tuấn] 📢 Thông báo của" in out.getvalue()
    assert out.getvalue().count("Họp chi bộ lúc 8 giờ") == 5


def test_command_line_broadcast(tmp_path, capsys):
    db_path = tmp_path / "cli.sqlite3"
    members = tmp_path / "members.csv"
    members.write_text(
        "cell,full_name,birth_date,form,role\n"
        "Chi bộ 1,Trần Văn Đức,1968-03-12,2A,secretary\n"
        "Chi bộ 2,Bùi Thị Mai,1982-12-05,2B,admin\n", encoding="utf-8")
    assert main(["--db", str(db_path), "import", str(members), "--committee", COMMITTEE]) == 0
    text = tmp_path / "guidance.md"
    text.write_text("Hướng dẫn số 12", encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    base = ["--db", str(db_path), "broadcast"]
    assert main([*base, "--text-file", str(empty)]) == 2
    assert "nội dung trống" in capsys.readouterr().err
    assert main([*base, "--text-file", str(text), "--audience", "cell:Chi bộ 9"]) == 2
    assert "Không có chi bộ nào tên «Chi bộ 9»" in capsys.readouterr().err
    assert main([*base, "--text-file", str(text), "--audience", "everyone"]) == 2
    assert "Không rõ người nhận «everyone»" in capsys.readouterr().err
    assert main([*base, "--text-file", str(text), "--attach", str(tmp_path / "no.pdf")]) == 2
    assert "no.pdf: không tìm thấy tệp" in capsys.readouterr().err
    pdf = tmp_path / "hd.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert main([*base, "--text-file", str(text), "--attach", str(pdf),
                 "--audience", "cell:Chi bộ 1"]) == 0
    assert "Đã đưa thông báo số 1 vào hàng đợi, gửi tới 1 người nhận" in capsys.readouterr().out

    async def check():
        db = await open_database(db_path)
        try:
            rows = await Repos.of(db).outbox.of_ref("broadcast", 1)
            assert len(rows) == 1 and rows[0].attachment_id is not None
            audience = await db.fetchone("SELECT audience FROM broadcasts WHERE id = 1")
            assert json.loads(audience["audience"])["who"] == "cells"
        finally:
            await db.close()
    asyncio.run(check())


async def test_admins_main_menu_leads_to_campaigns_and_announcements(chat_factory, people):
    admin = admin_chat(chat_factory, people)
    await admin.say("/start")
    assert {MENU.pack(OpenCampaigns()), MENU.pack(StartBroadcast())} <= set(admin.actions())
    await admin.press(MENU.pack(OpenCampaigns()))
    assert CP.pack(NewCampaign()) in admin.actions()
    await admin.press(MENU.pack(StartBroadcast()))
    assert "Soạn thông báo mới" in admin.text
    member = chat_factory(people["Nguyễn Thị Hồng Nhung"], "telegram")
    await member.say("/start")
    assert not {MENU.pack(OpenCampaigns()), MENU.pack(StartBroadcast())} & set(member.actions())
    await member.press(MENU.pack(StartBroadcast()))  # crafted: still refused
    assert "Chỉ quản trị viên của đảng ủy và bí thư chi bộ mới được gửi thông báo" in member.text


def test_broadcast_list_snippet_is_plain_text_cut_at_a_word():
    from conversations.broadcasts.report import _snippet

    html = ("<b>Đảng ủy đề nghị</b> các chi bộ hoàn thành kiểm điểm trước ngày "
            "30/11/2026 &amp; báo cáo")
    assert _snippet(html, html=True) == (
        "Đảng ủy đề nghị các chi bộ hoàn thành kiểm điểm trước ngày…")
    assert _snippet("Ngắn\nDòng hai", html=False) == "Ngắn"
    assert _snippet("  ", html=False) == ""


async def test_broadcast_list_quotes_the_text_in_guillemets(chat_factory, people):
    chat = admin_chat(chat_factory, people)
    await compose(chat, text="Hướng dẫn số 12")
    await chat.press(BC.pack(SendBroadcast()))
    await chat.say("/broadcasts")
    assert "«Hướng dẫn số 12»" in chat.text


async def test_linkgroup_in_a_private_chat_explains_where_to_send_it(chat_factory, people):
    secretary = chat_factory(people["Trần Văn Đức"], "telegram")
    await secretary.say("/help")
    assert "/linkgroup" in secretary.text
    await secretary.say("/linkgroup")
    assert "gửi lệnh /linkgroup ngay trong nhóm đó" in secretary.text
    member = chat_factory(people["Nguyễn Thị Hồng Nhung"], "telegram")
    await member.say("/help")
    assert "/linkgroup" not in member.text
