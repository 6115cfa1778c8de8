"""Reading what the papers need (on the event loop, a few queries per cell), then building
the documents in worker processes (core/heavy.py). Used by the chat
(paperwork/capability.py) and `kiemdiem export`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.core.heavy import RunHeavy, run_in_shared_pool
from conversations.core.replies import Document
from conversations.core.zones import local_today
from conversations.forms import rating
from conversations.forms.library import FormLibrary
from conversations.paperwork.chain import cell_chain, heading_of, secretary_name
from conversations.paperwork.figures import Results, cell_figures, cell_results
from conversations.paperwork.mau01 import mau01_docx
from conversations.paperwork.results import results_docx, results_xlsx
from conversations.secretary.files import levels_of, slug
from conversations.secretary.progress import cell_progress, committee_progress
from storage.models import Cell, Committee
from storage.repos import Repos


async def cell_report(repos: Repos, forms: FormLibrary, cell: Cell, now: datetime,
                      rule: rating.Quota | None = None,
                      run_heavy: RunHeavy = run_in_shared_pool) -> Document:
    """The draft of the cell's collective report (Mẫu 01, .docx)."""
    committee = await repos.org.committee(cell.committee_id)
    assert committee is not None
    today = local_today(now, ZoneInfo(committee.timezone))
    progress = await cell_progress(repos, forms, cell, today)
    chain = await cell_chain(repos, cell.id, progress.year)
    rated = (await repos.ratings.cell_ratings(committee.id, progress.year)).get(cell.id)
    heading = heading_of(committee, cell.name, progress.year, today, secretary_name(progress))
    figures = cell_figures(heading, progress,
                           chain, levels_of(forms), rule or rating.Quota(),
                           rated.level if rated else None)
    content = await run_heavy(mau01_docx, figures)  # in a worker process
    return Document(f"bao-cao-kiem-diem-tap-the-{progress.year}-{slug(cell.name)}.docx",
                    content)


async def committee_results(repos: Repos, forms: FormLibrary, committee: Committee,
                            now: datetime, rule: rating.Quota | None = None,
                            run_heavy: RunHeavy = run_in_shared_pool) -> list[Document]:
    """The committee's list of results, .xlsx then .docx."""
    today = local_today(now, ZoneInfo(committee.timezone))
    cells = sorted(await committee_progress(repos, forms, committee.id, today),
                   key=lambda p: p.cell.name)
    year = rating.review_year(today)
    ratings = await repos.ratings.cell_ratings(committee.id, year)
    levels = levels_of(forms)
    per_cell = []
    for progress in cells:
        rated = ratings.get(progress.cell.id)
        per_cell.append(cell_results(progress, await cell_chain(repos, progress.cell.id, year),
                                     levels, rated.level if rated else None))
    results = Results(heading_of(committee, None, year, today), tuple(levels),
                      tuple(per_cell), rule or rating.Quota())
    name = f"ket-qua-xep-loai-{year}-{slug(committee.name)}"
    xlsx = await run_heavy(results_xlsx, results)  # in worker processes
    docx = await run_heavy(results_docx, results)
    return [Document(f"{name}.xlsx", xlsx), Document(f"{name}.docx", docx)]
