"""`kiemdiem invites`: the post for each cell's Zalo group and the printable slips (a real
.docx opened back with python-docx; QR images compared with segno's for the same link)."""

from __future__ import annotations

import asyncio
import io

import segno
from docx import Document

from bot.cli import main
from conversations.onboarding.invitations import TELEGRAM_USERNAME_KEY
from storage.db import open_database
from storage.repos import Repos
from tests.test_cli import _import

ZALO = "https://zalo.me/1234567890123456789"


def _png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


async def _set_username(path: str) -> None:
    db = await open_database(path)
    try:
        await Repos.of(db).settings.set(TELEGRAM_USERNAME_KEY, "kiemdiem_bot")
    finally:
        await db.close()


def _slips(path) -> tuple[list[list[str]], list[list[bytes]]]:
    """Per slip (table row): the texts of its three cells, and its images' bytes."""
    document = Document(str(path))
    table = document.tables[0]
    parts = document.part.related_parts
    texts, images = [], []
    for row in table.rows:
        texts.append([cell.text for cell in row.cells])
        blips = row._tr.xpath(".//a:blip/@r:embed")
        images.append([parts[rid].blob for rid in blips])
    return texts, images


def test_docx_has_one_slip_per_member_with_both_qr_codes(tmp_path, capsys, monkeypatch):
    _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    db = str(tmp_path / "k.sqlite3")
    asyncio.run(_set_username(db))
    monkeypatch.setenv("KIEMDIEM_ZALO_BOT_LINK", ZALO)
    out = tmp_path / "slips.docx"
    assert main(["--db", db, "invites", "--format", "docx", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "invites", "--format", "csv"]) == 0
    codes = {line.split(",")[1]: line.split(",")[2]
             for line in capsys.readouterr().out.splitlines()[1:]}
    texts, images = _slips(out)
    assert [t[0].split("\n")[0] for t in texts] == list(codes)  # one slip each, same order
    for (text, zalo, telegram), pngs, (name, code) in zip(
            texts, images, codes.items(), strict=True):
        assert name in text and code in text and "Mã mời" in text
        assert zalo.strip() == "Zalo" and telegram.strip() == "Telegram"
        raw = code.replace("-", "")
        assert pngs == [_png(ZALO), _png(f"https://t.me/kiemdiem_bot?start={raw}")]


def test_docx_without_links_says_where_they_come_from(tmp_path, capsys, monkeypatch):
    _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    monkeypatch.delenv("KIEMDIEM_ZALO_BOT_LINK", raising=False)
    db = str(tmp_path / "k.sqlite3")
    out = tmp_path / "slips.docx"
    assert main(["--db", db, "invites", "--cell", "Chi bộ 1", "--format", "docx",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "KIEMDIEM_ZALO_BOT_LINK" in err
    texts, images = _slips(out)
    assert len(texts) == 2 and images == [[], []]
    assert "bí thư" in texts[0][1]
    assert main(["--db", db, "invites", "--format", "docx"]) == 2  # no --out
    assert "--out" in capsys.readouterr().err


def test_text_gives_each_cell_its_zalo_group_post(tmp_path, capsys, monkeypatch):
    _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    monkeypatch.setenv("KIEMDIEM_ZALO_BOT_LINK", ZALO)
    assert main(["--db", str(tmp_path / "k.sqlite3"), "invites"]) == 0
    result = capsys.readouterr()
    assert "KIEMDIEM_ZALO_BOT_LINK" not in result.err
    for cell in ("Chi bộ 1", "Chi bộ 2"):
        block = result.out.split(f"== {cell}\n", 1)[1]
        post = block.split("\n--\n", 1)[0]
        assert f"Kính gửi các đồng chí đảng viên {cell}" in post
        assert ZALO in post and "mã mời" in post
        codes = [line.split()[1] for line in block.split("\n--\n", 1)[1].splitlines()
                 if line.startswith("  mã ")]
        assert codes and not any(code in post for code in codes)  # no code in the post
