"""/progress: a cell's members by state with counts and a bar, or (admins) every cell of
the committee, least complete first."""

from __future__ import annotations

from datetime import datetime

from conversations.campaigns.reminders import days_left
from conversations.core.context import Context
from conversations.core.paging import page_of
from conversations.core.replies import Choice, Kind, Reply
from conversations.core.text import progress_bar
from conversations.ratings import levels
from conversations.ratings.actions import RATINGS, CellList, Cells
from conversations.secretary.actions import (
    SECRETARY,
    AlertSettings,
    CellFiles,
    CommitteeFiles,
    ReadReview,
    RemindPreview,
    ShowCell,
    ShowCommittee,
)
from conversations.secretary.progress import (
    EXCLUDED,
    GROUPS,
    IN_PROGRESS,
    NOT_STARTED,
    RETURNED,
    SUBMITTED,
    CellProgress,
    CellSummary,
    Entry,
    cell_summaries,
)
from conversations.secretary.scope import leaders_only, led_progress, not_yours
from storage.ratings import ChainRow


async def progress_command(ctx: Context, _args: str = "") -> list[Reply]:
    me = ctx.member
    if me and me.is_cell_secretary:
        return await show_cell(ctx, me.cell_id)
    if me and me.is_admin:
        return await show_committee(ctx)
    return [leaders_only(ctx)]


async def show_cell(ctx: Context, cell_id: int, page: int = 0) -> list[Reply]:
    progress = await led_progress(ctx, cell_id)
    if progress is None:
        return [not_yours(ctx)]
    chain = await ctx.repos.ratings.chain(cell_id, progress.year)
    if not any(row.cell or row.committee for row in chain.values()):
        chain = {}  # before the cell's meeting: the self-reviews alone
    return [_cell_reply(ctx, progress, page, chain)]


def _group_titles(ctx: Context) -> dict[str, str]:
    _ = ctx._
    return {SUBMITTED: _("Submitted"), RETURNED: _("Returned for revision"),
            IN_PROGRESS: _("In progress"), NOT_STARTED: _("Not started"),
            EXCLUDED: _("Not reviewed this time")}


def _levels(ctx: Context, row: ChainRow | None) -> str:
    """' · Tốt → XS → Tốt': own level → the cell's proposal → the committee's decision."""
    if row is None:
        return ""
    cell = levels.short(ctx, row.cell) + ("" if row.cell_confirmed or not row.cell else "*")
    return f" · {levels.short(ctx, row.own)} → {cell} → {levels.short(ctx, row.committee)}"


def _entry_line(ctx: Context, entry: Entry, chain: dict[int, ChainRow]) -> str:
    return _state_line(ctx, entry) + _levels(ctx, chain.get(entry.member.id))


def _state_line(ctx: Context, entry: Entry) -> str:
    _ = ctx._
    name = entry.member.full_name
    if entry.group == SUBMITTED and entry.review and entry.review.submitted_at:
        line = f"✓ {name} — {ctx.fmt.datetime(entry.review.submitted_at)}"
        return line + (" " + _("(accepted)") if entry.review.status == "accepted" else "")
    if entry.group in (IN_PROGRESS, RETURNED):
        mark = "↩" if entry.group == RETURNED else "…"
        return f"{mark} {name} — " + _("{done}/{total} items").format(
            done=entry.done, total=entry.total)
    if entry.group == EXCLUDED:
        reasons = {"exempted": _("exempted"), "suspended": _("suspended"),
                   "new": _("admitted less than 6 months ago"),
                   "not_expected": _("not on this campaign's list")}
        return f"– {name} ({reasons.get(entry.reason or '', '')})"
    return f"○ {name}"


def _header(ctx: Context, progress: CellProgress) -> list[str]:
    _ = ctx._
    lines = [_("{cell} — self-reviews {year}").format(cell=progress.cell.name,
                                                     year=progress.year),
             _("Submitted {done} of {expected}.").format(done=progress.submitted,
                                                        expected=progress.expected),
             progress_bar(progress.ratio)]
    if progress.deadline is not None:
        lines.append(_("Deadline: {date} ({relative}).").format(
            date=ctx.fmt.datetime(progress.deadline), relative=_time_left(ctx, progress.deadline)))
    return lines


def _time_left(ctx: Context, deadline: datetime) -> str:
    """Counted on the calendar as the reminders count it: «còn 10 ngày», «ngày mai»."""
    if ctx.now > deadline:
        return ctx._("deadline passed")
    zone = ctx.fmt.zone
    return days_left(ctx.fmt, deadline.astimezone(zone).date(), ctx.now.astimezone(zone).date())


def _view_order(entries: tuple[Entry, ...]) -> list[Entry]:
    """The groups in their order; the submitted in the order they came in (the files and
    papers keep the name order `group_cell` gives)."""
    order = {key: n for n, key in enumerate(GROUPS)}

    def came_in(entry: Entry) -> float:
        review = entry.review
        if entry.group == SUBMITTED and review and review.submitted_at:
            return review.submitted_at.timestamp()
        return 0.0
    return sorted(entries, key=lambda e: (order[e.group], came_in(e)))


def _cell_reply(ctx: Context, progress: CellProgress, page: int,
                chain: dict[int, ChainRow]) -> Reply:
    _ = ctx._
    paged = page_of(_view_order(progress.entries), ctx.config.page_size, page)
    lines = _header(ctx, progress)
    titles = _group_titles(ctx)
    for group in GROUPS:
        entries = [e for e in paged.shown if e.group == group]
        if entries:
            lines.append("")
            lines.append(f"{titles[group]} ({len(progress.group(group))}):")
            lines += [_entry_line(ctx, e, chain) for e in entries]
    if chain:
        lines += ["", _("Levels: own → the cell's proposal (* not confirmed) → the "
                        "committee's decision.")]
    if paged.footer(ctx):
        lines += ["", paged.footer(ctx)]
    cell_id = progress.cell.id
    buttons = [(Choice(_("Read: {name}").format(name=e.member.full_name),
                       SECRETARY.pack(ReadReview(e.review.id))),)
               for e in paged.shown if e.group in (SUBMITTED, RETURNED) and e.review]
    nav = paged.nav(ctx, lambda n: SECRETARY.pack(ShowCell(cell_id, n)))
    if nav:
        buttons.append(nav)
    extra = []
    if progress.missing():
        extra.append(Choice(_("Remind the rest now"), SECRETARY.pack(RemindPreview(cell_id))))
    extra.append(Choice(_("The cell's files"), SECRETARY.pack(CellFiles(cell_id))))
    buttons.append(tuple(extra))
    if ctx.member and ctx.member.is_cell_secretary and ctx.member.cell_id == cell_id:
        buttons.append((Choice(_("Alert settings"), SECRETARY.pack(AlertSettings())),))
        buttons.append((Choice(_("The cell's proposals"), RATINGS.pack(CellList(cell_id))),))
    if ctx.member and ctx.member.is_admin:
        buttons.append((Choice(_("All cells"), SECRETARY.pack(ShowCommittee())),))
    return Reply("\n".join(lines), tuple(buttons), replace=ctx.incoming.kind is Kind.ACTION)


async def show_committee(ctx: Context, page: int = 0) -> list[Reply]:
    _ = ctx._
    me = ctx.member
    if me is None or not me.is_admin:
        return [not_yours(ctx)]
    cells = await cell_summaries(ctx.repos, me.committee_id, ctx.today)
    committee = await ctx.repos.org.committee(me.committee_id)
    paged = page_of(cells, ctx.config.page_size, page)
    year = cells[0].year if cells else ""
    lines = [_("{committee} — self-reviews {year}, least complete first:").format(
        committee=committee.name if committee else "", year=year)]
    for p in paged.shown:
        deadline = "" if p.deadline is None else " · " + _("deadline {date}").format(
            date=ctx.fmt.date(p.deadline.astimezone(ctx.fmt.zone).date())
        ) + f" ({_time_left(ctx, p.deadline)})"
        lines.append(f"{p.cell.name}: {p.submitted}/{p.expected} "
                     f"{progress_bar(p.ratio)}{deadline}")
    lines.append(await _committee_total(ctx, cells))
    if paged.footer(ctx):
        lines.append(paged.footer(ctx))
    buttons = [(Choice(p.cell.name, SECRETARY.pack(ShowCell(p.cell.id))),) for p in paged.shown]
    nav = paged.nav(ctx, lambda n: SECRETARY.pack(ShowCommittee(n)))
    if nav:
        buttons.append(nav)
    buttons.append((Choice(_("The committee's files"), SECRETARY.pack(CommitteeFiles())),))
    buttons.append((Choice(_("The committee's decisions"), RATINGS.pack(Cells())),))
    return [Reply("\n".join(lines), tuple(buttons), replace=ctx.incoming.kind is Kind.ACTION)]


async def _committee_total(ctx: Context, cells: list[CellSummary]) -> str:
    """'All cells: 40/52 ▓▓▓▓▓▓▓▓░░ 77% · decided: XS 2, Tốt 30…'"""
    expected = sum(p.expected for p in cells)
    submitted = sum(p.submitted for p in cells)
    line = ctx._("All cells: {done}/{expected}").format(done=submitted, expected=expected)
    line += " " + progress_bar(submitted / expected if expected else 1.0)
    if ctx.member and cells:
        decided = await ctx.repos.ratings.decided_counts(ctx.member.committee_id, cells[0].year)
        if decided:
            line += " · " + ctx._("decided: {levels}").format(levels=", ".join(
                f"{levels.short(ctx, key)} {decided[key]}"
                for key in levels.keys(ctx.forms) if decided.get(key)))
    return line
