"""`kiemdiem broadcast`: queue an announcement from files; the running bot sends it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from bot.cli import CommandError, _committee
from bot.config import Settings
from conversations.broadcasts.plan import MAX_TEXT, Audience, create_broadcast, plan
from conversations.core.i18n import Formatter
from conversations.core.text import clean_text
from storage.broadcasts import NewAttachment
from storage.db import open_database, utc_now
from storage.repos import Repos

MAX_ATTACHMENT = 50 * 1024 * 1024  # what a bot may send on Telegram


def add_parser(sub, _: Callable[[str], str]) -> None:
    b = sub.add_parser("broadcast", help=_("send an announcement to members (queued; the "
                       "running bot sends it and records every delivery)"))
    b.add_argument("--text-file", type=Path, required=True,
                   help=_("the announcement's text (UTF-8, sent as written)"))
    b.add_argument("--attach", type=Path, help=_("one document to send with it (PDF, .docx…)"))
    b.add_argument("--audience", nargs="+", default=["all"], metavar="WHO",
                   help=_("all | secretaries | groups (linked cell group chats only) | "
                   "cell:<name> (one or more)"))
    b.add_argument("--groups", action="store_true",
                   help=_("also post in the linked cell group chats"))
    b.add_argument("--committee", help=_("needed when there are several committees"))


def _read_text(path: Path, _) -> str:
    if not path.is_file():
        raise CommandError(_("{path}: no such file.").format(path=path))
    try:
        # utf-8-sig: Notepad's byte-order mark is not part of the text
        text = clean_text(path.read_text("utf-8-sig")).strip()
    except UnicodeDecodeError as exc:
        raise CommandError(_("{path}: not UTF-8 text; save it as UTF-8.").format(
            path=path)) from exc
    if not text:
        raise CommandError(_("{path}: the text is empty.").format(path=path))
    if len(text) > MAX_TEXT:
        raise CommandError(_(
            "{path}: the text is too long ({n} characters; at most {limit}). Shorten it or "
            "attach the details as a document with --attach."
        ).format(path=path, n=len(text), limit=MAX_TEXT))
    return text


def _attachment(path: Path | None, _) -> NewAttachment | None:
    if path is None:
        return None
    if not path.is_file():
        raise CommandError(_("{path}: no such file.").format(path=path))
    if path.stat().st_size > MAX_ATTACHMENT:
        raise CommandError(_("{path}: larger than 50 MB, the most a bot can send.").format(
            path=path))
    return NewAttachment(path.name, path.read_bytes())


async def _audience(repos: Repos, committee_id: int, words: list[str], groups: bool,
                    _) -> Audience:
    cells = {c.name.casefold(): c for c in await repos.org.cells(committee_id)}
    chosen: list[int] = []
    whole = set()
    for word in words:
        if word.startswith("cell:"):
            cell = cells.get(word[5:].strip().casefold())
            if cell is None:
                raise CommandError(_("No cell named «{cell}». The cells are: {names}.").format(
                    cell=word[5:].strip(),
                    names=", ".join(c.name for c in cells.values())))
            chosen.append(cell.id)
        elif word in ("all", "secretaries", "groups"):
            whole.add(word)
        else:
            raise CommandError(_(
                "Unknown audience «{word}»: use all, secretaries, groups or cell:<name>."
            ).format(word=word))
    if len(whole) + bool(chosen) > 1:
        raise CommandError(_("Choose one audience: all, secretaries, groups, or cells."))
    if chosen:
        return Audience("cells", tuple(chosen), groups)
    who = whole.pop() if whole else "all"
    return Audience("none", (), True) if who == "groups" else Audience(who, (), groups)


async def run_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    _ = Formatter(settings.language).gettext
    text = _read_text(args.text_file, _)
    attachment = _attachment(args.attach, _)
    db = await open_database(settings.db_path)
    try:
        repos = Repos.of(db)
        committee = await _committee(repos, args.committee, "Asia/Ho_Chi_Minh")
        audience = await _audience(repos, committee.id, args.audience, args.groups, _)
        found = await plan(repos, committee.id, audience)
        if found.total == 0:
            raise CommandError(_("Nobody would receive this announcement (no members or "
                                 "linked group chats in that audience)."))
        broadcast_id, added = await create_broadcast(
            repos, committee_id=committee.id, committee=committee.name, author_id=None,
            text=text, html=False, attachment=attachment, audience=audience, plan_=found,
            report=None, now=utc_now(),
        )
    finally:
        await db.close()
    print(_(
        "Announcement #{id} queued for {n} recipients ({unlinked} without a chat account). "
        "The running bot (kiemdiem run) sends it."
    ).format(id=broadcast_id, n=added, unlinked=found.unlinked))
    return 0
