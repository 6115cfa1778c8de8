"""/proposals («đề xuất»): after its meeting, the cell proposes a level for each expected
member, with the cell committee's optional comment, and sends the list to the committee.

A level above the member's own needs a reason (the next typed message). Members who have
not handed in a self-review are still expected and rated (domain.md: only the exempted,
the suspended and the newly admitted are not), so the cell proposes for them too; having
no own level, they are left out of "agree with their own level", and the secretary is
warned, by name, before the list is sent. Proposals filled by a vote (source 'vote') are
shown as such and confirmed here like the others. Changing the proposal for a member the
committee has decided is warned about first, then told to the committee's admins.
"""

from __future__ import annotations

from conversations.core.awaiting import ask_text
from conversations.core.context import Context
from conversations.core.paging import page_of
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.ratings import levels as lv
from conversations.ratings import notices
from conversations.ratings.actions import (
    RATINGS,
    AgreeAll,
    AgreeOne,
    AskComment,
    CellList,
    ConfirmList,
    MemberCard,
    ProposeLevel,
    SheetIn,
    SheetOut,
)
from conversations.ratings.roster import (
    Roster,
    cell_roster,
    member_roster,
    roster,
    secretaries_only,
    secretary_of,
)
from storage.models import Member
from storage.ratings import CellProposal, Decision, NewProposal

CAPABILITY_NAME = "ratings"
TEXT_LIMIT = 1000  # characters of a reason or a comment


def changed_after(proposal: CellProposal | None, decided: Decision | None) -> bool:
    """The cell changed its proposal to another level after the committee decided: the
    committee decides on confirmed proposals only, so one unconfirmed beside a decision was
    changed since (or, confirmed again, recorded after the decision)."""
    return bool(proposal and decided and proposal.level != decided.level and (
        not proposal.confirmed or proposal.recorded_at > decided.decided_at))


async def proposals_command(ctx: Context, _args: str = "") -> list[Reply]:
    me = ctx.member
    if me is None or not me.is_cell_secretary:
        return [secretaries_only(ctx)]
    return await show_list(ctx, me.cell_id)


async def _my_roster(ctx: Context, cell_id: int) -> Roster | None:
    return await cell_roster(ctx, cell_id, secretary_of)


async def _target(ctx: Context, member_id: int) -> tuple[Roster, Member] | None:
    return await member_roster(ctx, member_id, secretary_of)


def _status(ctx: Context, r: Roster) -> str:
    _ = ctx._
    proposed = r.proposed()
    if r.confirmed:
        return _("Confirmed and sent to the committee.")
    if any(p.confirmed for p in r.proposals.values()):
        return _("Changed since it was confirmed: confirm the list again.")
    return _("Proposed {done} of {expected}; not yet sent to the committee.").format(
        done=len(proposed), expected=len(r.entries))


async def show_list(ctx: Context, cell_id: int, page: int = 0, note: str = "") -> list[Reply]:
    r = await _my_roster(ctx, cell_id)
    if r is None:
        return [secretaries_only(ctx)]
    return [list_reply(ctx, r, page, note)]


def list_reply(ctx: Context, r: Roster, page: int = 0, note: str = "") -> Reply:
    _ = ctx._
    lines = [note, ""] if note else []
    lines += [_("{cell} — the cell's proposals {year}").format(cell=r.cell.name, year=r.year),
              _("Own level → the cell's proposal:")]
    paged = page_of(r.entries, ctx.config.page_size, page)
    for entry in paged.shown:
        member_id = entry.member.id
        proposal = r.proposals.get(member_id)
        own = lv.word(ctx, r.own(member_id)) if r.own(member_id) else _("no review")
        mark = "✓" if proposal and proposal.confirmed else ("•" if proposal else "○")
        vote = " " + _("(vote)") if proposal and proposal.source == "vote" else ""
        lines.append(f"{mark} {entry.member.full_name}: {own} → "
                     f"{lv.word(ctx, proposal.level if proposal else None)}{vote}")
    if paged.footer(ctx):
        lines.append(paged.footer(ctx))
    lines += ["", _status(ctx, r),  # the quota seen while proposing, not only when sending
              lv.quota_status(ctx.fmt, ctx.config.quota, lv.counts(r.proposed()), ctx.forms)]
    buttons: list[tuple[Choice, ...]] = [
        (Choice(e.member.full_name, RATINGS.pack(MemberCard(e.member.id))),) for e in paged.shown]
    nav = paged.nav(ctx, lambda n: RATINGS.pack(CellList(r.cell.id, n)))
    if nav:
        buttons.append(nav)
    cell_id = r.cell.id
    waiting = [e for e in r.entries if e.member.id not in r.proposals and r.own(e.member.id)]
    if waiting:
        buttons.append((Choice(_("The cell agrees with their own level ({n})").format(
            n=len(waiting)), RATINGS.pack(AgreeAll(cell_id)), _("agree")),))
    if not r.confirmed and r.proposed():
        buttons.append((Choice(_("Confirm and send to the committee"),
                               RATINGS.pack(ConfirmList(cell_id)), _("confirm")),))
    buttons.append((Choice(_("The list as .xlsx"), RATINGS.pack(SheetOut(cell_id))),
                    Choice(_("Send the filled .xlsx"), RATINGS.pack(SheetIn(cell_id)))))
    return Reply("\n".join(lines), tuple(buttons), replace=ctx.incoming.kind is Kind.ACTION)


async def show_member(ctx: Context, member_id: int, note: str = "") -> list[Reply]:
    found = await _target(ctx, member_id)
    if found is None:
        return [secretaries_only(ctx)]
    return [_member_reply(ctx, *found, note=note)]


def _member_reply(ctx: Context, r: Roster, member: Member, note: str = "") -> Reply:
    _ = ctx._
    own = r.own(member.id)
    proposal = r.proposals.get(member.id)
    lines = [note, ""] if note else []
    lines.append(_("Comrade {name}").format(name=member.full_name))
    lines.append(_("Own level: {level}").format(level=lv.label(ctx, own)) if own
                 else _("No self-review handed in."))
    if proposal:
        lines.append(_("The cell's proposal: {level}").format(level=lv.label(ctx, proposal.level)))
        if proposal.reason:
            lines.append(_("Reason: {text}").format(text=proposal.reason))
        if proposal.comment:
            lines.append(_("Comment of the cell committee: {text}").format(text=proposal.comment))
    decided = r.decisions.get(member.id)
    if decided:
        lines.append(_("The committee's decision: {level}").format(
            level=lv.label(ctx, decided.level)))
    lines.append(_("Choose the level the cell proposes:"))
    choices = [Choice(level.label(ctx.fmt.language),
                      RATINGS.pack(ProposeLevel(member.id, level.key)),
                      lv.keyword(ctx, level.key))
               for level in lv.levels(ctx.forms)]
    if own:
        choices.append(Choice(_("Agree with the member's own level"),
                              RATINGS.pack(AgreeOne(member.id)), _("agree")))
    if proposal:
        choices.append(Choice(_("Comment of the cell committee"),
                              RATINGS.pack(AskComment(member.id)), _("comment")))
    choices.append(Choice(_("Back to the list"), RATINGS.pack(CellList(r.cell.id)), _("list")))
    return Reply("\n".join(lines), rows(*choices), replace=ctx.incoming.kind is Kind.ACTION)


async def _record(ctx: Context, r: Roster, member: Member, level: str, *,
                  reason: str | None = None, comment: str | None = None,
                  source: str = "chat") -> None:
    """One member's proposal; what is not given is kept from the one before. A new level
    for a member the committee has decided otherwise is told to the committee's admins."""
    before = r.proposals.get(member.id)
    await ctx.repos.ratings.propose(r.cell.id, r.year, [NewProposal(
        member.id, level,
        comment=comment if comment is not None else (before.comment if before else ""),
        reason=reason if reason is not None else (
            before.reason if before and before.level == level else ""),
    )], source=source, by=ctx.member.id if ctx.member else None, now=ctx.now)
    await tell_changes_after_decision(ctx, r, {member.id: level})


async def tell_changes_after_decision(ctx: Context, r: Roster, new: dict[int, str]) -> None:
    """The committee's admins, for each new level (member id -> level) the cell proposes
    where the committee has decided otherwise; `r`: the roster before the change."""
    for member_id, level in new.items():
        decided, before = r.decisions.get(member_id), r.proposals.get(member_id)
        entry = r.entry(member_id)
        if (entry and decided and decided.level != level
                and (before is None or before.level != level)):
            await notices.tell_committee_of_change(ctx, r.cell, entry.member, r.year,
                                                   decided, level)


def _decided_warning(ctx: Context, r: Roster, member: Member, level: str, go: str
                     ) -> Reply | None:
    """Before changing the proposal of a member the committee has decided: what it does."""
    decided = r.decisions.get(member.id)
    proposal = r.proposals.get(member.id)
    if decided is None or (proposal is not None and proposal.level == level):
        return None
    _ = ctx._
    return Reply(_(
        "The committee has already decided «{decided}» for comrade {name}. If the cell now "
        "proposes «{level}», the committee's admins are told, the list must be confirmed "
        "again, and the decision stays until the committee changes it.").format(
        decided=lv.label(ctx, decided.level), name=member.full_name,
        level=lv.label(ctx, level)),
        rows(Choice(_("Change the proposal"), go, _("change")),
             Choice(_("Back"), RATINGS.pack(MemberCard(member.id)), _("back"))),
        replace=ctx.incoming.kind is Kind.ACTION)


async def propose(ctx: Context, member_id: int, level: str, anyway: bool = False
                  ) -> list[Reply]:
    found = await _target(ctx, member_id)
    if found is None:
        return [secretaries_only(ctx)]
    r, member = found
    if level not in lv.keys(ctx.forms):
        return [_member_reply(ctx, r, member)]
    warning = None if anyway else _decided_warning(
        ctx, r, member, level, RATINGS.pack(ProposeLevel(member_id, level, 1)))
    if warning:
        return [warning]
    own = r.own(member_id)
    if lv.better(ctx.forms, level, own):
        await ask_text(ctx, CAPABILITY_NAME, f"reason:{member_id}:{level}")
        return [Reply(ctx._(
            "«{level}» is above comrade {name}'s own level («{own}»). Write the reason the "
            "cell gives for it; your next message is recorded as the reason."
        ).format(level=lv.label(ctx, level), name=member.full_name, own=lv.label(ctx, own)),
            ((Choice(ctx._("Cancel"), RATINGS.pack(MemberCard(member_id)), ctx._("cancel")),),),
            expects_text=True)]
    await _record(ctx, r, member, level)
    return await _after_change(ctx, r, member)


async def _after_change(ctx: Context, r: Roster, member: Member) -> list[Reply]:
    fresh = await roster(ctx, r.cell)
    level = fresh.proposals[member.id].level
    note = ctx._("Recorded: the cell proposes «{level}» for comrade {name}.").format(
        level=lv.label(ctx, level), name=member.full_name)
    return [list_reply(ctx, fresh, note=note)]


async def agree_one(ctx: Context, member_id: int, anyway: bool = False) -> list[Reply]:
    found = await _target(ctx, member_id)
    if found is None:
        return [secretaries_only(ctx)]
    r, member = found
    own = r.own(member_id)
    if own is None:
        return [_member_reply(ctx, r, member, ctx._(
            "Comrade {name} has not handed in a self-review: choose the level the cell "
            "proposes.").format(name=member.full_name))]
    warning = None if anyway else _decided_warning(
        ctx, r, member, own, RATINGS.pack(AgreeOne(member_id, 1)))
    if warning:
        return [warning]
    await _record(ctx, r, member, own)
    return await _after_change(ctx, r, member)


async def agree_all(ctx: Context, cell_id: int) -> list[Reply]:
    r = await _my_roster(ctx, cell_id)
    if r is None:
        return [secretaries_only(ctx)]
    fresh = [NewProposal(e.member.id, own) for e in r.entries
             if e.member.id not in r.proposals and (own := r.own(e.member.id))]
    await ctx.repos.ratings.propose(r.cell.id, r.year, fresh, source="chat",
                                    by=ctx.member.id if ctx.member else None, now=ctx.now)
    note = ctx.fmt.ngettext(
        "The cell agrees with their own level for {n} member.",
        "The cell agrees with their own level for {n} members.", len(fresh)).format(n=len(fresh))
    return [list_reply(ctx, await roster(ctx, r.cell), note=note)]


async def ask_comment(ctx: Context, member_id: int) -> list[Reply]:
    found = await _target(ctx, member_id)
    if found is None:
        return [secretaries_only(ctx)]
    _r, member = found
    await ask_text(ctx, CAPABILITY_NAME, f"comment:{member_id}")
    return [Reply(ctx._("Write the cell committee's comment on comrade {name}; your next "
                        "message is recorded as the comment.").format(name=member.full_name),
                  ((Choice(ctx._("Cancel"), RATINGS.pack(MemberCard(member_id)),
                           ctx._("cancel")),),), expects_text=True)]


async def on_typed(ctx: Context, what: str, member_id: int, level: str, text: str
                   ) -> list[Reply]:
    """The reason or the comment the secretary was asked for."""
    found = await _target(ctx, member_id)
    if found is None:
        return [secretaries_only(ctx)]
    r, member = found
    text = text.strip()[:TEXT_LIMIT]
    if what == "reason":
        await _record(ctx, r, member, level, reason=text)
    elif (before := r.proposals.get(member_id)) is not None:
        await _record(ctx, r, member, before.level, comment=text)
    return await _after_change(ctx, r, member)


async def confirm(ctx: Context, cell_id: int, anyway: bool) -> list[Reply]:
    r = await _my_roster(ctx, cell_id)
    if r is None:
        return [secretaries_only(ctx)]
    _ = ctx._
    missing = [e.member.full_name for e in r.entries if e.member.id not in r.proposals]
    if missing:
        return [list_reply(ctx, r, note=_(
            "The list cannot be sent yet: no proposal for {names}.").format(
            names=", ".join(missing)))]
    warnings = []
    over = lv.over_quota(ctx.fmt, ctx.config.quota, lv.counts(r.proposed()), ctx.forms)
    if over:
        warnings += [over, _("The committee decides within the quota across the committee.")]
    no_review = [e.member.full_name for e in r.entries if not r.own(e.member.id)]
    if no_review:
        warnings.append(ctx.fmt.ngettext(
            "{n} member has not handed in a self-review: {names}.",
            "{n} members have not handed in a self-review: {names}.", len(no_review)
        ).format(n=len(no_review), names=", ".join(no_review)))
    if warnings and not anyway:
        return [Reply(_("Before sending: {warning}").format(warning="\n".join(warnings))
                      + "\n" + _("Send the list as it is, or change a proposal first."),
            rows(Choice(_("Send as it is"), RATINGS.pack(ConfirmList(cell_id, 1)), _("send")),
                 Choice(_("Back to the list"), RATINGS.pack(CellList(cell_id)), _("list"))),
            replace=ctx.incoming.kind is Kind.ACTION)]
    confirmed = await ctx.repos.ratings.confirm_proposals(r.cell.id, r.year, ctx.now)
    if confirmed:
        await notices.tell_committee_confirmed(ctx, r.cell, r.year, len(r.entries))
    note = ctx.fmt.ngettext(
        "Sent to the committee: the cell's proposal for {n} member.",
        "Sent to the committee: the cell's proposals for {n} members.",
        len(r.entries)).format(n=len(r.entries)) if confirmed else _(
        "The list was already sent to the committee.")
    return [list_reply(ctx, await roster(ctx, r.cell), note=note)]
