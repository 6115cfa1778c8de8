"""`kiemdiem export`: the cell's (or every committee's) files written to a folder."""

from __future__ import annotations

import argparse
import io
import zipfile

from bot.cli import CommandError
from bot.config import Settings
from conversations.core.i18n import Formatter
from conversations.core.replies import Document
from conversations.secretary.files import cell_files, committee_files
from storage.db import open_database, utc_now
from storage.repos import Repos


def _empty_zip(document: Document) -> bool:
    if not document.filename.endswith(".zip"):
        return False
    with zipfile.ZipFile(io.BytesIO(document.content)) as archive:
        return not archive.namelist()


async def export_files(settings: Settings, args: argparse.Namespace) -> int:
    _ = Formatter(settings.language).gettext
    forms = settings.form_library()
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        documents: list[Document] = []
        cells = []
        for committee in await repos.org.committees():
            if args.cell is None:
                documents += await committee_files(repos, forms, committee, utc_now())
                continue
            for cell in await repos.org.cells(committee.id):
                cells.append(cell.name)
                if cell.name == args.cell.strip():
                    documents += await cell_files(repos, forms, cell, utc_now())
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
