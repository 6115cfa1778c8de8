"""What the rating chain tells people, through the outbox, on their own channel and in
their language:
- a member, once per decision that changes their level (a change says the old level and
  the committee's reason);
- the cell's secretaries, when the whole cell is decided, when the committee changes a
  decided level, and when the committee rates the cell;
- the committee's admins, when a cell sends its list, and when a cell changes a proposal
  the committee has already decided on.
Messages about the chain itself (to secretaries and admins) are of kind 'rating-chain';
the members' own levels and the cell decided, of kind 'rating'."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conversations.core.context import Context
from conversations.core.i18n import Formatter
from conversations.core.replies import Choice, Reply
from conversations.ratings import levels as lv
from conversations.ratings.actions import RATINGS, CellDecisions, CellList
from conversations.secretary.alerts import formatter_for, secretaries_of, send_to_member
from storage.models import Cell, Committee, Member
from storage.ratings import Decision

CHAIN = "rating-chain"


async def _tell(ctx: Context, people: Iterable[Member], key: str, kind: str, ref_id: int,
                build: Callable[[Formatter], Reply]) -> None:
    """One message to each of `people` (queued once per `key`), in their language."""
    committees: dict[int, Committee | None] = {}
    for person in people:
        if person.committee_id not in committees:
            committees[person.committee_id] = await ctx.repos.org.committee(
                person.committee_id)
        fmt = formatter_for(person, committees[person.committee_id])
        await send_to_member(ctx.repos, person, key, kind, ref_id, build(fmt), ctx.now)


async def _secretaries(ctx: Context, cell: Cell) -> list[Member]:
    return secretaries_of(await ctx.repos.org.members_of_cell(cell.id))


async def _admins(ctx: Context, cell: Cell) -> list[Member]:
    return [m for m in await ctx.repos.org.members_of_committee(cell.committee_id)
            if m.is_admin]


def _reason(text: str) -> str:
    return text.strip().rstrip(".")


async def tell_decided(ctx: Context, member: Member, year: int, level: str,
                       before: Decision | None = None, reason: str = "") -> None:
    """The member's final level; `before`: the decision it replaces (None: the first),
    `reason`: the committee's reason for the change."""
    def build(fmt: Formatter) -> Reply:
        new = lv.label_in(ctx.forms, level, fmt.language)
        if before is None:
            return Reply(fmt.gettext(
                "The committee has decided your rating for {year}: «{level}»."
            ).format(year=year, level=new))
        return Reply(fmt.gettext(
            "The committee has changed your rating for {year}. Reason: {reason}. Your "
            "level is changed from «{old}» to «{new}»."
        ).format(year=year, reason=_reason(reason), new=new,
                 old=lv.label_in(ctx.forms, before.level, fmt.language)))

    # once per change: the key names what it replaces, so a level changed back is told
    replaced = f"{before.level}@{before.decided_at.isoformat()}" if before else "-"
    await _tell(ctx, [member], f"rating:{year}:{member.id}:{replaced}>{level}", "rating",
                member.id, build)


async def tell_cell_of_change(ctx: Context, cell: Cell, member: Member, year: int,
                              before: Decision, level: str, reason: str) -> None:
    """The cell's secretaries: the committee changed a level it had decided."""
    def build(fmt: Formatter) -> Reply:
        return Reply(fmt.gettext(
            "The committee has changed the rating of comrade {name} for {year} from "
            "«{old}» to «{new}». Reason: {reason}."
        ).format(name=member.full_name, year=year, reason=_reason(reason),
                 old=lv.label_in(ctx.forms, before.level, fmt.language),
                 new=lv.label_in(ctx.forms, level, fmt.language)))

    key = f"rating-changed:{year}:{member.id}:{before.decided_at.isoformat()}>{level}"
    await _tell(ctx, await _secretaries(ctx, cell), key, CHAIN, member.id, build)


async def tell_cell_decided(ctx: Context, cell: Cell, year: int) -> None:
    """The cell's secretaries, once per cell and year, when every member is decided."""
    def build(fmt: Formatter) -> Reply:
        return Reply(fmt.gettext(
            "The committee has decided the ratings of {cell} for {year}."
        ).format(cell=cell.name, year=year), ((Choice(
            fmt.gettext("The cell's proposals"), RATINGS.pack(CellList(cell.id))),),))

    await _tell(ctx, await _secretaries(ctx, cell), f"cell-decided:{year}:{cell.id}",
                "rating", cell.id, build)


async def tell_cell_rated(ctx: Context, cell: Cell, year: int, level: str) -> None:
    """The cell's secretaries: the committee recorded (or changed) the cell's own rating."""
    def build(fmt: Formatter) -> Reply:
        return Reply(fmt.gettext(
            "The committee has rated {cell} for {year}: «{level}»."
        ).format(cell=cell.name, year=year, level=lv.label_in(ctx.forms, level, fmt.language)))

    key = f"cell-rated:{year}:{cell.id}:{ctx.now.isoformat()}>{level}"
    await _tell(ctx, await _secretaries(ctx, cell), key, CHAIN, cell.id, build)


def _to_decide(fmt: Formatter, cell: Cell) -> tuple[tuple[Choice, ...], ...]:
    return ((Choice(fmt.gettext("Open the cell's decisions"),
                    RATINGS.pack(CellDecisions(cell.id))),),)


async def tell_committee_confirmed(ctx: Context, cell: Cell, year: int, count: int) -> None:
    """The committee's admins, once per confirmation: the cell has sent its list."""
    def build(fmt: Formatter) -> Reply:
        return Reply(fmt.ngettext(
            "{cell} has sent the committee its proposals for {year} ({n} member).",
            "{cell} has sent the committee its proposals for {year} ({n} members).", count
        ).format(cell=cell.name, year=year, n=count), _to_decide(fmt, cell))

    key = f"cell-confirmed:{year}:{cell.id}:{ctx.now.isoformat()}"
    await _tell(ctx, await _admins(ctx, cell), key, CHAIN, cell.id, build)


async def tell_committee_of_change(ctx: Context, cell: Cell, member: Member, year: int,
                                   decided: Decision, level: str) -> None:
    """The committee's admins: the cell changed a proposal the committee has decided on."""
    def build(fmt: Formatter) -> Reply:
        return Reply(fmt.gettext(
            "{cell} has changed its proposal for comrade {name} to «{new}» after the "
            "committee decided «{decided}» ({year}). The committee's decision stays until "
            "an admin changes it."
        ).format(cell=cell.name, name=member.full_name, year=year,
                 new=lv.label_in(ctx.forms, level, fmt.language),
                 decided=lv.label_in(ctx.forms, decided.level, fmt.language)),
            _to_decide(fmt, cell))

    key = f"proposal-changed:{year}:{member.id}:{ctx.now.isoformat()}>{level}"
    await _tell(ctx, await _admins(ctx, cell), key, CHAIN, member.id, build)
