"""Data care on the command line: `kiemdiem backup`, `kiemdiem migrate-db` and
`kiemdiem member forget` (storage/transfer.py and storage/forget.py do the work)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import shlex
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.cli import CommandError
from bot.config import Settings
from bot.member_values import BadValue, date_value
from conversations.core.i18n import Formatter
from conversations.onboarding.invitations import normalise_code
from handlers.redact import redact, register_secret
from storage.db import open_database, utc_now
from storage.forget import MemberNotFoundError, find_member, forget_member, member_data
from storage.transfer import TargetNotEmptyError, backup_sqlite, copy_to_postgres
from storage.urls import is_postgres_url, masked, password

if TYPE_CHECKING:
    from storage.pg import PgDatabase

CONFIRM_WORD = "XOA"  # typed to confirm an erasure (no diacritics: any keyboard)


def add_parsers(sub, _: Callable[[str], str]) -> None:
    backup = sub.add_parser("backup", help=_(
        "copy the database to a file while the bot runs (PostgreSQL: prints the pg_dump "
        "command)"))
    backup.add_argument("path", type=Path, help=_("the backup file to write"))

    move = sub.add_parser("migrate-db", help=_(
        "copy everything from the SQLite database (--db) into an empty PostgreSQL database"))
    move.add_argument("--to", required=True, metavar="postgresql://…",
                      help=_("the PostgreSQL database (its tables are created first)"))
    move.add_argument("--replace", action="store_true",
                      help=_("empty the PostgreSQL database first if it already holds rows"))

    member = sub.add_parser("member", help=_("one member's data"))
    forget = member.add_subparsers(dest="member_command", required=True,
                                   metavar="ACTION").add_parser(
        "forget", help=_("delete a member's personal data on request (shown, then confirmed)"))
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--id", type=int, help=_("the member's number in the database"))
    who.add_argument("--code", help=_("one of the member's invitation codes"))
    who.add_argument("--name", help=_("the member's full name, with --born"))
    forget.add_argument("--born", help=_("the member's date of birth, e.g. 02/07/1985"))
    forget.add_argument("--yes", action="store_true",
                        help=_("do not ask for confirmation (for scripts)"))
    forget.add_argument("--by", help=_("who asked for it, recorded with the erasure "
                                       "(default: the system user)"))


async def backup(settings: Settings, args: argparse.Namespace) -> int:
    _ = Formatter(settings.language).gettext
    if is_postgres_url(settings.db_path):
        print(pg_dump_command(settings.db_path, args.path))
        print(_("Run this command on a machine that reaches the database. The password is "
                "not shown: give it in the PGPASSWORD variable or in ~/.pgpass. Restore with "
                "pg_restore --dbname=… {path}.").format(path=args.path))
        return 0
    # blocking file work, off the event loop
    return await asyncio.to_thread(_backup_file, Path(settings.db_path), args.path, _)


def _backup_file(source: Path, target: Path, _: Callable[[str], str]) -> int:
    if not source.is_file():
        raise CommandError(_("{path}: no such database file.").format(path=source))
    if target.resolve() == source.resolve():
        raise CommandError(_("The backup must go to another file than the database."))
    summary = backup_sqlite(str(source), target)
    print(_("Backup written to {path} and checked: size {size}; tables: {tables}; rows: "
            "{rows}. To restore, stop the bot and copy it over {db}.").format(
        path=summary.path.resolve(), size=_size(summary.size_bytes), tables=summary.tables,
        rows=summary.rows, db=source.resolve()))
    return 0


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


def pg_dump_command(url: str, path: Path) -> str:
    """The pg_dump command for the database of `url`, without its password."""
    parts = urlsplit(url)
    words = ["pg_dump", "--format=custom", f"--file={path}"]
    if parts.hostname:
        words.append(f"--host={parts.hostname}")
    if parts.port:
        words.append(f"--port={parts.port}")
    if parts.username:
        words.append(f"--username={parts.username}")
    words.append(f"--dbname={parts.path.lstrip('/') or 'postgres'}")
    return shlex.join(words)


async def migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    _ = Formatter(settings.language).gettext
    if is_postgres_url(settings.db_path):
        raise CommandError(_("migrate-db copies from a SQLite file: give it with --db."))
    if not is_postgres_url(args.to):
        raise CommandError(_("--to must be a postgresql:// address."))
    if not await asyncio.to_thread(Path(settings.db_path).is_file):
        raise CommandError(_("{path}: no such database file.").format(path=settings.db_path))

    register_secret(password(args.to))  # driver errors may quote the URL
    source = await open_database(settings.db_path)
    try:
        target = await _connect(args.to, _)
        try:
            copies = await copy_to_postgres(source, target, replace=args.replace)
        except TargetNotEmptyError as exc:
            raise CommandError(_(
                "{url} already holds rows: {tables}. Give an empty database, or add "
                "--replace to empty it first.").format(url=masked(args.to), tables=exc)) from None
        finally:
            await target.close()
    finally:
        await source.close()
    width = max(len(c.table) for c in copies)
    for c in copies:
        mark = "ok" if c.ok else _("DIFFERENT")
        print(f"{c.table:<{width}}  {c.source_rows:>9} → {c.target_rows:>9}  {mark}")
    if not all(c.ok for c in copies):
        raise CommandError(_("The row counts differ (see above); do not switch to {url}.")
                           .format(url=masked(args.to)))
    print(_("Copied into {url}, rows: {n}; every table has the same count. Stop the bot, "
            "set KIEMDIEM_DATABASE_URL, start it again.").format(
        n=sum(c.target_rows for c in copies), url=masked(args.to)))
    return 0


async def _connect(url: str, _: Callable[[str], str]) -> PgDatabase:
    import asyncpg  # loaded only here: PostgreSQL is optional

    from storage.database import DatabaseUnavailable
    from storage.pg import open_pg_database

    try:
        return await open_pg_database(url)
    except (OSError, DatabaseUnavailable, asyncpg.PostgresError,
            asyncpg.InterfaceError) as exc:
        raise CommandError(_("Cannot connect to {url}: {reason}").format(
            url=masked(url), reason=redact(str(exc)) or type(exc).__name__)) from None


async def member(settings: Settings, args: argparse.Namespace) -> int:
    fmt = Formatter(settings.language)
    _ = fmt.gettext
    db = await open_database(settings.db_path)
    try:
        member_id = await _find(db, args, _)
        data = await member_data(db, member_id)
        print(_("Member {id}: {name}, born {born}, {cell}.").format(
            id=data.member_id, name=data.full_name, born=_birth_date(data.birth_date, fmt),
            cell=data.cell_name))
        print(_("To be deleted: name, date of birth, workplace and posts; chat accounts: "
                "{accounts}; invitation codes: {invites}; the text of the answers: {answers} "
                "(reviews: {reviews}); messages queued or sent to the member: {queued}. Kept: "
                "each review's status and level, so the cell's figures stay the same.").format(
            accounts=data.accounts, invites=data.invites, answers=data.answers,
            reviews=data.reviews, queued=data.queued))
        if data.forgotten:
            print(_("This member's data was already deleted once; it is deleted again."))
        if not args.yes and not _confirmed(_):
            print(_("Nothing was deleted."))
            return 1
        by = args.by or getpass.getuser()
        await forget_member(db, member_id, utc_now(), by,
                            f"kiemdiem member forget --id {member_id}")
    finally:
        await db.close()
    print(_("Deleted. Recorded as erasure of member {id} by {by}; remove the member from "
            "the members file too, or the next import adds them again.").format(
        id=member_id, by=by))
    return 0


def _birth_date(stored: str, fmt: Formatter) -> str:
    """As people write it (02/07/1985 in Vietnamese), from the stored 1985-07-02."""
    try:
        return fmt.date(date.fromisoformat(stored))
    except ValueError:  # not a date: shown as stored rather than hidden
        return stored


async def _find(db, args: argparse.Namespace, _: Callable[[str], str]) -> int:
    try:
        if args.code is not None:
            code = normalise_code(args.code)
            if code is None:
                raise CommandError(_("{code} is not an invitation code.").format(code=args.code))
            return await find_member(db, code=code)
        if args.name is not None:
            if not args.born:
                raise CommandError(_("With --name, give the date of birth too: --born 02/07/1985"))
            try:
                born = date_value(args.born, "--born")
            except BadValue as exc:
                raise CommandError(str(exc)) from None
            return await find_member(db, name=args.name.strip(), born=born)
        return await find_member(db, member_id=args.id)
    except MemberNotFoundError as exc:
        if str(exc):
            raise CommandError(_("Several members have this name and date of birth; choose "
                                 "one with --id: {ids}").format(ids=exc)) from None
        raise CommandError(_("No such member.")) from None


def _confirmed(_: Callable[[str], str]) -> bool:
    print(_("Type {word} to delete, anything else to stop:").format(word=CONFIRM_WORD),
          end=" ", flush=True)
    answer = sys.stdin.readline()  # "" at the end of input: not confirmed
    return answer.strip().upper() == CONFIRM_WORD
