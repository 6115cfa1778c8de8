"""Getting a cell onto Zalo (and Telegram): the message a secretary posts in the cell's
group, and a printable sheet of invitation slips, one per member, with QR codes.

Zalo has no start parameter in its links (as far as published): the Zalo QR code opens
the bot and the member types the code; the Telegram one carries the code itself.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from conversations.core.i18n import Formatter
from conversations.onboarding.invitations import MemberInvite, display_code, telegram_link

ZALO_LINK_ENV = "KIEMDIEM_ZALO_BOT_LINK"  # e.g. https://zalo.me/<the bot's id>; in Settings
QR_SIZE = Cm(3.2)


def group_post(fmt: Formatter, cell: str, zalo_link: str | None) -> str:
    """What the secretary posts in the cell's Zalo group: the bot's link and the code
    rule. No codes in it: each member gets their own, in person or by private message."""
    _ = fmt.gettext
    lines = [_("Dear comrades of {cell},").format(cell=cell),
             _("This year's self-review (kiểm điểm) can be written with the assistant on "
               "Zalo, step by step; every answer is saved at once.")]
    if zalo_link:
        lines.append(_("1. Open the assistant: {link}").format(link=zalo_link))
    else:
        lines.append(_("1. Open the assistant on Zalo (the secretary will send its link)."))
    lines += [_("2. Send it the invitation code the secretary gives you personally (one code "
                "per comrade; do not share it, and do not post it in this group)."),
              _("3. Follow its questions. Send /help at any time to see what it can do.")]
    return "\n".join(lines)


def write_slips(path: Path, listed: list[MemberInvite], fmt: Formatter,
                zalo_link: str | None, telegram_username: str | None) -> None:
    """A .docx of slips to cut apart: name, cell, code, expiry, and the QR codes."""
    _ = fmt.gettext
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.2)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)
    doc.add_paragraph().add_run(_("Invitation slips — cut along the lines")).bold = True
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"  # the lines to cut along
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(10), Cm(4), Cm(4))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for item in listed:
        row = table.add_row()
        _keep_together(row)
        text, zalo, telegram = row.cells
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width  # Word reads the cells' widths, LibreOffice the grid's
        _slip_text(text, item, fmt)
        _qr(zalo, zalo_link, "Zalo", _("ask the secretary for the link"))
        _qr(telegram, telegram_link(telegram_username, item.invite.code), "Telegram",
            _("link available once the bot has run"))
    doc.save(path)


def _slip_text(cell, item: MemberInvite, fmt: Formatter) -> None:
    _ = fmt.gettext
    first = cell.paragraphs[0]
    first.add_run(item.member.full_name).bold = True
    cell.add_paragraph(item.member.cell_name)
    code = cell.add_paragraph()
    code.add_run(_("Invitation code: "))
    run = code.add_run(display_code(item.invite.code))
    run.bold, run.font.size, run.font.name = True, Pt(16), "Courier New"
    cell.add_paragraph(_("Valid until {date}.").format(
        date=fmt.date(item.invite.expires_at.date())))
    cell.add_paragraph(_("Scan one of the QR codes beside this with your phone, or open the "
                         "assistant on Zalo or Telegram, then send it this invitation code."))


def _qr(cell, link: str | None, label: str, missing: str) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if link:
        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=8, border=2)
        image.seek(0)
        paragraph.add_run().add_picture(image, width=QR_SIZE, height=QR_SIZE)
        caption = cell.add_paragraph()
        caption.add_run(label).bold = True
    else:
        caption = cell.add_paragraph(f"{label}: {missing}")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _keep_together(row) -> None:
    """A slip is never split across two pages."""
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    properties.append(cant_split)
