"""The general capability: the main menu, help and the language, for everyone (the
language and help also before an account is linked)."""

from __future__ import annotations

from conversations.core import menus
from conversations.core.actions import Action
from conversations.core.capability import Capability
from conversations.core.context import Context
from conversations.core.i18n import LANGUAGES, Formatter
from conversations.core.menus import ChooseLanguage, SetLanguage, ShowHelp, ShowMenu
from conversations.core.replies import Kind, Reply


async def help_command(ctx: Context, _args: str) -> list[Reply]:
    return [menus.help_reply(ctx)]


async def language_command(ctx: Context, args: str) -> list[Reply]:
    return await set_language(ctx, args) if args else [menus.language_menu(ctx)]


async def set_language(ctx: Context, code: str) -> list[Reply]:
    code = code.strip().lower()
    if code not in LANGUAGES:
        return [menus.language_menu(ctx)]
    if ctx.member:
        await ctx.repos.org.set_member_language(ctx.member.id, code)
    else:
        await ctx.repos.accounts.set_language(ctx.account.id, code)
    ctx.fmt = Formatter(code, ctx.fmt.zone.key)
    done = ctx._("Language set to English.")
    if ctx.member is None:
        return [Reply(done), menus.unknown_person(ctx)]
    return [menus.main_menu(ctx, done, replace=ctx.incoming.kind is Kind.ACTION)]


async def on_action(ctx: Context, action: Action) -> list[Reply]:
    match action:
        case ShowMenu():
            return [menus.main_menu(ctx)]
        case ShowHelp():
            return [menus.help_reply(ctx)]
        case ChooseLanguage():
            return [menus.language_menu(ctx)]
        case SetLanguage(code=code):
            return await set_language(ctx, code)
    return [menus.stale_button(ctx)]


CAPABILITY = Capability(
    name="general",
    commands={"help": help_command, "language": language_command},
    codec=menus.GENERAL,
    on_action=on_action,
    public_commands=frozenset({"language"}),
    public_actions=frozenset({ShowHelp, ChooseLanguage, SetLanguage}),
)
