"""Text with control characters: cleaned when it comes in, and documents still print when
an older row holds it."""

import asyncio
import io
import zipfile

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from bot.cli import main
from bot.demo_reviews import sample_review
from bot.member_file import read_member_file
from conversations.broadcasts.actions import (
    BROADCASTS,
    ChooseAudience,
    NoAttachment,
    SendBroadcast,
)
from conversations.core.text import clean_text
from conversations.review.actions import Confirm, Done, Propose, Skip, Submit
from conversations.secretary.actions import SECRETARY, ReviewCopy
from storage.db import open_database
from tests.review_helpers import SCORES, answer_for, answer_questions, press
from tests.secretary_helpers import link

# Word's soft line break (\x0b), a stray \x01 and a NUL, as copy-paste brings them
DIRTY = "Dòng một\x0bDòng hai\x01 và\x00 hết\r\nDòng ba\ud800\ufffe"
STORABLE = DIRTY.replace("\ud800", "")  # SQLite's UTF-8 cannot hold a lone surrogate


def _docx_text(content: bytes) -> str:
    doc = open_docx(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_clean_text_keeps_letters_newlines_and_tabs_only():
    assert clean_text(DIRTY) == "Dòng một\nDòng hai và hết\nDòng ba"
    assert clean_text("a\tb\nc\x85d\u2028e\x7f\x9f") == "a\tb\nc\nd\ne"
    assert clean_text("Tie\u0302\u0301n") == "Tiến"  # decomposed (NFD) becomes NFC


async def test_an_answer_with_control_characters_is_submitted_and_prints(
    repos, clock, forms, chat_factory, org,
):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    chat = chat_factory(await link(repos, clock, nhung), "telegram")
    form = forms.get(forms.default_version, nhung.form)
    await chat.say("/review")
    first_text = None
    for item in form.items:
        if item.kind == "score":
            await chat.say(SCORES[item.key])
        elif not item.required:
            await press(chat, Skip(item.key))
        else:
            first_text = first_text or item.key
            await chat.say(DIRTY if item.key == first_text else answer_for(item.key))
            await press(chat, Done(item.key))
    await answer_questions(chat, form)
    await press(chat, Propose("level", "good"))
    await press(chat, Submit("summary"))
    await press(chat, Confirm("summary"))
    document = next(r.document for r in chat.last if r.document)  # the confirmation came
    assert "Dòng hai và hết" in _docx_text(document.content)
    review = await repos.reviews.of_member(nhung.id, 2026)
    assert review.status == "submitted"
    assert review.answers[first_text].text == "Dòng một\nDòng hai và hết\nDòng ba"


@pytest.fixture
async def older_rows(repos, clock, forms, org):
    """A submitted review whose answers and member's name hold control characters, written
    straight into the database as rows from before the cleaning would be."""
    nhung = org["Nguyễn Thị Hồng Nhung"]
    review = await sample_review(repos, forms, nhung, clock())
    async with repos.db.write() as conn:
        await conn.execute("UPDATE answers SET text = ? WHERE review_id = ?",
                           (STORABLE, review.id))
        await conn.execute("UPDATE members SET workplace = ?, full_name = ? WHERE id = ?",
                           ("Trạm\x01 Y tế\x0b", "Nguyễn Thị Hồng\x01 Nhung", nhung.id))
    return nhung, review


async def test_older_rows_with_control_characters_still_print(
    repos, clock, chat_factory, org, older_rows,
):
    nhung, review = older_rows
    member = chat_factory(await link(repos, clock, nhung), "telegram")
    await member.say("/copy")
    assert "Dòng hai và hết" in _docx_text(member.last[0].document.content)

    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    replies = await secretary.press(SECRETARY.pack(ReviewCopy(review.id)))
    assert "Trạm Y tế" in _docx_text(replies[0].document.content)

    xlsx, archive = (r.document for r in await secretary.say("/export"))
    names = [r[1] for r in load_workbook(io.BytesIO(xlsx.content))["Danh sách"]
             .iter_rows(min_row=2, values_only=True)]
    assert "Nguyễn Thị Hồng Nhung" in names
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        [name] = files.namelist()
        assert name == "ban-kiem-diem-2026-Nguyễn-Thị-Hồng-Nhung.docx"
        assert "Dòng ba" in _docx_text(files.read(name))


async def test_command_line_export_of_older_rows(tmp_path, db, capsys, older_rows):
    out = tmp_path / "out"
    code = await asyncio.to_thread(main, ["--db", db.path, "export", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    with zipfile.ZipFile(next(out.glob("*.zip"))) as files:
        assert "Dòng một" in _docx_text(files.read(files.namelist()[0]))


def test_imported_names_and_fields_are_cleaned(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("cell,full_name,birth_date,form,workplace\n"
                    "Chi bộ\x01 1,Trần Văn\x0b Đức,1968-03-12,2A,UBND\x00 phường\n",
                    encoding="utf-8")
    [record] = read_member_file(path)
    assert (record.cell, record.full_name, record.workplace) == (
        "Chi bộ 1", "Trần Văn Đức", "UBND phường")


def test_broadcast_text_file_is_cleaned(tmp_path, capsys):
    db_path = tmp_path / "cli.sqlite3"
    members = tmp_path / "members.csv"
    members.write_text("cell,full_name,birth_date,form,role\n"
                       "Chi bộ 1,Trần Văn Đức,1968-03-12,2A,admin\n", encoding="utf-8")
    assert main(["--db", str(db_path), "import", str(members), "--committee", "Đảng ủy X"]) == 0
    text = tmp_path / "guidance.txt"
    text.write_bytes("\ufeffHọp chi bộ\x01 lúc 8 giờ\r\nTại hội trường\x0b".encode())
    assert main(["--db", str(db_path), "broadcast", "--text-file", str(text)]) == 0, (
        capsys.readouterr().err)

    async def stored() -> str:
        db = await open_database(db_path)
        try:
            return (await db.fetchone("SELECT text FROM broadcasts WHERE id = 1"))["text"]
        finally:
            await db.close()
    assert asyncio.run(stored()) == "Họp chi bộ lúc 8 giờ\nTại hội trường"


async def test_a_broadcast_typed_in_the_chat_is_cleaned(repos, clock, chat_factory, org):
    admin = chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    await admin.say("/broadcast")
    await admin.say("Họp chi bộ\x01 lúc 8 giờ\x0bTại hội trường")
    await admin.press(BROADCASTS.pack(NoAttachment()))
    await admin.press(BROADCASTS.pack(ChooseAudience("all")))
    await admin.press(BROADCASTS.pack(SendBroadcast()))
    stored = await repos.db.fetchone("SELECT text FROM broadcasts WHERE id = 1")
    assert stored["text"] == "Họp chi bộ lúc 8 giờ\nTại hội trường"
