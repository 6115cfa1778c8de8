"""Broadcast figures for people: the progress message, the final report, the lists."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from html import unescape

from conversations.broadcasts.actions import BROADCASTS, ShowUnreached
from conversations.core.channel_choice import CHANNEL_NAMES
from conversations.core.context import Context
from conversations.core.i18n import Formatter
from conversations.core.replies import Choice, Reply, rows
from conversations.core.text import progress_bar
from storage.broadcasts import Broadcast


def left(counts: dict[str, int]) -> int:
    return counts["pending"] + counts["sending"]


def progress_text(fmt: Formatter, broadcast: Broadcast, counts: dict[str, int],
                  now: datetime) -> str:
    _ = fmt.gettext
    total = sum(counts.values())
    remaining = left(counts)
    done = total - remaining
    lines = [
        _("Sending announcement #{id}: {done} of {total}").format(
            id=broadcast.id, done=done, total=total),
        progress_bar(done / total if total else 1.0, fill="█"),
        _figures(fmt, counts),
    ]
    elapsed = (now - broadcast.created_at).total_seconds()
    if done and remaining and elapsed > 0:
        eta = timedelta(seconds=remaining * elapsed / done)
        lines.append(_("About {time} left.").format(time=fmt.duration(eta)))
    return "\n".join(lines)


def report_text(fmt: Formatter, broadcast: Broadcast, counts: dict[str, int],
                sent_by_channel: Mapping[str, int] | None = None) -> str:
    _ = fmt.gettext
    lines = [
        _("Announcement #{id} has been sent.").format(id=broadcast.id),
        progress_bar(1.0, fill="█"),
        _figures(fmt, counts),
    ]
    if by_channel := channel_figures(fmt, sent_by_channel or {}):
        lines.append(by_channel)
    if counts["failed"] or counts["unreachable"] or counts["expired"]:
        lines.append(_("Send /broadcasts to see who was not reached."))
    return "\n".join(lines)


def _figures(fmt: Formatter, counts: dict[str, int]) -> str:
    text = fmt.gettext(
        "Sent {sent} · failed {failed} · unreachable {unreachable} · left {left}"
    ).format(sent=counts["sent"], failed=counts["failed"],
             unreachable=counts["unreachable"], left=left(counts))
    if counts["expired"]:  # not delivered before it expired (a long outage)
        text += " · " + fmt.gettext("expired {n}").format(n=counts["expired"])
    return text


def channel_figures(fmt: Formatter, sent: Mapping[str, int]) -> str:
    """'Delivered: Telegram 3 · Zalo 5' once anything went out on Zalo (reports of a
    Telegram-only committee stay as they were)."""
    if not sent.get("zalo"):
        return ""
    channels = ["telegram", "zalo", *sorted(set(sent) - {"telegram", "zalo"})]
    figures = " · ".join(f"{CHANNEL_NAMES.get(c, c)} {sent.get(c, 0)}" for c in channels)
    return fmt.gettext("Delivered: {figures}").format(figures=figures)


def audience_label(ctx: Context, audience: dict, cell_names: dict[int, str]) -> str:
    _ = ctx._
    who = audience.get("who")
    if who == "secretaries":
        label = _("cell secretaries")
    elif who == "cells":
        label = ", ".join(cell_names.get(c, "?") for c in audience.get("cells", []))
    elif who == "none":
        label = _("cell group chats")
    else:
        label = _("all members")
    if audience.get("groups") and who != "none":
        label += " + " + _("cell group chats")
    return label


async def list_broadcasts(ctx: Context) -> Reply:
    """Past broadcasts with their figures: the committee's for an admin, the cell's own
    share for a secretary."""
    _ = ctx._
    member = ctx.member
    assert member is not None
    own_cell = None if member.is_admin else member.cell_id
    if own_cell is not None and not member.is_cell_secretary:
        return Reply(_("Only committee administrators and cell secretaries can see "
                       "the announcements' delivery figures."))
    repos = ctx.repos
    broadcasts = await repos.broadcasts.recent(member.committee_id)
    if not broadcasts:
        return Reply(_("No announcements have been sent yet."))
    cells = {c.id: c.name for c in await repos.org.cells(member.committee_id)}
    lines = [_("Announcements (latest first):") if own_cell is None else
             _("Announcements, figures for {cell}:").format(cell=member.cell_name)]
    buttons = []
    for b in broadcasts:
        counts = await repos.broadcasts.counts(b.id, own_cell)
        total = sum(counts.values())
        if own_cell is not None and total == 0:
            continue
        first_line = _snippet(b.text, b.html)
        lines.append("")
        lines.append(f"#{b.id} · {ctx.fmt.datetime(b.created_at)} · "
                     f"{audience_label(ctx, b.audience, cells)}")
        lines.append(f"  «{first_line}»")
        lines.append("  " + _figures(ctx.fmt, counts))
        if by_channel := channel_figures(
                ctx.fmt, await repos.broadcasts.sent_by_channel(b.id, own_cell)):
            lines.append("  " + by_channel)
        if counts["failed"] or counts["unreachable"] or counts["expired"]:
            buttons.append(Choice(_("Not reached — #{id}").format(id=b.id),
                                  BROADCASTS.pack(ShowUnreached(b.id))))
    return Reply("\n".join(lines), rows(*buttons[:8], per_row=2))


async def unreached_reply(ctx: Context, broadcast_id: int) -> Reply:
    _ = ctx._
    member = ctx.member
    assert member is not None
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    allowed = member.is_admin or member.is_cell_secretary
    if broadcast is None or broadcast.committee_id != member.committee_id or not allowed:
        return Reply(_("That announcement is not available to you."))
    own_cell = None if member.is_admin else member.cell_id
    people = await ctx.repos.broadcasts.unreached(broadcast_id, own_cell)
    if not people:
        return Reply(_("Announcement #{id}: every member was reached.").format(id=broadcast_id))
    reasons = {
        "not_linked": _("has not linked a chat account"),
        "blocked": _("blocked the assistant"),
        "expired": _("not delivered in time (the messaging service was unavailable)"),
    }
    lines = [_("Announcement #{id}: members not reached, by cell:").format(id=broadcast_id)]
    cell = None
    for person in people:
        if person.cell_name != cell:
            cell = person.cell_name
            lines.append(f"\n{cell}")
        reason = reasons.get(person.reason, _("could not be delivered"))
        lines.append(f"  • {person.full_name} — {reason}")
    return Reply("\n".join(lines))


def _snippet(text: str, html: bool, limit: int = 60) -> str:
    """The first line as plain text (tags and entities of an HTML text removed), cut at a
    word with an ellipsis when longer than the limit, so a date is never cut in half."""
    if html:
        text = unescape(re.sub(r"<[^>]*>", "", text))
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
