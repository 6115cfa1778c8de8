"""The rating chain on Telegram: `kiemdiem run` in its own process against the fake Bot
API over real HTTP. The cell's list goes out as .xlsx and comes back as a document the
secretary sends; the quota warning; the committee accepts; members are told by the sender."""

from __future__ import annotations

import asyncio
import io
import sys
from datetime import timedelta

import openpyxl
import pytest

from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.onboarding.invitations import issue_invite
from conversations.ratings.actions import (
    AcceptCell,
    AgreeAll,
    CellDecisions,
    ConfirmList,
    SheetOut,
)
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, bot_run_env
from tests.rating_helpers import chain_org, pack
from tests.review_helpers import complete_and_submit
from tests.test_review_telegram import bound_user

FORMS = load_forms(BUILTIN_FORMS_DIR)
USERS = {"Trần Văn Đức": 7101, "Bùi Thị Mai": 7102, "Phan Văn An": 7103,
         "Đặng Quốc Bảo": 7104}


@pytest.fixture
async def prepared(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await open_database(path)
    repos = Repos.of(db)
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, ORG)
    people = await chain_org(repos, FORMS, utc_now, writing=("Phan Văn An",))
    codes = {name: (await issue_invite(repos, people[name].id, utc_now(),
                                       timedelta(days=30))).code for name in USERS}
    await db.close()
    return path, codes, people


@pytest.fixture
async def bot(fake, prepared, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=bot_run_env(fake.url, prepared[0]),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    yield proc
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


def filled(content: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, 4).value = sheet.cell(row, 3).value or "Hoàn thành nhiệm vụ"
        if sheet.cell(row, 2).value == "Phan Văn An":
            sheet.cell(row, 4).value = "Hoàn thành xuất sắc nhiệm vụ"
            sheet.cell(row, 6).value = "Sáng kiến được công nhận"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_chain_on_telegram(fake, prepared, bot):
    _path, codes, people = prepared
    users = {name: await bound_user(fake, uid, codes[name]) for name, uid in USERS.items()}
    secretary, admin = users["Trần Văn Đức"], users["Bùi Thị Mai"]
    cell_id = people["Trần Văn Đức"].cell_id

    # the wrong people: an ordinary member, another cell's secretary
    assert "do bí thư hoặc phó bí thư chi bộ ghi nhận" in (
        await users["Phan Văn An"].say("/proposals")).text
    assert "do quản trị viên của đảng ủy ghi nhận" in (
        await users["Đặng Quốc Bảo"].say("/decide")).text

    # self: the member's own review, through the bot
    await complete_and_submit(users["Phan Văn An"], FORMS.get(FORMS.default_version, "2B"))

    opened = await secretary.say("/proposals")
    assert "Chi bộ 1 — đề xuất xếp loại của chi bộ năm 2026" in opened.text
    assert "○ Phan Văn An: Tốt → —" in opened.text  # the level of the review just sent
    await secretary.press(pack(AgreeAll(cell_id)))
    out = await secretary.press(pack(SheetOut(cell_id)))
    [sent] = out.of("sendDocument")
    name, content = sent.files["document"]
    assert name.endswith(".xlsx")
    back = await secretary._step(  # the file back, as the answer the bot asked for
        lambda: fake.push_document(USERS["Trần Văn Đức"], name, filled(content)))
    assert "Đã ghi nhận từ tệp đề xuất của chi bộ cho 10 đồng chí." in back.text
    assert "Vượt tỷ lệ 1 đồng chí." in back.text and "tối đa 1 đồng chí" in back.text
    warned = await secretary.press(pack(ConfirmList(cell_id)))
    assert "Trước khi gửi" in warned.text
    confirmed = await secretary.press(pack(ConfirmList(cell_id, 1)))
    assert "Đã gửi đảng ủy đề xuất xếp loại của 10 đồng chí." in confirmed.text

    await admin.say("/decide")
    listed = await admin.press(pack(CellDecisions(cell_id)))
    assert "Phan Văn An: Tốt → Xuất sắc → —" in listed.text  # words, not «XS»
    warned = await admin.press(pack(AcceptCell(cell_id)))
    assert "Trước khi quyết định: Vượt tỷ lệ 1 đồng chí." in warned.text
    decided = await admin.press(pack(AcceptCell(cell_id, 1)))
    assert "Đã quyết định theo đề xuất của chi bộ cho 10 đồng chí" in decided.text

    # told by the sender, on their own chat, once
    an = USERS["Phan Văn An"]
    told = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == an
                               and "Đảng ủy đã quyết định xếp loại năm 2026" in c.params["text"],
                               timeout=15)
    assert told.params["text"].endswith("«Hoàn thành xuất sắc nhiệm vụ».")
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == USERS["Trần Văn Đức"]
                        and "xếp loại đảng viên của Chi bộ 1" in c.params["text"], timeout=15)
    await users["Phan Văn An"].say("/help")  # a barrier: the sender is done with the chat
    assert len([c for c in fake.calls_of("sendMessage") if c.params["chat_id"] == an
                and "Đảng ủy đã quyết định xếp loại" in c.params["text"]]) == 1
