"""The cell meeting's secret vote (/vote): the secretary opens it, each full member votes
from their own chat on the level to propose for every other member reviewed this year,
the secretary closes it, sees the count per member, and fills the cell's proposals with
it (to confirm them in /proposals).

Secret: storage keeps who has voted on whom (so nobody votes twice) apart from the counts
(storage/votes.py); nothing links a voter to a level, and a vote cannot be changed.
"""

from __future__ import annotations

from collections.abc import Mapping

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.i18n import N_
from conversations.core.menus import MENU, ShowMenu
from conversations.core.replies import Choice, Reply, rows
from conversations.core.text import name_order
from conversations.forms.rating import exclusion, review_year
from conversations.ratings import levels
from conversations.secretary.alerts import formatter_for, send_to_member
from conversations.voting.actions import (
    VOTING,
    CastBallot,
    CloseVote,
    FillProposals,
    OpenVote,
    ShowVote,
)
from storage.models import Member
from storage.ratings import NewProposal
from storage.votes import Vote, VoteOpenError

ABSTAIN = "abstain"


def _short(ctx: Context, level: str | None) -> str:
    """A level in a word or two, as the rating chain shows it; or «Không biểu quyết»."""
    return ctx._("Abstain") if level == ABSTAIN else levels.word(ctx, level)


async def _candidates(ctx: Context) -> list[Member]:
    """The cell's members reviewed this year, by name."""
    members = await ctx.repos.org.members_of_cell(ctx.member.cell_id)
    return sorted((m for m in members if exclusion(m, ctx.today) is None),
                  key=lambda m: name_order(m.full_name))


def may_vote(member: Member) -> bool:
    """Full members vote; probationary members do not (Điều lệ Đảng), nor those exempted
    from activities or suspended."""
    return member.status == "active"


def _not_a_voter(ctx: Context) -> Reply:
    return Reply(ctx._("Only full members vote: probationary members, and members exempted "
                       "from activities or suspended, do not."))


def _levels(ctx: Context) -> list[str]:
    return levels.keys(ctx.forms)  # the four levels, the same on every form


async def vote_command(ctx: Context, _args: str = "") -> list[Reply]:
    if ctx.member is None:
        return [menus.unknown_person(ctx)]
    vote = await ctx.repos.votes.latest(ctx.member.cell_id, review_year(ctx.today))
    if ctx.member.is_cell_secretary:
        return await _secretary_view(ctx, vote)
    if vote is None or not vote.is_open:
        return [Reply(ctx._("There is no vote open in your cell now."))]
    if not may_vote(ctx.member):
        return [_not_a_voter(ctx)]
    return [await _next_ballot(ctx, vote)]


async def _secretary_view(ctx: Context, vote: Vote | None) -> list[Reply]:
    _ = ctx._
    if vote is not None and vote.is_open:
        voters = await ctx.repos.votes.voters(vote.id)
        return [Reply(ctx.fmt.ngettext(
            "The secret vote of {cell} is open since {time}: {n} member has voted so far.",
            "The secret vote of {cell} is open since {time}: {n} members have voted so far.",
            voters).format(cell=ctx.member.cell_name, time=ctx.fmt.datetime(vote.opened_at),
                           n=voters), _open_vote_choices(ctx, vote))]
    candidates = await _candidates(ctx)
    replies = [await _result(ctx, vote)] if vote is not None else []
    replies.append(Reply(ctx.fmt.ngettext(
        "Open a secret vote on the level to propose for the {n} member of {cell}? Members "
        "vote from their own chats during the meeting; who voted what is not recorded.",
        "Open a secret vote on the level to propose for each of the {n} members of {cell}? "
        "Members vote from their own chats during the meeting; who voted what is not "
        "recorded.", len(candidates)).format(n=len(candidates), cell=ctx.member.cell_name),
        rows(Choice(_("Open the vote"), VOTING.pack(OpenVote())),
             Choice(_("Main menu"), MENU.pack(ShowMenu())))))
    return replies


def _open_vote_choices(ctx: Context, vote: Vote) -> tuple[tuple[Choice, ...], ...]:
    """What the secretary can do while the vote is open."""
    _ = ctx._
    return rows(Choice(_("My own ballot"), VOTING.pack(CastBallot(vote.id, 0, "mine"))),
                Choice(_("Refresh"), VOTING.pack(ShowVote())),
                Choice(_("Close the vote"), VOTING.pack(CloseVote(vote.id))))


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    me = ctx.member
    if me is None:
        return [menus.unknown_person(ctx)]
    if isinstance(action, ShowVote):
        return await vote_command(ctx)
    if isinstance(action, CastBallot):
        return [await _cast(ctx, action)]
    if not me.is_cell_secretary:
        return [Reply(ctx._("Only the cell's secretary or deputy can open or close the "
                            "vote."))]
    if isinstance(action, OpenVote):
        return [await _open(ctx)]
    vote = await ctx.repos.votes.get(action.vote_id)
    if vote is None or vote.cell_id != me.cell_id:  # another cell's vote: never
        return [Reply(ctx._("That vote is not your cell's."))]
    match action:
        case CloseVote(confirmed=0) if vote.is_open:
            return [Reply(ctx._("Close the vote now? Members who have not voted can no longer "
                                "vote."), rows(
                Choice(ctx._("Yes, close it"), VOTING.pack(CloseVote(vote.id, 1))),
                Choice(ctx._("Back"), VOTING.pack(ShowVote()))))]
        case CloseVote():
            await ctx.repos.votes.close(vote.id, ctx.now)
            closed = await ctx.repos.votes.get(vote.id)
            return [await _result(ctx, closed)]
        case FillProposals() if not vote.is_open:
            return [await _fill(ctx, vote)]
    return await vote_command(ctx)


async def _open(ctx: Context) -> Reply:
    me = ctx.member
    try:
        vote = await ctx.repos.votes.open(me.cell_id, review_year(ctx.today), me.id, ctx.now)
    except VoteOpenError:
        return Reply(ctx._("A vote is already open in your cell."),
                     rows(Choice(ctx._("Show it"), VOTING.pack(ShowVote()))))
    committee = await ctx.repos.org.committee(me.committee_id)
    for member in await ctx.repos.org.members_of_cell(me.cell_id):
        if member.id == me.id or not may_vote(member):
            continue
        fmt = formatter_for(member, committee)
        invitation = Reply(fmt.gettext(
            "{cell} is voting now, in secret, on the level to propose for each member. "
            "Please vote from this chat.").format(cell=me.cell_name),
            rows(Choice(fmt.gettext("Vote"), VOTING.pack(ShowVote()))))
        await send_to_member(ctx.repos, member, f"vote:{vote.id}:{member.id}", "vote",
                             vote.id, invitation, ctx.now)
    opened = (N_("The vote is open; the cell's full members are told now. Press «Close the "
                 "vote» when everyone present has voted.") if ctx.incoming.has_buttons
              else N_("The vote is open; the cell's full members are told now. Choose «Close "
                      "the vote» when everyone present has voted."))
    return Reply(ctx._(opened), _open_vote_choices(ctx, vote))


async def _next_ballot(ctx: Context, vote: Vote, note: str = "") -> Reply:
    _ = ctx._
    others = [m for m in await _candidates(ctx) if m.id != ctx.member.id]
    done = await ctx.repos.votes.voted_on(vote.id, ctx.member.id)
    left = [m for m in others if m.id not in done]
    prefix = note + "\n" if note else ""
    if not left:
        return Reply(prefix + _("Thank you. You have voted on every member; who voted what is "
                                "not recorded."))
    candidate = left[0]
    chain = await ctx.repos.ratings.chain(ctx.member.cell_id, vote.year)
    own = chain[candidate.id].own if candidate.id in chain else None
    text = prefix + _("Secret vote ({n} of {total}): comrade {name}, self-proposed level: "
                      "{own}. Which level should the cell propose?").format(
        n=len(others) - len(left) + 1, total=len(others), name=candidate.full_name,
        own=_short(ctx, own) if own else _("not submitted yet"))
    choices = [Choice(_short(ctx, level), VOTING.pack(CastBallot(vote.id, candidate.id, level)))
               for level in [*_levels(ctx), ABSTAIN]]
    return Reply(text, rows(*choices, per_row=2))


async def _cast(ctx: Context, action: CastBallot) -> Reply:
    vote = await ctx.repos.votes.get(action.vote_id)
    if vote is None or vote.cell_id != ctx.member.cell_id:
        return Reply(ctx._("That vote is not your cell's."))
    if not vote.is_open:
        return Reply(ctx._("The vote is closed."))
    if not may_vote(ctx.member):
        return _not_a_voter(ctx)
    if action.candidate_id == 0:  # the secretary's own ballot
        return await _next_ballot(ctx, vote)
    candidates = {m.id: m for m in await _candidates(ctx)}
    candidate = candidates.get(action.candidate_id)
    if (candidate is None or candidate.id == ctx.member.id
            or action.level not in [*_levels(ctx), ABSTAIN]):
        return await _next_ballot(ctx, vote, ctx._("That button is no longer valid."))
    counted = await ctx.repos.votes.cast(vote.id, ctx.member.id, candidate.id, action.level)
    note = ctx._("Counted.") if counted else ctx._(
        "You had already voted on comrade {name}; a vote cannot be changed.").format(
        name=candidate.full_name)
    return await _next_ballot(ctx, vote, note)


def majority(counts: Mapping[str, int]) -> str | None:
    """The level with the most votes (abstentions aside); None on a tie or no votes."""
    votes = sorted(((n, level) for level, n in counts.items() if level != ABSTAIN and n),
                   reverse=True)
    if not votes or (len(votes) > 1 and votes[0][0] == votes[1][0]):
        return None
    return votes[0][1]


async def _result(ctx: Context, vote: Vote) -> Reply:
    _ = ctx._
    tally = await ctx.repos.votes.tally(vote.id)
    voters = await ctx.repos.votes.voters(vote.id)
    lines = [ctx.fmt.ngettext(
        "Result of the secret vote of {time} ({n} voter):",
        "Result of the secret vote of {time} ({n} voters):", voters).format(
        time=ctx.fmt.datetime(vote.opened_at), n=voters)]
    for member in await _candidates(ctx):
        counts = tally.get(member.id, {})
        parts = [f"{_short(ctx, level)} {counts[level]}"
                 for level in [*_levels(ctx), ABSTAIN] if counts.get(level)]
        top = majority(counts)
        lines.append(f"• {member.full_name}: " + (" · ".join(parts) or _("no votes")) + " → "
                     + (_short(ctx, top) if top else _("undecided")))
    lines.append(_("The level is the one with the most votes; on equal votes it is "
                   "undecided."))
    choices = [Choice(_("Fill the cell's proposals with these results"),
                      VOTING.pack(FillProposals(vote.id)))] if not vote.is_open else []
    return Reply("\n".join(lines), rows(*choices))


async def _fill(ctx: Context, vote: Vote) -> Reply:
    tally = await ctx.repos.votes.tally(vote.id)
    chain = await ctx.repos.ratings.chain(vote.cell_id, vote.year)
    earlier = await ctx.repos.ratings.proposals(vote.cell_id, vote.year)
    proposals, undecided = [], []
    for member in await _candidates(ctx):
        counts = tally.get(member.id, {})
        top = majority(counts)
        if top is None:
            undecided.append(member.full_name)
            continue
        own = chain[member.id].own if member.id in chain else None
        order = _levels(ctx)
        above = own in order and order.index(top) < order.index(own)
        reason = ctx._("By the cell's secret vote: {n} of {total} votes.").format(
            n=counts[top], total=sum(counts.values())) if above else ""
        kept = earlier.get(member.id)  # the cell committee's comment stays with the level
        proposals.append(NewProposal(member.id, top, comment=kept.comment if kept else "",
                                     reason=reason))
    await ctx.repos.ratings.propose(vote.cell_id, vote.year, proposals, source="vote",
                                    by=ctx.member.id, now=ctx.now)
    lines = [ctx.fmt.ngettext(
        "The cell's proposal was filled for {n} member from the vote.",
        "The cell's proposals were filled for {n} members from the vote.",
        len(proposals)).format(n=len(proposals))]
    if undecided:
        # two messages, not ngettext: Vietnamese has one plural form, yet one comrade is
        # «đồng chí X» and several are «các đồng chí X, Y»
        lines.append((ctx._(
            "Undecided (a tie or no votes): please choose the level for comrade {names} in "
            "/proposals.") if len(undecided) == 1 else ctx._(
            "Undecided (a tie or no votes): please choose the levels for comrades {names} in "
            "/proposals.")).format(names=", ".join(undecided)))
    lines.append(ctx._("Check and confirm them with /proposals."))
    return Reply("\n".join(lines))


CAPABILITY = Capability(
    name="voting",
    commands={"vote": vote_command},
    codec=VOTING,
    on_action=on_action,
)
