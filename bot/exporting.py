"""`kiemdiem export`: the cell's (or every committee's) files written to a folder; with
`--papers`, the papers sent up instead: each cell's Mẫu 01 draft, or the list of results."""

from __future__ import annotations

import argparse
import io
import zipfile

from bot.cli import CommandError
from bot.config import Settings
from conversations.core.i18n import Formatter
from conversations.core.replies import Document
from conversations.forms.library import FormLibrary
from conversations.forms.rating import Quota
from conversations.paperwork.gather import cell_report, committee_results
from conversations.secretary.files import cell_files, committee_files
from storage.db import open_database, utc_now
from storage.models import Cell, Committee
from storage.repos import Repos


def _empty_zip(document: Document) -> bool:
    if not document.filename.endswith(".zip"):
        return False
    with zipfile.ZipFile(io.BytesIO(document.content)) as archive:
        return not archive.namelist()


async def _committee_papers(repos: Repos, forms: FormLibrary, committee: Committee,
                            papers: str | None, rule: Quota) -> list[Document]:
    if papers == "results":
        return await committee_results(repos, forms, committee, utc_now(), rule)
    if papers == "report":
        return [await cell_report(repos, forms, cell, utc_now(), rule)
                for cell in await repos.org.cells(committee.id)]
    return await committee_files(repos, forms, committee, utc_now())


async def _cell_papers(repos: Repos, forms: FormLibrary, cell: Cell, papers: str | None,
                       rule: Quota) -> list[Document]:
    if papers == "results":  # the list is the committee's: the cell's committee's list
        committee = await repos.org.committee(cell.committee_id)
        assert committee is not None
        return await committee_results(repos, forms, committee, utc_now(), rule)
    if papers == "report":
        return [await cell_report(repos, forms, cell, utc_now(), rule)]
    return await cell_files(repos, forms, cell, utc_now())


async def export_files(settings: Settings, args: argparse.Namespace) -> int:
    _ = Formatter(settings.language).gettext
    forms = settings.form_library()
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        documents: list[Document] = []
        cells = []
        for committee in await repos.org.committees():
            papers = args.papers
            if args.cell is None:
                documents += await _committee_papers(repos, forms, committee, papers,
                                                     settings.quota)
                continue
            for cell in await repos.org.cells(committee.id):
                cells.append(cell.name)
                if cell.name == args.cell.strip():
                    documents += await _cell_papers(repos, forms, cell, papers, settings.quota)
    finally:
        await db.close()
    if not documents:
        raise CommandError(_("No cell named «{cell}». The cells are: {names}.").format(
            cell=args.cell, names=", ".join(cells)) if args.cell else _(
            "No committee yet. Import members first: kiemdiem import members.csv"))
    args.out.mkdir(parents=True, exist_ok=True)
    for document in documents:
        if _empty_zip(document):
            print(_("No submitted review yet: {name} was not written.").format(
                name=document.filename))
            continue
        path = args.out / document.filename
        path.write_bytes(document.content)
        print(_("Written to {path}.").format(path=path))
    return 0
