"""The entry point of the dialogue: one incoming message in, replies out.

Every channel (Telegram, Zalo, console, tests) calls `Assistant.handle`. Who may do what
is decided here from the database, never from what a button or command carries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from conversations.broadcasts import dialogue as broadcast
from conversations.campaigns import dialogue as campaign_dialogue
from conversations.core import menus
from conversations.core.context import AssistantConfig, Clock, Context, utc_now
from conversations.core.i18n import LANGUAGES, Formatter, normalise_language
from conversations.core.replies import Incoming, Kind, Reply
from conversations.core.text import fold
from conversations.forms.library import FormLibrary
from conversations.onboarding import dialogue as onboarding
from conversations.onboarding import groups as cell_groups
from conversations.onboarding.invitations import normalise_code
from conversations.review import dialogue as review
from conversations.secretary import desk as secretary
from storage.repos import Repos

Handler = Callable[[Context, str], Awaitable[list[Reply]]]


class Assistant:
    def __init__(
        self,
        repos: Repos,
        forms: FormLibrary,
        config: AssistantConfig | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.repos = repos
        self.forms = forms
        self.config = config or AssistantConfig()
        self.clock = clock
        self._commands: dict[str, Handler] = {
            "start": self._start,
            "help": self._help,
            "language": self._language,
            "invite": self._invite,
            "review": self._review,
            "copy": self._copy,
            "campaign": self._campaign,
            "broadcast": broadcast.start,
            "broadcasts": broadcast.list_command,
            "linkgroup": cell_groups.in_private,
        }
        self._commands.update(secretary.COMMANDS)
        self._actions: dict[str, Handler] = {
            "menu": self._menu,
            "help": self._help,
            "language": self._language,
            "lang": self._set_language,
            "invite": self._invite,
            "invite-page": self._invite_page,
            "review": self._review,
            "rv": self._review_action,
            "cp": self._campaign_action,
            "campaign": self._campaign,  # from the admins' main menu
            "broadcast": broadcast.start,
            "bc": broadcast.on_action,
        }
        self._actions.update(secretary.ACTIONS)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        if incoming.is_group:
            return await cell_groups.handle(self.repos, incoming, self.clock())
        ctx = await self._context(incoming)
        menu = await self.repos.accounts.menu(ctx.account.id) if not incoming.has_buttons else None
        replies = await self._dispatch(ctx, menu)
        if not incoming.has_buttons:
            await self._remember_menu(ctx, menu, replies)
        return replies

    async def _context(self, incoming: Incoming) -> Context:
        now = self.clock()
        account = await self.repos.accounts.ensure(
            incoming.channel, incoming.user_id, incoming.chat_id, now
        )
        member = await self.repos.org.member(account.member_id) if account.member_id else None
        language = (
            member.language if member
            else account.language or normalise_language(incoming.language_hint)
        )
        timezone = "Asia/Ho_Chi_Minh"
        if member:
            committee = await self.repos.org.committee(member.committee_id)
            timezone = committee.timezone if committee else timezone
        return Context(
            self.repos, self.config, incoming, account, member, Formatter(language, timezone), now,
            self.forms,
        )

    async def _dispatch(self, ctx: Context, menu: dict | None) -> list[Reply]:
        incoming = ctx.incoming
        if not incoming.text.startswith("/"):
            composing = await broadcast.on_input(ctx)  # an admin writing an announcement
            if composing is not None:
                return composing
        if incoming.kind is Kind.UNSUPPORTED:
            if ctx.member is None:
                return [menus.unknown_person(ctx)]
            return [Reply(ctx._(
                "I can only read text messages. Please type your answer, or choose one of "
                "the options."
            ))]
        text = incoming.text.strip()
        if incoming.kind is Kind.ACTION or text.startswith("/"):
            await secretary.drop_pending(ctx)  # only the very next text is a return comment
        if incoming.kind is Kind.ACTION:
            return await self._action(ctx, incoming.text)
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            name = name.split("@")[0].lower()
            handler = self._commands.get(name)
            if handler is None:
                return [Reply(ctx._("Unknown command. Send /help to see what I can do."))]
            if ctx.member is None and name not in ("start", "language"):
                return [menus.unknown_person(ctx)]
            return await handler(ctx, args.strip())
        if menu:
            picked = self._typed_choice(ctx, menu, text)
            if isinstance(picked, list):
                return picked
            if picked is not None:  # from here on it is as if the button was pressed
                ctx.incoming = replace(incoming, kind=Kind.ACTION, text=picked)
                return await self._action(ctx, picked)
        if ctx.member is None:
            if normalise_code(text):
                return await onboarding.redeem(ctx, text)
            return [menus.unknown_person(ctx)]
        answered = await secretary.on_text(ctx, text)  # a comment the secretary was asked for
        if answered is None:
            answered = await campaign_dialogue.on_text(ctx, text)
        if answered is None:
            answered = await review.on_text(ctx, text)
        if answered is not None:
            return answered
        return [menus.main_menu(ctx, ctx._(
            "I did not understand that. Choose one of the options, or send /help."
        ))]

    def _typed_choice(self, ctx: Context, menu: dict, text: str) -> str | list[Reply] | None:
        """On text-only channels, map a typed number or keyword to the choice it names."""
        choices = menu.get("choices", [])
        for choice in choices:
            if choice.get("keyword") and fold(choice["keyword"]) == fold(text):
                return choice["action"]
        if menu.get("expects_text") or not text.isdigit():
            return None
        number = int(text)
        if 1 <= number <= len(choices):
            return choices[number - 1]["action"]
        return [Reply(ctx._("Please reply with a number from 1 to {n}.").format(n=len(choices)))]

    async def _remember_menu(self, ctx: Context, old: dict | None, replies: list[Reply]) -> None:
        offered = next((r for r in reversed(replies) if r.choices), None)
        new = None
        if offered is not None:
            new = {
                "expects_text": offered.expects_text,
                "choices": [
                    {"action": c.action, "keyword": c.keyword} for c in offered.flat_choices
                ],
            }
        elif replies and replies[-1].expects_text:
            new = {"expects_text": True, "choices": []}
        else:
            return  # a plain notice ("I can only read text"): the last choices still stand
        if new != old:
            await self.repos.accounts.set_menu(ctx.account.id, new)

    async def _action(self, ctx: Context, data: str) -> list[Reply]:
        name, _sep, arg = data.partition(":")
        handler = self._actions.get(name)
        needs_member = name not in ("lang", "language", "help")
        if handler is None or (ctx.member is None and needs_member):
            if ctx.member is None:
                return [menus.unknown_person(ctx)]
            return [menus.stale_button(ctx)]
        return await handler(ctx, arg)

    # commands and actions

    async def _start(self, ctx: Context, args: str) -> list[Reply]:
        if args:
            return await onboarding.redeem(ctx, args)
        if ctx.member is None:
            return [menus.unknown_person(ctx)]
        return [await onboarding.welcome(ctx)]

    async def _menu(self, ctx: Context, _arg: str) -> list[Reply]:
        return [menus.main_menu(ctx)]

    async def _help(self, ctx: Context, _arg: str) -> list[Reply]:
        return [menus.help_reply(ctx)]

    async def _language(self, ctx: Context, arg: str) -> list[Reply]:
        if arg:
            return await self._set_language(ctx, arg)
        return [menus.language_menu(ctx)]

    async def _set_language(self, ctx: Context, arg: str) -> list[Reply]:
        code = arg.strip().lower()
        if code not in LANGUAGES:
            return [menus.language_menu(ctx)]
        if ctx.member:
            await self.repos.org.set_member_language(ctx.member.id, code)
        else:
            await self.repos.accounts.set_language(ctx.account.id, code)
        ctx.fmt = Formatter(code, ctx.fmt.zone.key)
        done = ctx._("Language set to English.")
        if ctx.member is None:
            return [Reply(done), menus.unknown_person(ctx)]
        return [menus.main_menu(ctx, done, replace=ctx.incoming.kind is Kind.ACTION)]

    async def _invite(self, ctx: Context, arg: str) -> list[Reply]:
        if arg.isdigit() and ctx.incoming.kind is Kind.ACTION:
            return [await onboarding.invite_member(ctx, int(arg))]
        return [await onboarding.invite_list(ctx)]

    async def _review(self, ctx: Context, _arg: str) -> list[Reply]:
        return await review.open_review(ctx)

    async def _review_action(self, ctx: Context, arg: str) -> list[Reply]:
        return await review.on_action(ctx, arg)

    async def _copy(self, ctx: Context, _arg: str) -> list[Reply]:
        return await review.copy(ctx)

    async def _invite_page(self, ctx: Context, arg: str) -> list[Reply]:
        if not arg.isdigit():
            return [menus.stale_button(ctx)]
        return [await onboarding.invite_list(ctx, int(arg))]

    async def _campaign(self, ctx: Context, _arg: str) -> list[Reply]:
        return await campaign_dialogue.open_campaigns(ctx)

    async def _campaign_action(self, ctx: Context, arg: str) -> list[Reply]:
        return await campaign_dialogue.on_action(ctx, arg)
