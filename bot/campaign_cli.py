"""`kiemdiem campaign create|list|show|close`: review campaigns from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.config import Settings
from conversations.campaigns.rules import (
    CampaignError,
    CampaignRequest,
    create_campaign,
    parse_date,
    parse_plan,
    parse_time,
)
from conversations.campaigns.view import describe, one_line
from conversations.core.i18n import Formatter
from storage.db import open_database, utc_now
from storage.models import Committee
from storage.repos import Repos


def add_parser(sub, _: Callable[[str], str]) -> None:
    p = sub.add_parser("campaign", help=_("create, list, show or close review campaigns"))
    p.add_argument("--committee", help=_("the committee (default: the only one)"))
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help=_("a new campaign; its expected members are "
                                "decided now"))
    create.add_argument("--name", required=True, help=_('e.g. "Kiểm điểm năm 2026"'))
    create.add_argument("--cells-deadline", required=True, help=_("YYYY-MM-DD or dd/mm/yyyy"))
    create.add_argument("--committee-deadline", required=True, help=_("YYYY-MM-DD or dd/mm/yyyy"))
    create.add_argument("--opens", help=_("the first day members may submit (default: today)"))
    create.add_argument("--form-version", help=_("default: the newest form version"))
    create.add_argument("--cell-deadline", action="append", default=[], metavar="CELL=DATE",
                        help=_('one cell\'s own deadline, e.g. "Chi bộ 1=28/11/2026" (repeatable)'))
    create.add_argument("--late", choices=("allow", "refuse"), default="allow",
                        help=_("after the deadline: accept marked late (default) or refuse"))
    create.add_argument("--reminder-days", default="7,3,1,0",
                        help=_("days before each cell's deadline to remind (default: 7,3,1,0)"))
    create.add_argument("--reminder-time", default="08:00", help=_("local time (default 08:00)"))
    create.add_argument("--quiet", default="21:00-07:00",
                        help=_("no messages between these local times (default: 21:00-07:00)"))
    actions.add_parser("list", help=_("the committee's campaigns"))
    show = actions.add_parser("show", help=_("deadlines, counts and the reminder plan"))
    show.add_argument("id", nargs="?", type=int, help=_("default: the open campaign"))
    close = actions.add_parser("close", help=_("stop submissions and reminders"))
    close.add_argument("id", type=int)


class CampaignCommandError(Exception):
    """Raised as bot.cli.CommandError's sibling: printed without a traceback, exit 2."""


async def campaign(settings: Settings, args: argparse.Namespace) -> int:
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        committee = await _committee(repos, args.committee, settings.language)
        fmt = Formatter(settings.language, committee.timezone)
        try:
            lines = await ACTIONS[args.action](repos, settings, committee, fmt, args)
        except CampaignError as exc:
            raise CampaignCommandError(exc.render(fmt.gettext)) from None
    finally:
        await db.close()
    print("\n".join(lines))
    return 0


async def _committee(repos: Repos, name: str | None, language: str) -> Committee:
    _ = Formatter(language).gettext
    if name:
        found = await repos.org.committee_by_name(name.strip())
        if found is None:
            raise CampaignCommandError(_("No committee named “{name}”.").format(name=name))
        return found
    committees = await repos.org.committees()
    if len(committees) != 1:
        raise CampaignCommandError(_(
            "Choose the committee with --committee (import members first if there is none)."))
    return committees[0]


async def _create(repos, settings, committee, fmt, args) -> list[str]:
    overrides = {}
    for item in args.cell_deadline:
        cell, sep, day = item.rpartition("=")
        if not sep or not cell.strip():
            raise CampaignCommandError(fmt.gettext(
                "Write a cell's deadline as \"Chi bộ 1=28/11/2026\", not “{text}”."
            ).format(text=item))
        overrides[cell.strip()] = parse_date(day)
    quiet_from, _sep, quiet_to = args.quiet.partition("-")
    request = CampaignRequest(
        args.name, parse_date(args.cells_deadline), parse_date(args.committee_deadline),
        parse_date(args.opens) if args.opens else None, args.form_version, args.late, overrides,
        parse_plan(args.reminder_days, args.reminder_time),
        (parse_time(quiet_from), parse_time(quiet_to)))
    created = await create_campaign(repos, settings.form_library(), committee, request,
                                    utc_now())
    return [fmt.gettext("Campaign created."), *await describe(repos, fmt, created, utc_now(),
                                                                show_version=True)]


async def _list(repos, settings, committee, fmt, args) -> list[str]:
    found = await repos.campaigns.of_committee(committee.id)
    if not found:
        return [fmt.gettext("No campaigns yet. Create one: kiemdiem campaign create --help")]
    return [one_line(fmt, c) for c in found]


async def _show(repos, settings, committee, fmt, args) -> list[str]:
    found = await repos.campaigns.of_committee(committee.id)
    chosen = next((c for c in found if c.id == args.id), None) if args.id else next(
        (c for c in found if c.is_open), None)
    if chosen is None:
        raise CampaignCommandError(fmt.gettext("No such campaign; see kiemdiem campaign list."))
    return await describe(repos, fmt, chosen, utc_now(), show_version=True)


async def _close(repos, settings, committee, fmt, args) -> list[str]:
    chosen = await repos.campaigns.get(args.id)
    if chosen is None or chosen.committee_id != committee.id:
        raise CampaignCommandError(fmt.gettext(
            "There is no campaign #{id}; see kiemdiem campaign list.").format(id=args.id))
    if not await repos.campaigns.close(chosen.id, utc_now()):
        raise CampaignCommandError(fmt.gettext("Campaign #{id} is already closed.").format(
            id=chosen.id))
    return [fmt.gettext("Campaign #{id} closed: no more submissions or reminders.").format(
        id=chosen.id)]


ACTIONS = {"create": _create, "list": _list, "show": _show, "close": _close}
