"""The `kiemdiem` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
from collections.abc import Awaitable
from pathlib import Path

from bot import campaign_cli
from bot.argparse_words import translate_argparse
from bot.campaign_cli import CampaignCommandError
from bot.cli_options import global_options, global_options_after_commands
from bot.cli_text import formatter, messages_in
from bot.config import DEMO_DB, ConfigError, Settings, config_check
from bot.invite_sheet import ZALO_LINK_ENV, group_post, write_slips
from bot.logs import setup_logging
from bot.member_file import ImportFileError, read_member_file
from conversations.core.heavy import close_shared_pool
from conversations.core.i18n import (
    N_,
    CataloguesMissingError,
    Formatter,
    check_catalogues,
)
from conversations.core.text import looks_like_formula, name_order
from conversations.forms.library import FormError
from conversations.onboarding.invitations import (
    TELEGRAM_USERNAME_KEY,
    MemberInvite,
    display_code,
    ensure_invites,
    telegram_link,
)
from storage.db import SchemaTooNewError, open_database, utc_now
from storage.models import Member
from storage.repos import Repos


def cli_language() -> str:
    """The language of --help and of the settings' problems, read before the settings are
    (KIEMDIEM_LANG): Vietnamese unless it says en. A value that is no language of ours is
    reported (in English, the message ids) rather than guessed."""
    chosen = os.environ.get("KIEMDIEM_LANG", "").strip().lower()
    return "vi" if chosen in ("", "vi") else "en"


class CommandError(Exception):
    """A mistake the operator can fix; printed without a traceback."""


def parser() -> argparse.ArgumentParser:
    fmt = formatter(cli_language())
    translate_argparse(fmt)
    _ = fmt.gettext
    p = argparse.ArgumentParser(
        prog="kiemdiem",
        description=_("Chat assistant for the Party members' yearly self-review "
        "(kiểm điểm, tự đánh giá, xếp loại chất lượng đảng viên)."),
    )
    global_options(p, _)
    p.add_argument("-v", "--verbose", action="store_true", help=_("log more"))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help=_("try the bot in this terminal with a sample committee"))
    demo.add_argument("--db", dest="demo_db", default=DEMO_DB,
                      help=_("demo database, recreated each time (default: {path})").format(
                          path=DEMO_DB))

    imp = sub.add_parser("import", help=_("load or update members from a .csv or .xlsx file"))
    imp.add_argument("file", type=Path, help=_("members file (see README for its columns)"))
    imp.add_argument("--committee", help=_("the committee (đảng ủy) the members belong to; "
                     "needed the first time, then defaults to the only committee"))
    imp.add_argument("--timezone", default="Asia/Ho_Chi_Minh",
                     help=_("the committee's time zone when it is created"))
    imp.add_argument("--place", help=_("the place written before the date on printed reviews, "
                     "e.g. \"Phường Hòa Bình\""))
    imp.add_argument("--remove-missing", action="store_true",
                     help=_("the file is the committee's full list: members not in it lose "
                     "their roles, chat accounts and place in open campaigns (their reviews "
                     "are kept)"))

    inv = sub.add_parser("invites", help=_("show each member's invitation code and link"))
    inv.add_argument("--cell", help=_("only this cell (chi bộ)"))
    inv.add_argument("--format", choices=("text", "csv", "docx"), default="text",
                     help=_("text: per cell, the post for its Zalo group and the codes; "
                          "docx: printable invitation slips with QR codes (needs --out)"))
    inv.add_argument("--out", type=Path, help=_("write to this file instead of the screen"))

    exp = sub.add_parser("export", help=_("write the .xlsx summary and the .zip of submitted "
                         "reviews (one cell, or every cell of each committee)"))
    exp.add_argument("--out", type=Path, required=True, help=_("the folder to write into"))
    exp.add_argument("--cell", help=_("only this cell (chi bộ)"))
    exp.add_argument("--papers", choices=("report", "results"),
                     help=_("instead: each cell's collective report draft (Mẫu 01), or the "
                            "committee's list of results (.xlsx and .docx)"))

    campaign_cli.add_parser(sub, _)
    sub.add_parser("run", help=_("run the bot on every configured channel "
                   "(Telegram: TELEGRAM_BOT_TOKEN)"))

    config = sub.add_parser("config", help=_("the settings in effect"))
    config.add_subparsers(dest="config_command", required=True, metavar="ACTION").add_parser(
        "check", help=_("print each setting with its source (secrets masked), or the problems"))

    from bot.broadcast_cli import add_parser as add_broadcast_parser
    from bot.data_cli import add_parsers as add_data_parsers

    add_broadcast_parser(sub, _)
    add_data_parsers(sub, _)
    from bot.proposals_cli import add_parser as add_proposals_parser

    add_proposals_parser(sub, _)
    global_options_after_commands(p, _)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.verbose)
    with messages_in(cli_language()):
        try:
            if args.command == "config":
                return config_check(args.config, args.db)
            settings = Settings.load(args.config, args.db)
        except ConfigError as exc:
            print("\n".join(f"kiemdiem: {p}" for p in exc.problems), file=sys.stderr)
            return 2
    with messages_in(settings.language):
        return _command(settings, args)


def _command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        check_catalogues()
        if args.command == "run":
            return run(settings)
        return asyncio.run(_closing_workers(COMMANDS[args.command](settings, args)))
    except (
        CommandError, ImportFileError, SchemaTooNewError, CataloguesMissingError, FormError,
        CampaignCommandError,
    ) as exc:
        print(f"kiemdiem: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _closing_workers(command: Awaitable[int]) -> int:
    """The command, then the end of the worker processes it used (documents, exports)
    before the interpreter exits (close_shared_pool says why)."""
    try:
        return await command
    finally:
        await close_shared_pool()


async def demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    await run_demo(args.demo_db, settings.form_library(), settings.language)
    return 0


async def import_members(settings: Settings, args: argparse.Namespace) -> int:
    fmt = Formatter(settings.language)
    _ = fmt.gettext
    records = read_member_file(args.file)  # raises with every bad row listed
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        committee = await _committee(repos, args.committee, args.timezone)
        if args.place:
            await repos.org.set_place(committee.id, args.place.strip())
        result = await repos.org.apply_import(committee.id, records)
        missing = await repos.org.not_listed(committee.id, records)
        if args.remove_missing:
            await repos.org.remove_members([m.id for m in missing], utc_now())
    finally:
        await db.close()
    print(_(
        "{file} imported into {committee}: {added} added, {updated} updated, "
        "{unchanged} unchanged ({cells} new cells)."
    ).format(file=args.file, committee=committee.name, added=result.added,
             updated=result.updated, unchanged=result.unchanged, cells=result.cells_added))
    if missing:
        print(_missing_report(missing, args.remove_missing, fmt))
    return 0


def _missing_report(missing: list[Member], removed: bool, fmt: Formatter) -> str:
    """Who the file leaves out: removed (--remove-missing), or listed with how to remove."""
    n = len(missing)
    names = "".join(f"\n  - {m.full_name} ({m.cell_name})" for m in missing)
    if removed:
        return fmt.ngettext(
            "{n} member is not in the file and was removed from the list (roles, chat "
            "accounts, unused invitation codes, place in open campaigns; submitted reviews "
            "are kept):",
            "{n} members are not in the file and were removed from the list (roles, chat "
            "accounts, unused invitation codes, place in open campaigns; submitted reviews "
            "are kept):", n,
        ).format(n=n) + names
    return fmt.ngettext(
        "{n} member on the list is not in this file:",
        "{n} members on the list are not in this file:", n,
    ).format(n=n) + names + "\n" + fmt.gettext(
        "If the file is the full list, import it again with --remove-missing: they lose "
        "their roles, chat accounts and place in open campaigns; their submitted reviews are "
        "kept."
    )


async def _committee(repos: Repos, name: str | None, timezone: str):
    _ = Formatter("vi").gettext
    if name:
        return await repos.org.ensure_committee(name.strip(), timezone)
    committees = await repos.org.committees()
    if len(committees) == 1:
        return committees[0]
    if not committees:
        raise CommandError(_(
            "No committee yet: give its name the first time, e.g. "
            "--committee \"Đảng ủy phường Hòa Bình\"."
        ))
    raise CommandError(_("Several committees exist; choose one with --committee: {names}").format(
        names=", ".join(c.name for c in committees)))


async def invites(settings: Settings, args: argparse.Namespace) -> int:
    fmt = Formatter(settings.language)
    if args.format == "docx" and not args.out:
        raise CommandError(fmt.gettext(
            "Printable slips need a file to write: add --out slips.docx"))
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        members, cell_names = [], []
        for committee in await repos.org.committees():
            for cell in await repos.org.cells(committee.id):
                cell_names.append(cell.name)
                if args.cell is None or cell.name == args.cell.strip():
                    members += sorted(
                        await repos.org.members_of_cell(cell.id),
                        key=lambda m: name_order(m.full_name),
                    )
        if args.cell and cell_names and args.cell.strip() not in cell_names:
            raise CommandError(fmt.gettext(
                "No cell named «{cell}». The cells are: {names}."
            ).format(cell=args.cell.strip(), names=", ".join(cell_names)))
        if not members:
            raise CommandError(fmt.gettext(
                "No members found{where}. Import members first: kiemdiem import members.csv"
            ).format(where=f" ({args.cell})" if args.cell else ""))
        username = await repos.settings.get(TELEGRAM_USERNAME_KEY)
        listed = await ensure_invites(repos, members, utc_now(), settings.invite_ttl)
    finally:
        await db.close()
    zalo_link = settings.zalo_bot_link
    if args.format == "docx":
        write_slips(args.out, listed, fmt, zalo_link, username)
        print(fmt.gettext("Written to {path}.").format(path=args.out))
    elif args.out:
        output = _render(args.format, listed, username, fmt, zalo_link)
        args.out.write_text(output, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(fmt.gettext("Written to {path}.").format(path=args.out))
    else:
        sys.stdout.write(_render(args.format, listed, username, fmt, zalo_link))
    if not zalo_link:
        print(fmt.gettext(
            "The Zalo link of the assistant is not set: set {name} (e.g. "
            "https://zalo.me/…) to put it in the group posts and on the slips."
        ).format(name=ZALO_LINK_ENV), file=sys.stderr)
    if not username:
        print(fmt.gettext(
            "Telegram links appear once the bot has run once (kiemdiem run)."
        ), file=sys.stderr)
    return 0


def _render(form: str, listed: list[MemberInvite], username: str | None, fmt: Formatter,
            zalo_link: str | None) -> str:
    if form == "csv":
        return _invites_csv(listed, username, fmt)
    return _invites_text(listed, username, fmt, zalo_link)


def _invites_text(listed: list[MemberInvite], username: str | None, fmt: Formatter,
                  zalo_link: str | None = None) -> str:
    _ = fmt.gettext
    out = io.StringIO()
    cell = None
    for item in listed:
        if item.member.cell_name != cell:
            cell = item.member.cell_name
            out.write(f"\n== {cell}\n")
            out.write("-- " + _("To post in the cell's Zalo group:") + "\n")
            out.write(group_post(fmt, cell, zalo_link) + "\n--\n")
        status = _("linked") if item.bound else _("not linked")
        out.write(f"{item.member.full_name}  [{status}]\n")
        out.write("  " + _("code {code}, valid until {date}").format(
            code=display_code(item.invite.code), date=fmt.date(item.invite.expires_at.date())
        ) + "\n")
        link = telegram_link(username, item.invite.code)
        if link:
            out.write(f"  {link}\n")
    return out.getvalue().lstrip("\n")


# The columns of `kiemdiem invites --format csv`, headed in the command's language.
INVITE_COLUMNS = {"cell": N_("Cell"), "full_name": N_("Full name"), "code": N_("Invitation code"),
                  "telegram_link": N_("Telegram link"), "expires_on": N_("Valid until"),
                  "linked": N_("Account linked")}


def _invites_csv(listed: list[MemberInvite], username: str | None, fmt: Formatter) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([fmt.gettext(heading) for heading in INVITE_COLUMNS.values()])
    linked = {True: fmt.gettext("Yes"), False: fmt.gettext("No")}
    for item in listed:
        writer.writerow([_csv_text(value) for value in (
            item.member.cell_name, item.member.full_name, display_code(item.invite.code),
            telegram_link(username, item.invite.code) or "",
            item.invite.expires_at.date().isoformat(), linked[item.bound],
        )])
    return out.getvalue()


def _csv_text(value: str) -> str:
    """A value a spreadsheet opening the CSV shows as text, never runs as a formula."""
    return "'" + value if looks_like_formula(value) else value


def run(settings: Settings) -> int:
    """Every configured channel in one process, until SIGTERM or SIGINT."""
    from bot.runtime import ChannelStartError, Runtime, configured_channels

    channels = configured_channels(settings)
    if not channels:
        raise CommandError(Formatter(settings.language).gettext(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, then: "
            "TELEGRAM_BOT_TOKEN=123:ABC kiemdiem run"
        ))
    runtime = Runtime.from_settings(settings, channels)
    try:
        asyncio.run(runtime.serve())
    except ChannelStartError as exc:
        raise CommandError(str(exc)) from None
    return 0


async def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.exporting import export_files

    return await export_files(settings, args)


async def backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot import data_cli

    return await data_cli.backup(settings, args)


async def migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    from bot import data_cli

    return await data_cli.migrate_db(settings, args)


async def member(settings: Settings, args: argparse.Namespace) -> int:
    from bot import data_cli

    return await data_cli.member(settings, args)


async def broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from bot.broadcast_cli import run_broadcast

    return await run_broadcast(settings, args)


async def proposals(settings: Settings, args: argparse.Namespace) -> int:
    from bot.proposals_cli import run_proposals

    return await run_proposals(settings, args)


COMMANDS = {"demo": demo, "import": import_members, "invites": invites, "export": export,
            "campaign": campaign_cli.campaign, "broadcast": broadcast, "backup": backup,
            "migrate-db": migrate_db, "member": member, "proposals": proposals}
