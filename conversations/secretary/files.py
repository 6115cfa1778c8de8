"""Gathering a cell's (or a committee's) reviews into the files secretaries hand over.

Used by the chat (/export) and by `kiemdiem export`; the bytes come from exports.py and
printable.py.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.core.context import Context
from conversations.core.heavy import RunHeavy, run_in_shared_pool
from conversations.core.replies import Choice, Document, Reply
from conversations.core.text import fold, name_order
from conversations.core.zones import local_today
from conversations.forms.library import FormLibrary
from conversations.paperwork import actions as paperwork
from conversations.paperwork.chain import (
    CellChain,
    capped_note,
    cell_chain,
    heading_of,
    secretary_name,
)
from conversations.review import steps as rs
from conversations.review.printable import review_documents
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
from storage.secretaries import SCORES

HANDED_IN = ("submitted", "accepted")


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
            HANDED_IN) else None
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
        if review is not None and review.status in HANDED_IN:
            removed.setdefault(member.cell_id, []).append(
                Entry(member, EXCLUDED, review, reason=REMOVED))
    return [replace(p, entries=p.entries + tuple(removed.get(p.cell.id, ()))) for p in cells]


# Reviews read, and printed by a worker, together: a small page keeps each step the loop
# takes (reading its rows, handing them over) well under a millisecond.
PAGE = 10
PAGES_AHEAD = 4   # pages read ahead of the printing: at most this many in memory


async def _zip_of(repos: Repos, forms: FormLibrary, committee: Committee, year: int,
                  cells: list[tuple[CellProgress, str]], run_heavy: RunHeavy) -> bytes:
    """One .zip of every handed-in review of these cells, each cell under its folder.

    The answers' texts are read a page at a time, only for these reviews, and each page
    is printed in a worker process while the next one is read; the loop only reads."""
    handed_in = [(folder, entry.member, entry.review.id)
                 for progress, folder in cells for entry in progress.entries
                 if entry.review is not None and entry.review.status in HANDED_IN]
    printing: deque[asyncio.Future[list[tuple[str, str, bytes]]]] = deque()
    files: list[tuple[str, str, bytes]] = []
    try:
        for start in range(0, len(handed_in), PAGE):
            page = handed_in[start:start + PAGE]
            reviews = await repos.secretaries.reviews_by_id(year, [r for _f, _m, r in page])
            still = [(folder, member, reviews[member.id]) for folder, member, _id in page
                     if member.id in reviews and reviews[member.id].status in HANDED_IN]
            printing.append(asyncio.ensure_future(
                run_heavy(review_documents, forms, committee, still)))
            if len(printing) >= PAGES_AHEAD:
                files += await printing.popleft()
        while printing:
            files += await printing.popleft()
    finally:
        for abandoned in printing:  # a page failed: the others are not waited for
            abandoned.cancel()
    return await run_heavy(docx_zip, files)


async def cell_files(repos: Repos, forms: FormLibrary, cell: Cell, now: datetime,
                     run_heavy: RunHeavy = run_in_shared_pool) -> list[Document]:
    """The cell's .xlsx and the .zip of its submitted reviews."""
    committee = await repos.org.committee(cell.committee_id)
    assert committee is not None
    zone = ZoneInfo(committee.timezone)
    [progress] = await _with_removed(repos, [await cell_progress(
        repos, forms, cell, local_today(now, zone), texts=SCORES)])
    heading = heading_of(committee, cell.name, progress.year, local_today(now, zone),
                         secretary_name(progress))
    name = f"kiem-diem-{progress.year}-{slug(cell.name)}"
    rows = export_rows(progress, forms, zone, await cell_chain(repos, cell.id, progress.year))
    # building the files is CPU work: in worker processes, so the bot keeps answering
    # everyone else meanwhile
    xlsx = await run_heavy(cell_xlsx, heading, rows, levels_of(forms))
    archive = await _zip_of(repos, forms, committee, progress.year, [(progress, "")],
                            run_heavy)
    return [Document(f"{name}.xlsx", xlsx), Document(f"{name}.zip", archive)]


async def committee_files(repos: Repos, forms: FormLibrary, committee: Committee,
                          now: datetime, run_heavy: RunHeavy = run_in_shared_pool
                          ) -> list[Document]:
    """The committee-wide .xlsx (summary + one sheet per cell) and one .zip of all reviews."""
    zone = ZoneInfo(committee.timezone)
    cells = await _with_removed(repos, await committee_progress(
        repos, forms, committee.id, local_today(now, zone), texts=SCORES))
    cells.sort(key=lambda p: p.cell.name)
    year = cells[0].year if cells else local_today(now, zone).year
    heading = heading_of(committee, None, year, local_today(now, zone))
    sheets = [(p.cell.name, export_rows(p, forms, zone, await cell_chain(repos, p.cell.id, year)))
              for p in cells]
    name = f"kiem-diem-{year}-{slug(committee.name)}"
    signers = {p.cell.name: secretary_name(p) for p in cells}
    xlsx = await run_heavy(committee_xlsx, heading, sheets, levels_of(forms), None, signers)
    archive = await _zip_of(repos, forms, committee, year,
                            [(p, slug(p.cell.name)) for p in cells], run_heavy)
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
    return _with_captions(ctx, await cell_files(ctx.repos, ctx.forms, cell, ctx.now,
                                                ctx.run_heavy), paperwork.offers(ctx, cell.id))


async def export_committee(ctx: Context) -> list[Reply]:
    me = ctx.member
    if me is None or not me.is_admin:
        return [not_yours(ctx)]
    committee = await ctx.repos.org.committee(me.committee_id)
    assert committee is not None
    return _with_captions(ctx, await committee_files(ctx.repos, ctx.forms, committee, ctx.now,
                                                     ctx.run_heavy), paperwork.offers(ctx, None))


def _with_captions(ctx: Context, documents: list[Document],
                   offers: tuple[tuple[Choice, ...], ...]) -> list[Reply]:
    """The files, the last one with the papers offered beside them."""
    _ = ctx._
    captions = (_("Summary (.xlsx): one row per member, counts and the quota check."),
                _("Every submitted self-review (.docx) in one .zip."))
    replies = [Reply(caption, document=replace(doc, caption=caption))
               for doc, caption in zip(documents, captions, strict=True)]
    return [*replies[:-1], replace(replies[-1], choices=offers)]
