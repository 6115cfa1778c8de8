"""`kiemdiem proposals export|import`: the cell's proposals as the .xlsx the secretary fills
in (the same file as in chat), for cells whose secretary has no Telegram."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.campaign_cli import _committee
from bot.cli import CommandError
from bot.config import Settings
from conversations.core.i18n import Formatter
from conversations.core.zones import local_today
from conversations.ratings import levels as lv
from conversations.ratings import sheet
from conversations.ratings.roster import Roster, load_roster
from storage.db import open_database, utc_now
from storage.repos import Repos


def add_parser(sub, _: Callable[[str], str]) -> None:
    p = sub.add_parser("proposals", help=_("the levels a cell proposes: export the .xlsx to "
                       "fill in, import it back (every row checked)"))
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    out = actions.add_parser("export", help=_("write the cell's list as .xlsx"))
    out.add_argument("file", type=Path, help=_("the .xlsx to write"))
    into = actions.add_parser("import", help=_("record the levels of a filled .xlsx"))
    into.add_argument("file", type=Path, help=_("the filled .xlsx"))
    into.add_argument("--confirm", action="store_true",
                      help=_("also send the cell's list to the committee (refused over the "
                             "quota unless --over-quota is given too)"))
    into.add_argument("--over-quota", action="store_true",
                      help=_("confirm even when «xuất sắc» is over the quota"))
    for each in (out, into):
        each.add_argument("--cell", required=True, help=_("the cell (chi bộ)"))
        each.add_argument("--committee", help=_("needed when there are several committees"))


async def _roster(repos: Repos, settings: Settings, args: argparse.Namespace, _) -> Roster:
    committee = await _committee(repos, args.committee, settings.language)
    cell = next((c for c in await repos.org.cells(committee.id)
                 if c.name.casefold() == args.cell.strip().casefold()), None)
    if cell is None:
        raise CommandError(_("No cell named “{name}”.").format(name=args.cell))
    today = local_today(utc_now(), ZoneInfo(committee.timezone))
    return await load_roster(repos, settings.form_library(), cell, today)


async def run_proposals(settings: Settings, args: argparse.Namespace) -> int:
    fmt = Formatter(settings.language)
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        r = await _roster(repos, settings, args, fmt.gettext)
        lines = await (_export if args.action == "export" else _import)(
            repos, settings, args, fmt, r)
    finally:
        await db.close()
    print("\n".join(lines))
    return 0


async def _export(_repos: Repos, settings: Settings, args: argparse.Namespace,
                  fmt: Formatter, r: Roster) -> list[str]:
    args.file.write_bytes(sheet.build(r, settings.form_library(), fmt.gettext))
    return [fmt.gettext("{path}: the list of {cell}, {n} members.").format(
        path=args.file, cell=r.cell.name, n=len(r.entries))]


async def _import(repos: Repos, settings: Settings, args: argparse.Namespace,
                  fmt: Formatter, r: Roster) -> list[str]:
    _ = fmt.gettext
    if not args.file.is_file():
        raise CommandError(_("{path}: no such file.").format(path=args.file))
    found = sheet.read(args.file.read_bytes(), r, settings.form_library(), _)
    if found.problems:
        raise CommandError("\n".join([f"{args.file}:", *found.problems]))
    before = r.proposed()
    changed = [r.entry(p.member_id).member.full_name for p in found.proposals
               if p.member_id in r.decisions and before.get(p.member_id) != p.level]
    if changed:  # the chat warns and tells the committee; a file from the shell cannot
        raise CommandError(_(
            "The committee has already decided the level of {names}. Change their "
            "proposals in the chat (/proposals), where the committee is told; nothing was "
            "recorded.").format(names=", ".join(changed)))
    now = utc_now()
    await repos.ratings.propose(r.cell.id, r.year, found.proposals, source="sheet", by=None,
                                now=now)
    proposed = {**r.proposed(), **{p.member_id: p.level for p in found.proposals}}
    lines = [fmt.ngettext("Recorded from the file: the cell's proposal for {n} member.",
                          "Recorded from the file: the cell's proposals for {n} members.",
                          len(found.proposals)).format(n=len(found.proposals))]
    warning = lv.over_quota(fmt, settings.quota, lv.counts(proposed),
                             settings.form_library())
    if warning:
        lines.append(warning)
    if not args.confirm:
        lines.append(_("Not yet sent to the committee: run again with --confirm, or confirm "
                       "in chat with /proposals."))
    elif len(proposed) < len(r.entries):
        raise CommandError("\n".join([*lines, _(
            "The list cannot be sent yet: {n} expected members have no proposal.").format(
            n=len(r.entries) - len(proposed))]))
    elif warning and not args.over_quota:
        raise CommandError("\n".join([*lines, _(
            "Not sent to the committee: add --over-quota to send it as it is.")]))
    else:
        await repos.ratings.confirm_proposals(r.cell.id, r.year, now)
        lines.append(_("Confirmed and sent to the committee."))
    return lines
