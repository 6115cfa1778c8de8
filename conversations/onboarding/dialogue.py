"""Binding a chat account with an invitation code, and secretaries issuing new codes."""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.core.context import Context
from conversations.core.i18n import Formatter
from conversations.core.menus import MENU, ShowMenu, main_menu
from conversations.core.outgoing import encode_reply
from conversations.core.paging import page_of
from conversations.core.replies import Choice, Reply
from conversations.core.text import name_order
from conversations.onboarding.actions import (
    INVITATIONS,
    ConfirmInvite,
    InviteMember,
    InvitePage,
)
from conversations.onboarding.invitations import (
    TELEGRAM_USERNAME_KEY,
    display_code,
    issue_invite,
    normalise_code,
    telegram_link,
)
from storage.invites import Redeem, RedeemResult
from storage.models import Member
from storage.outbox import OutMessage


async def redeem(ctx: Context, typed: str) -> list[Reply]:
    """Try an invitation code typed or carried by /start; wrong tries are slowed down."""
    _ = ctx._
    channel, user = ctx.incoming.channel, ctx.incoming.user_id
    invites = ctx.repos.invites
    locked = await invites.locked_until(channel, user, ctx.now)
    if locked:
        return [_locked(ctx, locked)]
    busy = await invites.channel_locked_until(channel, ctx.now)
    if busy:  # many wrong codes from many accounts: none is checked for a while
        return [_busy(ctx, busy)]
    code = normalise_code(typed)
    result = await invites.redeem(code, ctx.account.id, ctx.now) if code else None
    if result is None or result.outcome is Redeem.UNKNOWN:
        cfg = ctx.config
        locked = await invites.record_failure(
            channel, user, ctx.now, free_tries=cfg.free_tries, window=cfg.failure_window,
            base_lock=cfg.base_lock, max_lock=cfg.max_lock,
        )
        busy = await invites.record_channel_failure(
            channel, ctx.now, limit=cfg.channel_wrong_codes_per_minute,
            window=timedelta(minutes=1), lock=cfg.channel_lock,
        )
        if busy:
            return [_busy(ctx, busy)]
        if locked:
            return [_locked(ctx, locked)]
        return [Reply(_(
            "This invitation code is not valid. Please check it (12 letters and digits, "
            "like ABCD-EFGH-JKMN) or ask your cell secretary."
        ))]
    if result.outcome is Redeem.BOUND:
        await invites.clear_failures(channel, user)
        member = await ctx.repos.org.member(result.member_id)
        assert member is not None
        ctx.member = member
        await _tell_released(ctx, member, result)
        return [await welcome(ctx, just_bound=True)]
    messages = {
        Redeem.ALREADY_BOUND: _("This account is already linked to you."),
        Redeem.USED: _(
            "This invitation code has already been used. Each code works only once; "
            "please ask your cell secretary for a new one."
        ),
        Redeem.EXPIRED: _(
            "This invitation code has expired. Please ask your cell secretary for a new one."
        ),
        Redeem.REVOKED: _(
            "This invitation code was replaced by a newer one. Please use the latest code "
            "your cell secretary gave you."
        ),
        Redeem.OTHER_MEMBER: _(
            "This account is already linked to another Party member; one account serves "
            "one member only. If this is a mistake, please tell your cell secretary."
        ),
    }
    if result.outcome is Redeem.ALREADY_BOUND and ctx.member:
        return [main_menu(ctx, messages[result.outcome])]
    return [Reply(messages[result.outcome])]


def _busy(ctx: Context, until: datetime) -> Reply:
    return Reply(ctx._(
        "Too many wrong invitation codes have been sent to this assistant in the last "
        "minute, so no code is being checked for now, not even a correct one. Please try "
        "again in a few minutes ({when})."
    ).format(when=ctx.fmt.relative(until - ctx.now)))


def _locked(ctx: Context, until) -> Reply:
    return Reply(ctx._(
        "Too many wrong invitation codes from this account. Please try again {when} "
        "(at {time})."
    ).format(when=ctx.fmt.relative(until - ctx.now), time=ctx.fmt.datetime(until)))


async def welcome(ctx: Context, *, just_bound: bool = False) -> Reply:
    _ = ctx._
    member = ctx.member
    assert member is not None
    committee = await ctx.repos.org.committee(member.committee_id)
    lines = [_("Hello, comrade {name}.").format(name=member.full_name)]
    if just_bound:
        lines.append(_("This account is now linked to you ({cell}, {committee}).").format(
            cell=member.cell_name, committee=committee.name if committee else ""
        ))
    return main_menu(ctx, "\n".join(lines))


async def _tell_released(ctx: Context, member: Member, result: RedeemResult) -> None:
    """The account a new code took the member from learns it, and who issued the code:
    if someone else redeemed it, the real member knows at once whom to ask."""
    if not result.released:
        return
    issuer = await ctx.repos.org.member(result.issued_by) if result.issued_by else None
    _ = Formatter(member.language).gettext
    by = (_("comrade {name}").format(name=issuer.full_name) if issuer
          else _("the committee (from the command line)"))
    text = _(
        "This chat account is no longer linked to comrade {name}: a new invitation code "
        "issued by {issuer} was used from another account. If you did not ask for this, "
        "please tell your committee at once."
    ).format(name=member.full_name, issuer=by)
    stamp = ctx.now.isoformat()
    await ctx.repos.outbox.enqueue([
        OutMessage(f"unlinked:{member.id}:{old.channel}:{old.chat_id}:{stamp}", "unlinked",
                   encode_reply(Reply(text)), member.id, old.channel, old.chat_id)
        for old in result.released
    ], ctx.now)


# fresh codes: a secretary for the plain members of her cell, an admin for anyone of
# the committee; codes for role holders otherwise only come from `kiemdiem invites`

def _invite_refusal(ctx: Context, target: Member | None) -> str | None:
    """Why this person may not issue a code for `target`, or None when they may."""
    _ = ctx._
    me = ctx.member
    by_admin = bool(me and me.is_admin and target and target.committee_id == me.committee_id)
    by_secretary = bool(me and me.is_cell_secretary and target and target.cell_id == me.cell_id)
    if target is None or not (by_admin or by_secretary):
        return _("You can only give invitation codes to members of your own cell.")
    if target.removed:
        return _("Comrade {name} is no longer on the member list.").format(
            name=target.full_name)
    if target.roles and not by_admin:
        return _(
            "Invitation codes for secretaries, deputy secretaries and committee admins are "
            "issued by the committee (kiemdiem invites) or by a committee admin."
        )
    return None


async def invite_list(ctx: Context, page: int = 0) -> Reply:
    _ = ctx._
    me = ctx.member
    if not me or not (me.is_cell_secretary or me.is_admin):
        return Reply(_("This is for cell secretaries and deputy secretaries."))
    of_cell = sorted(await ctx.repos.org.members_of_cell(me.cell_id),
                     key=lambda m: name_order(m.full_name))
    members, left_out = [], []
    for m in of_cell:
        (members if _invite_refusal(ctx, m) is None else left_out).append(m)
    paged = page_of(members, ctx.config.page_size, page)
    bound = await ctx.repos.accounts.bound_members([m.id for m in paged.shown])
    buttons = [
        (Choice(("✓ " if m.id in bound else "") + m.full_name,
                INVITATIONS.pack(InviteMember(m.id))),)
        for m in paged.shown
    ]
    nav = paged.nav(ctx, lambda n: INVITATIONS.pack(InvitePage(n)))
    if nav:
        buttons.append(nav)
    text = _(
        "{cell}: choose a member to give a new invitation code (✓ already linked). "
        "A new code replaces the member's unused one."
    ).format(cell=me.cell_name)
    if left_out:  # say who is missing and why, or the list looks incomplete
        names = ", ".join(m.full_name + (" (" + _("yourself") + ")" if m.id == me.id else "")
                          for m in left_out)
        text += "\n" + _(
            "Not listed: {names}. Codes for secretaries, deputy secretaries and committee "
            "admins come from the committee or a committee admin."
        ).format(names=names)
    if paged.footer(ctx):
        text += "\n" + paged.footer(ctx)
    return Reply(text, tuple(buttons), replace=ctx.incoming.kind.value == "action")




async def invite_member(ctx: Context, member_id: int, *, confirmed: bool = False) -> Reply:
    _ = ctx._
    target = await ctx.repos.org.member(member_id)
    refusal = _invite_refusal(ctx, target)
    if refusal is not None:
        return Reply(refusal)
    assert target is not None and ctx.member is not None
    if not confirmed and await ctx.repos.accounts.bound_members([target.id]):
        return Reply(_(
            "Comrade {name} is already linked to a chat account. Once a new code is used, "
            "that account is unlinked (its owner is told, with your name). Give a new code "
            "anyway?"
        ).format(name=target.full_name), (
            (Choice(_("Yes, give a new code"), INVITATIONS.pack(ConfirmInvite(target.id))),),
            (Choice(_("Cancel"), MENU.pack(ShowMenu())),),
        ))
    invite = await issue_invite(
        ctx.repos, target.id, ctx.now, ctx.config.invite_ttl, issued_by=ctx.member.id
    )
    username = await ctx.repos.settings.get(TELEGRAM_USERNAME_KEY)
    lines = [
        _("New invitation code for comrade {name}: {code}").format(
            name=target.full_name, code=display_code(invite.code)
        ),
        _("Valid until {date} ({relative}).").format(
            date=ctx.fmt.datetime(invite.expires_at),
            relative=ctx.fmt.relative(invite.expires_at - ctx.now),
        ),
    ]
    link = telegram_link(username, invite.code)
    if link:
        lines.append(_("Telegram link: {link}").format(link=link))
    lines.append(_(
        "Any earlier unused code of this member no longer works. Please hand the code to "
        "the member in person or in a private message, not in a group."
    ))
    # Choices of their own, so a number typed next picks from these, never from the
    # list or the question shown before (which are no longer on the screen).
    return Reply("\n".join(lines), (
        (Choice(_("Code for another member"), INVITATIONS.pack(InvitePage(0))),),
        (Choice(_("Main menu"), MENU.pack(ShowMenu())),),
    ))
