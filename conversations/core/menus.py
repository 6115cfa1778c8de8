"""Shared replies: the main menu, help, language choice, and 'that button is stale'.

The main menu's buttons are declared here because the menu is built here: the general
ones (menu, help, language) and one entry into each capability, which that capability
also declares in its own codec and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.context import Context
from conversations.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, translator
from conversations.core.replies import Choice, Reply, rows


@dataclass(frozen=True)
class ShowMenu(Action):
    prefix: ClassVar[str] = "menu"


@dataclass(frozen=True)
class ShowHelp(Action):
    prefix: ClassVar[str] = "help"


@dataclass(frozen=True)
class ChooseLanguage(Action):
    prefix: ClassVar[str] = "language"


@dataclass(frozen=True)
class SetLanguage(Action):
    prefix: ClassVar[str] = "lang"
    code: str


# entries into the capabilities
@dataclass(frozen=True)
class OpenReview(Action):
    prefix: ClassVar[str] = "review"


@dataclass(frozen=True)
class OpenInvitations(Action):
    prefix: ClassVar[str] = "invite"


@dataclass(frozen=True)
class OpenProgress(Action):
    prefix: ClassVar[str] = "progress"


@dataclass(frozen=True)
class OpenCampaigns(Action):
    prefix: ClassVar[str] = "campaign"


@dataclass(frozen=True)
class StartBroadcast(Action):
    prefix: ClassVar[str] = "broadcast"


@dataclass(frozen=True)
class OpenProposals(Action):
    prefix: ClassVar[str] = "proposals"


@dataclass(frozen=True)
class OpenDecisions(Action):
    prefix: ClassVar[str] = "decide"


GENERAL = Codec(ShowMenu, ShowHelp, ChooseLanguage, SetLanguage)
MENU = Codec(ShowMenu, ShowHelp, ChooseLanguage, SetLanguage, OpenReview, OpenInvitations,
             OpenProgress, OpenCampaigns, StartBroadcast, OpenProposals, OpenDecisions)

# (command, description) for the platform's command menu and /help.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    # (command, who may use it, description)
    ("start", "all", N_("Start, or link your account with an invitation code")),
    ("help", "all", N_("What this assistant can do")),
    ("review", "all", N_("Write, continue or view your self-review")),
    ("copy", "all", N_("The printable copy of your submitted self-review")),
    ("language", "all", N_("Tiếng Việt / English")),
    ("kenh", "all", N_("Receive messages through Telegram, Zalo or the channel used last")),
    ("invite", "secretary", N_("Secretaries: a new invitation code for a member")),
    ("progress", "lead", N_("Secretaries and admins: who has submitted, who has not")),
    ("export", "lead", N_("Secretaries and admins: the summary .xlsx and all reviews")),
    ("proposals", "secretary", N_("Secretaries: the levels the cell proposes for its members")),
    ("decide", "admin", N_("Committee admins: decide the levels and rate the cells")),
    ("alerts", "secretary", N_("Secretaries: alerts at each submission, a digest, or off")),
    ("linkgroup", "secretary", N_("Secretaries: link the cell's group chat (send it there)")),
    ("campaign", "admin", N_("Committee admins: review campaigns, deadlines and reminders")),
    ("broadcast", "lead", N_("Admins: an announcement to members; secretaries: to the cell")),
    ("broadcasts", "lead", N_("Announcements sent and who was not reached")),
    ("vote", "all", N_("The cell meeting's secret vote on the members' levels")),
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
    choices = [Choice(_("My self-review"), MENU.pack(OpenReview()))]
    if ctx.member and ctx.member.is_cell_secretary:
        choices.append(Choice(_("Invitation codes for my cell"), MENU.pack(OpenInvitations())))
    if ctx.member and (ctx.member.is_cell_secretary or ctx.member.is_admin):
        choices.append(Choice(_("Progress of the self-reviews"), MENU.pack(OpenProgress())))
    if ctx.member and ctx.member.is_admin:
        choices.append(Choice(_("Review campaigns and deadlines"), MENU.pack(OpenCampaigns())))
        choices.append(Choice(_("Send an announcement"), MENU.pack(StartBroadcast())))
    elif ctx.member and ctx.member.is_cell_secretary:
        choices.append(Choice(_("Announce to my cell"), MENU.pack(StartBroadcast())))
    # the rating chain after the existing entries, so their numbers stay
    if ctx.member and ctx.member.is_admin:
        choices.append(Choice(_("Decide the levels (committee)"), MENU.pack(OpenDecisions())))
    if ctx.member and ctx.member.is_cell_secretary:
        choices.append(Choice(_("The cell's proposed levels"), MENU.pack(OpenProposals())))
    choices.append(Choice(_("Language / Ngôn ngữ"), MENU.pack(ChooseLanguage())))
    choices.append(Choice(_("Help"), MENU.pack(ShowHelp())))
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
        Choice(("✓ " if ctx.fmt.language == code else "") + LANGUAGE_NAMES[code],
               MENU.pack(SetLanguage(code)))
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


def edited_message(ctx: Context) -> Reply:
    """Edits of earlier messages are not read; say so instead of staying silent."""
    if ctx.member is None:
        return unknown_person(ctx)
    return Reply(ctx._(
        "Edited messages are not read, so that change was not saved. To change an answer, "
        "send /review, choose “Edit an item” and open the item again."
    ))


def failure_reply(language: str, *, storage: bool) -> Reply:
    """When handling a message failed (no context: the failure may be the database)."""
    _ = translator(language).gettext
    if storage:
        return Reply(_(
            "Sorry, the assistant could not save your message just now; nothing was saved. "
            "Please send it again in a moment."
        ))
    return Reply(_(
        "Sorry, something went wrong while handling your message. Please try again in a "
        "moment; if it happens again, tell your cell secretary."
    ))
