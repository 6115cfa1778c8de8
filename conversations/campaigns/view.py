"""A campaign as text: deadlines, expected and submitted per cell, the reminder plan."""

from __future__ import annotations

from datetime import datetime

from babel.dates import get_timezone_location

from conversations.campaigns.reminders import DIGEST, SUMMARY, schedule
from conversations.core.i18n import Formatter
from storage.campaigns import COMMITTEE_CELL, Campaign
from storage.models import Cell
from storage.repos import Repos


def one_line(fmt: Formatter, c: Campaign, *, with_id: bool = True) -> str:
    """The campaign in a line; its id (what the CLI names it by) not in chat."""
    _ = fmt.gettext
    status = _("open") if c.is_open else _("closed")
    if str(c.year) in c.name:  # "Kiểm điểm năm 2026" needs no "(2026)" after it
        text = _("{name}, {status}: cells by {cells}, committee by {committee}")
    else:
        text = _("{name} ({year}), {status}: cells by {cells}, committee by {committee}")
    if with_id:
        text = f"#{c.id} {text}"
    return text.format(
        id=c.id, name=c.name, year=c.year, status=status, cells=fmt.date(c.cells_deadline),
        committee=fmt.date(c.committee_deadline))


def zone_name(fmt: Formatter) -> str:
    """'Giờ Việt Nam' rather than the zone's key 'Asia/Ho_Chi_Minh'."""
    return get_timezone_location(fmt.zone, locale=fmt.language)


async def describe(repos: Repos, fmt: Formatter, c: Campaign, now: datetime, *,
                   show_version: bool = False, with_id: bool = True) -> list[str]:
    """The campaign in full; the form version (an internal name) only for the CLI, the id
    not in chat."""
    _ = fmt.gettext
    cells: list[Cell] = await repos.org.cells(c.committee_id)
    counts = await repos.campaigns.expected_counts(c.id)
    recorded = await repos.campaigns.recorded_steps(c.id)
    lines = [
        one_line(fmt, c, with_id=with_id),
        _("Opens on {opens}. Late submissions: {late}.").format(
            opens=fmt.date(c.opens_on),
            late=_("allowed, marked late") if c.late_policy == "allow" else _("refused")),
        _("Cells (deadline, submitted of expected):"),
    ]
    if show_version:
        lines.insert(1, _("Form version: {version}.").format(version=c.form_version))
    for cell in cells:
        expected, submitted = counts.get(cell.id, (0, 0))
        lines.append(f"  {cell.name}: {fmt.date(c.deadline_for(cell.id))}, "
                     f"{submitted}/{expected}")
    total_e = sum(e for e, _s in counts.values())
    total_s = sum(s for _e, s in counts.values())
    lines.append(_("In all: {submitted} of {expected}.").format(
        submitted=total_s, expected=total_e))
    lines.append(_("Reminders ({zone}; quiet hours {start}–{end}):").format(
        zone=zone_name(fmt), start=c.quiet_start.strftime("%H:%M"),
        end=c.quiet_end.strftime("%H:%M")))
    names = {cell.id: cell.name for cell in cells}
    grouped: dict[tuple[str, datetime], list[int]] = {}
    for step in schedule(c, names, fmt.zone):
        grouped.setdefault((step.step, step.at), []).append(step.cell_id)
    for (step, at), cell_ids in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        states = {recorded.get((cell, step)) for cell in cell_ids}
        if states == {"done"}:
            state = _("sent")
        elif states == {"skipped"}:
            state = _("skipped")
        elif None in states and at < c.created_at:
            state = _("before the campaign began (skipped)")
        elif None in states:
            state = _("next") if at > now else _("due now")
        else:
            state = _("sent or skipped")
        where = "" if cell_ids == [COMMITTEE_CELL] or len(cell_ids) == len(names) else (
            " (" + ", ".join(names[i] for i in cell_ids) + ")")
        lines.append(f"  {fmt.datetime(at)}  {_step_label(fmt, step)}{where}: {state}")
    return lines


def _step_label(fmt: Formatter, step: str) -> str:
    """Who gets a step and when, in words (the stored names 'd7', 'digest' are internal)."""
    _ = fmt.gettext
    if step == DIGEST:
        return _("secretaries' list")
    if step == SUMMARY:
        return _("admins' summary")
    days = int(step[1:]) if step[1:].isdigit() else None
    if days == 0:
        return _("members, on the morning of the deadline")
    if days == 1:
        return _("members, the day before the deadline")
    if days is not None:
        return _("members, {n} days before the deadline").format(n=days)
    return _("members")
