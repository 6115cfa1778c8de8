"""Gathering a cell's (or a committee's) reviews into the files secretaries hand over.

Used by the chat (/export) and by `kiemdiem export`; the bytes come from exports.py and
printable.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.core.context import Context
from conversations.core.replies import Choice, Document, Reply
from conversations.core.text import fold, name_order
from conversations.core.zones import local_today
from conversations.forms.library import FormLibrary
from conversations.paperwork import actions as paperwork
from conversations.paperwork.chain import CellChain, capped_note, cell_chain, heading_of
from conversations.review import steps as rs
from conversations.review.printable import review_document
from conversations.secretary.exports import REMOVED, ExportRow, cell_xlsx, committee_xlsx, docx_zip
from conversations.secretary.progress import (
    EXCLUDED,
    NOT_STARTED,
    CellProgress,
    Entry,
    cell_progress,
    committee_progress,
)
from conversations.secretary.scope import leaders_only, led_cell, not_yours
from storage.models import Cell, Committee
from storage.repos import Repos


def slug(text: str) -> str:
    """An ASCII file name part: 'Chi bộ Khu phố 1' -> 'chi-bo-khu-pho-1'."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())


def export_rows(progress: CellProgress, forms: FormLibrary, zone: ZoneInfo,
                chain: CellChain | None = None) -> list[ExportRow]:
    """One row per member, in list order (by given name), whatever their state, with the
    cell's and the committee's levels where `chain` has them."""
    rows = []
    chain = chain or CellChain()
    for entry in sorted(progress.entries, key=lambda e: name_order(e.member.full_name)):
        review, member = entry.review, entry.member
        status = EXCLUDED if entry.group == EXCLUDED else (
            review.status if review else NOT_STARTED)
        general = tasks = None
        level_label = ""
        form = None
        if review is not None:
            form = forms.get(review.form_version, review.form_code)
            scores = rs.scores(form, review)
            keys = [item.key for item in form.score_items] + ["", ""]
            general, tasks = scores.get(keys[0]), scores.get(keys[1])  # the form's order
            level = next((lv for lv in form.levels if lv.key == review.level), None)
            level_label = level.label("vi") if level else ""
        submitted = review.submitted_at if review and review.status in (
            "submitted", "accepted") else None
        rows.append(ExportRow(
            member.full_name, member.form, status,
            (submitted.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
             if submitted else None),
            general, tasks, review.level if review else None, entry.reason, level_label,
            chain.of(member.id).cell, chain.of(member.id).cell_confirmed,
            chain.of(member.id).committee, capped_note(form, review, chain, member.id),
        ))
    return rows


def levels_of(forms: FormLibrary) -> list[tuple[str, str]]:
    form = forms.get(forms.default_version, forms.codes(forms.default_version)[0])
    return [(level.key, level.label("vi")) for level in form.levels]


async def _with_removed(repos: Repos, cells: list[CellProgress]) -> list[CellProgress]:
    """Members taken off the list keep their handed-in reviews in the files (marked so)."""
    if not cells:
        return cells
    committee_id = cells[0].cell.committee_id
    removed: dict[int, list[Entry]] = {}
    for member in await repos.org.removed_members(committee_id):
        review = await repos.reviews.of_member(member.id, cells[0].year)
        if review is not None and review.status in ("submitted", "accepted"):
            removed.setdefault(member.cell_id, []).append(
                Entry(member, EXCLUDED, review, reason=REMOVED))
    return [replace(p, entries=p.entries + tuple(removed.get(p.cell.id, ()))) for p in cells]


def _zip_of(cells: list[tuple[CellProgress, str]], forms: FormLibrary, committee: Committee
            ) -> bytes:
    """One .zip of every handed-in review of these cells, each cell under its folder."""
    files = []
    for progress, folder in cells:
        for entry in progress.entries:
            if entry.review is not None and entry.review.status in ("submitted", "accepted"):
                doc = review_document(forms, entry.member, committee, entry.review)
                files.append((folder, doc.filename, doc.content))
    return docx_zip(files)


async def cell_files(repos: Repos, forms: FormLibrary, cell: Cell, now: datetime
                     ) -> list[Document]:
    """The cell's .xlsx and the .zip of its submitted reviews."""
    committee = await repos.org.committee(cell.committee_id)
    assert committee is not None
    zone = ZoneInfo(committee.timezone)
    [progress] = await _with_removed(
        repos, [await cell_progress(repos, forms, cell, local_today(now, zone), texts=True)])
    heading = heading_of(committee, cell.name, progress.year, local_today(now, zone))
    name = f"kiem-diem-{progress.year}-{slug(cell.name)}"
    rows = export_rows(progress, forms, zone, await cell_chain(repos, cell.id, progress.year))
    # building the files is CPU work (~0.1 s per .docx): off the event loop, so the bot
    # keeps answering everyone else meanwhile
    xlsx = await asyncio.to_thread(cell_xlsx, heading, rows, levels_of(forms))
    archive = await asyncio.to_thread(_zip_of, [(progress, "")], forms, committee)
    return [Document(f"{name}.xlsx", xlsx), Document(f"{name}.zip", archive)]


async def committee_files(repos: Repos, forms: FormLibrary, committee: Committee,
                          now: datetime) -> list[Document]:
    """The committee-wide .xlsx (summary + one sheet per cell) and one .zip of all reviews."""
    zone = ZoneInfo(committee.timezone)
    cells = await _with_removed(
        repos, await committee_progress(repos, forms, committee.id, local_today(now, zone)))
    cells.sort(key=lambda p: p.cell.name)
    year = cells[0].year if cells else local_today(now, zone).year
    heading = heading_of(committee, None, year, local_today(now, zone))
    sheets = [(p.cell.name, export_rows(p, forms, zone, await cell_chain(repos, p.cell.id, year)))
              for p in cells]
    name = f"kiem-diem-{year}-{slug(committee.name)}"
    xlsx = await asyncio.to_thread(committee_xlsx, heading, sheets, levels_of(forms))
    archive = await asyncio.to_thread(
        _zip_of, [(p, slug(p.cell.name)) for p in cells], forms, committee)
    return [Document(f"{name}.xlsx", xlsx), Document(f"{name}.zip", archive)]


# in the chat: /export, and the buttons of the progress views

async def export_command(ctx: Context, _args: str = "") -> list[Reply]:
    me = ctx.member
    if me and me.is_cell_secretary:
        return await export_cell(ctx, me.cell_id)
    if me and me.is_admin:
        return await export_committee(ctx)
    return [leaders_only(ctx)]


async def export_cell(ctx: Context, cell_id: int) -> list[Reply]:
    cell = await led_cell(ctx, cell_id)
    if cell is None:
        return [not_yours(ctx)]
    return _with_captions(ctx, await cell_files(ctx.repos, ctx.forms, cell, ctx.now),
                          paperwork.offers(ctx, cell.id))


async def export_committee(ctx: Context) -> list[Reply]:
    me = ctx.member
    if me is None or not me.is_admin:
        return [not_yours(ctx)]
    committee = await ctx.repos.org.committee(me.committee_id)
    assert committee is not None
    return _with_captions(ctx, await committee_files(ctx.repos, ctx.forms, committee, ctx.now),
                          paperwork.offers(ctx, None))


def _with_captions(ctx: Context, documents: list[Document],
                   offers: tuple[tuple[Choice, ...], ...]) -> list[Reply]:
    """The files, the last one with the papers offered beside them."""
    _ = ctx._
    captions = (_("Summary (.xlsx): one row per member, counts and the quota check."),
                _("Every submitted self-review (.docx) in one .zip."))
    replies = [Reply(caption, document=replace(doc, caption=caption))
               for doc, caption in zip(documents, captions, strict=True)]
    return [*replies[:-1], replace(replies[-1], choices=offers)]
