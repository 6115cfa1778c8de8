"""/decide («quyết định»): a committee admin takes each cell's confirmed proposals as the
committee's decisions in one step, or decides one member's level with a reason; the quota
is checked across the committee before either. The committee decides on what the cell has
sent: a member without a confirmed proposal cannot be decided, and an admin's own level is
decided by another admin. Members are told their final level (a change with its old level
and reason, told to the cell's secretaries too), and the cell's secretaries when the whole
cell is decided. The cells' own rating is in cell_rating.py."""

from __future__ import annotations

from conversations.core.awaiting import ask_text
from conversations.core.context import Context
from conversations.core.paging import page_of
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.forms.rating import review_year
from conversations.ratings import levels as lv
from conversations.ratings import notices
from conversations.ratings.actions import (
    RATINGS,
    AcceptCell,
    CellDecisions,
    Cells,
    DecideLevel,
    DecideMember,
    RateCell,
)
from conversations.ratings.proposals import CAPABILITY_NAME, TEXT_LIMIT, changed_after
from conversations.ratings.roster import (
    Roster,
    admin_of,
    admins_only,
    cell_roster,
    member_roster,
    roster,
)
from storage.models import Cell, Member

REASON_MIN = 10  # characters: a reason in a few words, not «x»


def _my_id(ctx: Context) -> int | None:
    return ctx.member.id if ctx.member else None


async def decide_command(ctx: Context, _args: str = "") -> list[Reply]:
    return await show_cells(ctx)


async def _counts(ctx: Context, year: int) -> dict[str, int]:
    assert ctx.member is not None
    return await ctx.repos.ratings.decided_counts(ctx.member.committee_id, year)


async def show_cells(ctx: Context, page: int = 0, note: str = "") -> list[Reply]:
    me = ctx.member
    if me is None or not me.is_admin:
        return [admins_only(ctx)]
    _ = ctx._
    year = review_year(ctx.today)
    cells = await ctx.repos.org.cells(me.committee_id)
    committee = await ctx.repos.org.committee(me.committee_id)
    rated = await ctx.repos.ratings.cell_ratings(me.committee_id, year)
    paged = page_of(cells, ctx.config.page_size, page)
    lines = [note, ""] if note else []
    lines.append(_("{committee} — the committee's decisions {year}").format(
        committee=committee.name if committee else "", year=year))
    for cell in paged.shown:
        r = await roster(ctx, cell)
        confirmed = sum(1 for p in r.proposals.values() if p.confirmed)
        cell_level = rated[cell.id].level if cell.id in rated else None
        line = _("{cell}: proposals sent {sent}/{expected}, decided {decided}; "
                 "the cell: {level}").format(
            cell=cell.name, sent=confirmed, expected=len(r.entries), decided=len(r.decisions),
            level=lv.word(ctx, cell_level))
        changed = sum(1 for m, d in r.decisions.items() if changed_after(r.proposals.get(m), d))
        if changed:
            line += " ⚠ " + ctx.fmt.ngettext(
                "{n} proposal changed after the decision",
                "{n} proposals changed after the decision", changed).format(n=changed)
        lines.append(line)
    if paged.footer(ctx):
        lines.append(paged.footer(ctx))
    lines += ["", lv.quota_status(ctx.fmt, ctx.config.quota, await _counts(ctx, year),
                                  ctx.forms)]
    buttons = [(Choice(c.name, RATINGS.pack(CellDecisions(c.id))),) for c in paged.shown]
    nav = paged.nav(ctx, lambda n: RATINGS.pack(Cells(n)))
    if nav:
        buttons.append(nav)
    return [Reply("\n".join(lines), tuple(buttons), replace=ctx.incoming.kind is Kind.ACTION)]


async def _admin_roster(ctx: Context, cell_id: int) -> Roster | None:
    return await cell_roster(ctx, cell_id, admin_of)


async def show_cell(ctx: Context, cell_id: int, page: int = 0, note: str = "") -> list[Reply]:
    r = await _admin_roster(ctx, cell_id)
    if r is None:
        return [admins_only(ctx)]
    return [_cell_reply(ctx, r, page, note)]


def _cell_reply(ctx: Context, r: Roster, page: int = 0, note: str = "") -> Reply:
    _ = ctx._
    lines = [note, ""] if note else []
    lines += [_("{cell} — own level → the cell's proposal → the committee's decision:").format(
        cell=r.cell.name)]
    paged = page_of(r.entries, ctx.config.page_size, page)
    for entry in paged.shown:
        m = entry.member.id
        proposal = r.proposals.get(m)
        cell_level = lv.word(ctx, proposal.level) if proposal else lv.NONE
        if proposal and not proposal.confirmed:
            cell_level += " " + _("(not confirmed)")
        decided = r.decisions.get(m)
        line = (f"{entry.member.full_name}: {lv.word(ctx, r.own(m))} → {cell_level} → "
                f"{lv.word(ctx, decided.level if decided else None)}")
        if changed_after(proposal, decided):
            line += " ⚠ " + _("proposal changed after the decision")
        lines.append(line)
    if paged.footer(ctx):
        lines.append(paged.footer(ctx))
    waiting = [m for m, p in r.proposals.items()
               if p.confirmed and m not in r.decisions and m != _my_id(ctx)]
    if not r.confirmed:
        lines += ["", _("The cell has not sent its complete list yet.")]
    buttons: list[tuple[Choice, ...]] = [
        (Choice(e.member.full_name, RATINGS.pack(DecideMember(e.member.id))),)
        for e in paged.shown]
    nav = paged.nav(ctx, lambda n: RATINGS.pack(CellDecisions(r.cell.id, n)))
    if nav:
        buttons.append(nav)
    if waiting:
        buttons.append((Choice(_("Accept the cell's proposals ({n})").format(n=len(waiting)),
                               RATINGS.pack(AcceptCell(r.cell.id)), _("accept")),))
    buttons.append((Choice(_("The cell's own rating"), RATINGS.pack(RateCell(r.cell.id))),
                    Choice(_("All cells"), RATINGS.pack(Cells()), _("cells"))))
    return Reply("\n".join(lines), tuple(buttons), replace=ctx.incoming.kind is Kind.ACTION)


def _with(counts: dict[str, int], changes: dict[str, str | None]) -> dict[str, int]:
    """The committee's counts once `changes` (new level <- old level or None) are made."""
    result = dict(counts)
    for new, old in changes.items():
        result[new] = result.get(new, 0) + 1
        if old is not None:
            result[old] -= 1
    return result


def _warning(ctx: Context, warning: str, go: str, back: str) -> Reply:
    _ = ctx._
    return Reply(_("Before deciding: {warning}").format(warning=warning),
                 rows(Choice(_("Decide anyway"), go, _("decide")),
                      Choice(_("Back"), back, _("back"))),
                 replace=ctx.incoming.kind is Kind.ACTION)


async def accept_cell(ctx: Context, cell_id: int, anyway: bool) -> list[Reply]:
    r = await _admin_roster(ctx, cell_id)
    if r is None:
        return [admins_only(ctx)]
    waiting = {m: p.level for m, p in r.proposals.items()
               if p.confirmed and m not in r.decisions and m != _my_id(ctx)}
    counts = await _counts(ctx, r.year)
    after = dict(counts)
    for level in waiting.values():
        after[level] = after.get(level, 0) + 1
    if not waiting:
        return [_cell_reply(ctx, r, note=ctx._(
            "Nothing to accept: the cell's confirmed proposals are all decided, or the cell "
            "has not sent its list yet."))]
    warning = lv.over_quota(ctx.fmt, ctx.config.quota, after, ctx.forms)
    if warning and not anyway:
        return [_warning(ctx, warning, RATINGS.pack(AcceptCell(cell_id, 1)),
                         RATINGS.pack(CellDecisions(cell_id)))]
    assert ctx.member is not None
    # an admin's own proposal waits for another admin
    decided = await ctx.repos.ratings.accept_cell(r.cell.id, r.year, by=ctx.member.id,
                                                  now=ctx.now, skip=ctx.member.id)
    for member_id in decided:
        entry = r.entry(member_id)
        if entry is not None:
            await notices.tell_decided(ctx, entry.member, r.year, waiting[member_id])
    fresh = await _tell_cell_if_done(ctx, r.cell)
    note = ctx.fmt.ngettext(
        "Decided as the cell proposed for {n} member; they are told.",
        "Decided as the cell proposed for {n} members; they are told.",
        len(decided)).format(n=len(decided))
    return [_cell_reply(ctx, fresh, note=note)]


async def _tell_cell_if_done(ctx: Context, cell: Cell) -> Roster:
    fresh = await roster(ctx, cell)
    if fresh.entries and all(e.member.id in fresh.decisions for e in fresh.entries):
        await notices.tell_cell_decided(ctx, cell, fresh.year)
    return fresh


async def _member_target(ctx: Context, member_id: int) -> tuple[Roster, Member] | None:
    return await member_roster(ctx, member_id, admin_of)


def _refusal(ctx: Context, r: Roster, member_id: int) -> str | None:
    """Why the committee cannot decide this member's level now, or None."""
    if member_id == _my_id(ctx):
        return ctx._("An admin's own level is decided by another admin of the committee.")
    proposal = r.proposals.get(member_id)
    if proposal is None or not proposal.confirmed:
        return ctx._("The cell has not sent a proposal for this comrade yet: the committee "
                     "decides on the proposals the cell has confirmed.")
    return None


async def show_member(ctx: Context, member_id: int) -> list[Reply]:
    found = await _member_target(ctx, member_id)
    if found is None:
        return [admins_only(ctx)]
    r, member = found
    _ = ctx._
    proposal = r.proposals.get(member_id)
    decided = r.decisions.get(member_id)
    lines = [_("Comrade {name} ({cell})").format(name=member.full_name, cell=r.cell.name),
             _("Own level: {level}").format(level=lv.label(ctx, r.own(member_id)))]
    if proposal:
        lines.append(_("The cell's proposal: {level}").format(level=lv.label(ctx, proposal.level))
                     + ("" if proposal.confirmed else " " + _("(not confirmed)")))
        for title, text in ((_("Reason: {text}"), proposal.reason),
                            (_("Comment of the cell committee: {text}"), proposal.comment)):
            if text:
                lines.append(title.format(text=text))
    if decided:
        lines.append(_("The committee's decision: {level}").format(
            level=lv.label(ctx, decided.level)))
        if decided.reason:
            lines.append(_("Reason: {text}").format(text=decided.reason))
        if changed_after(proposal, decided):
            lines.append("⚠ " + _("The cell changed its proposal after the decision."))
    refusal = _refusal(ctx, r, member_id)
    choices = []
    if refusal:
        lines.append(refusal)
    else:
        lines.append(_("Choose the level the committee decides:"))
        choices = [Choice(level.label(ctx.fmt.language),
                          RATINGS.pack(DecideLevel(member_id, level.key)),
                          lv.keyword(ctx, level.key))
                   for level in lv.levels(ctx.forms)]
    choices.append(Choice(_("Back"), RATINGS.pack(CellDecisions(r.cell.id)), _("back")))
    return [Reply("\n".join(lines), rows(*choices), replace=ctx.incoming.kind is Kind.ACTION)]


async def decide_level(ctx: Context, member_id: int, level: str, anyway: bool
                       ) -> list[Reply]:
    found = await _member_target(ctx, member_id)
    if found is None:
        return [admins_only(ctx)]
    r, member = found
    refusal = _refusal(ctx, r, member_id)
    if refusal or level not in lv.keys(ctx.forms):
        return await show_member(ctx, member_id)
    decided = r.decisions.get(member_id)
    after = _with(await _counts(ctx, r.year), {level: decided.level if decided else None})
    warning = lv.over_quota(ctx.fmt, ctx.config.quota, after, ctx.forms)
    if warning and level == lv.EXCELLENT and not anyway:
        return [_warning(ctx, warning, RATINGS.pack(DecideLevel(member_id, level, 1)),
                         RATINGS.pack(DecideMember(member_id)))]
    proposal = r.proposals.get(member_id)
    if (proposal is not None and proposal.level != level) or decided is not None:
        return [await _ask_reason(ctx, member, level, proposal is not None
                                  and proposal.level != level)]
    return await record(ctx, member_id, level, "")


async def _ask_reason(ctx: Context, member: Member, level: str, differs: bool,
                      note: str = "") -> Reply:
    _ = ctx._
    await ask_text(ctx, CAPABILITY_NAME, f"decision:{member.id}:{level}")
    ask = (_("«{level}» differs from the cell's proposal for comrade {name}. Write the "
             "committee's reason; your next message is recorded as the reason.") if differs
           else _("The committee has already decided the level of comrade {name}. Write the "
                  "committee's reason for deciding «{level}»; your next message is recorded "
                  "as the reason; the member and the cell's secretary are told."))
    lines = [note, ""] if note else []
    lines += [ask.format(level=lv.label(ctx, level), name=member.full_name),
              ctx.fmt.ngettext("The reason needs at least {n} character, in a few words.",
                               "The reason needs at least {n} characters, in a few words.",
                               REASON_MIN).format(n=REASON_MIN)]
    return Reply("\n".join(lines), ((Choice(_("Cancel"), RATINGS.pack(DecideMember(member.id)),
                                             _("cancel")),),), expects_text=True)


async def on_reason(ctx: Context, member_id: int, level: str, text: str) -> list[Reply]:
    """The committee's reason, typed: too short is asked again."""
    if len(" ".join(text.split())) >= REASON_MIN:
        return await record(ctx, member_id, level, text)
    found = await _member_target(ctx, member_id)
    if found is None:
        return [admins_only(ctx)]
    r, member = found
    proposal = r.proposals.get(member_id)
    return [await _ask_reason(ctx, member, level, proposal is not None
                              and proposal.level != level,
                              note=ctx._("«{text}» is too short for a reason.").format(
                                  text=text.strip()))]


async def record(ctx: Context, member_id: int, level: str, reason: str) -> list[Reply]:
    """The committee's decision for one member (the reason typed, or none needed)."""
    found = await _member_target(ctx, member_id)
    if found is None:
        return [admins_only(ctx)]
    r, member = found
    refusal = _refusal(ctx, r, member_id)
    if refusal or level not in lv.keys(ctx.forms):
        return await show_member(ctx, member_id)
    before = r.decisions.get(member_id)
    reason = " ".join(reason.split())[:TEXT_LIMIT]
    await ctx.repos.ratings.decide(member_id, r.year, r.cell.id, level, reason=reason,
                                   by=_my_id(ctx), now=ctx.now)
    if before is None or before.level != level:  # a new reason alone tells nobody
        await notices.tell_decided(ctx, member, r.year, level, before, reason)
    if before is not None and before.level != level:
        await notices.tell_cell_of_change(ctx, r.cell, member, r.year, before, level, reason)
    fresh = await _tell_cell_if_done(ctx, r.cell)
    note = ctx._("Decided: «{level}» for comrade {name}; they are told.").format(
        level=lv.label(ctx, level), name=member.full_name)
    return [_cell_reply(ctx, fresh, note=note)]
