"""Shared replies: the main menu, help, language choice, and 'that button is stale'."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from conversations.core.replies import Choice, Reply, rows

# (command, description) for the platform's command menu and /help.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    # (command, who may use it, description)
    ("start", "all", N_("Start, or link your account with an invitation code")),
    ("help", "all", N_("What this assistant can do")),
    ("review", "all", N_("Write, continue or view your self-review")),
    ("copy", "all", N_("The printable copy of your submitted self-review")),
    ("language", "all", N_("Tiếng Việt / English")),
    ("invite", "secretary", N_("Secretaries: a new invitation code for a member")),
    ("progress", "lead", N_("Secretaries and admins: who has submitted, who has not")),
    ("export", "lead", N_("Secretaries and admins: the summary .xlsx and all reviews")),
    ("alerts", "secretary", N_("Secretaries: alerts at each submission, a digest, or off")),
    ("linkgroup", "secretary", N_("Secretaries: link the cell's group chat (send it there)")),
    ("campaign", "admin", N_("Committee admins: review campaigns, deadlines and reminders")),
    ("broadcast", "admin", N_("Committee: send an announcement to members")),
    ("broadcasts", "lead", N_("Announcements sent and who was not reached")),
)


def commands_for(ctx: Context) -> list[tuple[str, str]]:
    allowed = {"all"}
    if ctx.member and ctx.member.is_cell_secretary:
        allowed |= {"secretary", "lead"}
    if ctx.member and ctx.member.is_admin:
        allowed |= {"admin", "lead"}  # 'lead': secretaries and admins
    return [(name, ctx._(text)) for name, who, text in COMMANDS if who in allowed]


def main_menu(ctx: Context, text: str | None = None, *, replace: bool = False) -> Reply:
    _ = ctx._
    choices = [Choice(_("My self-review"), "review")]
    if ctx.member and ctx.member.is_cell_secretary:
        choices.append(Choice(_("Invitation codes for my cell"), "invite"))
    if ctx.member and (ctx.member.is_cell_secretary or ctx.member.is_admin):
        choices.append(Choice(_("Progress of the self-reviews"), "pg"))
    if ctx.member and ctx.member.is_admin:
        choices.append(Choice(_("Review campaigns and deadlines"), "campaign"))
        choices.append(Choice(_("Send an announcement"), "broadcast"))
    choices.append(Choice(_("Language / Ngôn ngữ"), "language"))
    choices.append(Choice(_("Help"), "help"))
    return Reply(text or _("What would you like to do?"), rows(*choices), replace=replace)


def help_reply(ctx: Context) -> Reply:
    _ = ctx._
    lines = [_("Commands:")]
    lines += [f"/{name} — {description}" for name, description in commands_for(ctx)]
    if not ctx.incoming.has_buttons:
        lines.append(_("Where choices are numbered, reply with the number."))
    if ctx.member is None:
        return Reply("\n".join(lines))
    return main_menu(ctx, "\n".join(lines))


def language_menu(ctx: Context) -> Reply:
    choices = [
        Choice(("✓ " if ctx.fmt.language == code else "") + LANGUAGE_NAMES[code], f"lang:{code}")
        for code in LANGUAGES
    ]
    return Reply(ctx._("Choose the language for this assistant:"), rows(*choices, per_row=2))


def stale_button(ctx: Context) -> Reply:
    return main_menu(
        ctx,
        ctx._("That button is no longer valid. Here is where you are now:"),
    )


def unknown_person(ctx: Context) -> Reply:
    _ = ctx._
    if ctx.incoming.hidden:
        return Reply(_(
            "The messenger does not let this assistant read the messages of your account, "
            "so it cannot link your account or take your answers. Please ask your cell "
            "secretary how to submit your self-review."
        ))
    return Reply(
        _(
            "Hello. This is the assistant for the Party members' yearly self-review and "
            "quality rating.\n"
            "This account is not linked to any Party member yet. Please send the invitation "
            "code your cell secretary gave you (it looks like ABCD-EFGH-JKMN), or open the "
            "invitation link. If you have no code, ask your cell secretary for one."
        )
    )
