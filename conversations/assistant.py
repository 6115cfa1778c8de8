"""The entry point of the dialogue: one incoming message in, replies out.

Every channel (Telegram, Zalo, console, tests) calls `Assistant.handle`. The capabilities
are declared in CAPABILITIES, one ordered list: each names its commands, its buttons (a
codec of typed actions) and the typed text it may be waiting for. Who may do what is
decided by each capability from the database, never from what a button or command carries.

A typed message goes, in this order, to: the remembered menu's choice (text-only
channels: a number or keyword), the capability the account's "awaiting" state names (a
question it asked), then, unless the remembered menu is a numbered step of a task (which
asks for its number again), each capability's free-text handler in list order (the
review, which takes typed text by default, is last).
"""

from __future__ import annotations

from dataclasses import replace

from conversations.broadcasts import dialogue as broadcasts
from conversations.campaigns import dialogue as campaigns
from conversations.core import channel_choice, general, menus
from conversations.core.actions import SEPARATOR, Action, Codec
from conversations.core.awaiting import forget, settle
from conversations.core.capability import Capability
from conversations.core.context import AssistantConfig, Clock, Context
from conversations.core.heavy import RunHeavy, run_in_shared_pool
from conversations.core.i18n import Formatter, normalise_language
from conversations.core.menus import OpenReview
from conversations.core.replies import Incoming, Kind, Reply
from conversations.core.text import clean_text, fold
from conversations.core.typed_menu import holds_task, typed_menu
from conversations.core.zones import DEFAULT_TIMEZONE
from conversations.forms.library import FormLibrary
from conversations.onboarding import capability as onboarding
from conversations.onboarding import groups as cell_groups
from conversations.paperwork import capability as paperwork
from conversations.ratings import capability as ratings
from conversations.review import dialogue as review
from conversations.secretary import capability as secretary
from conversations.voting import capability as voting
from storage.database import utc_now
from storage.repos import Repos


async def _review_entry(ctx: Context, _action: Action) -> list[Reply]:
    return await review.open_review(ctx)


async def _review_buttons(ctx: Context, data: str) -> list[Reply]:
    # the review parses its own buttons ('rv.<verb>:…', review/actions.py); data of an
    # older version ('rv:…') parses to nothing there and gets the current step again
    return await review.on_action(ctx, data)


# The self-review belongs to conversations/review/, which parses its own buttons.
REVIEW = Capability(
    name="review",
    commands={"review": lambda ctx, _args: review.open_review(ctx),
              "copy": lambda ctx, _args: review.copy(ctx)},
    codec=Codec(OpenReview),          # the main menu's «My self-review»
    on_action=_review_entry,
    raw_prefixes=frozenset({"rv"}),   # rv and rv.<verb>
    on_raw_action=_review_buttons,
    on_text=review.on_text,           # the answer to the item the member is at
)

# The dispatch order. Commands and button prefixes are each declared once (checked
# below), so the order decides only which free-text handler sees typed text first.
CAPABILITIES: tuple[Capability, ...] = (
    general.CAPABILITY,      # main menu, help, language: also before an account is linked
    onboarding.CAPABILITY,   # /start, invitation codes (typed by people not linked yet)
    secretary.CAPABILITY,    # /progress, /alerts, /export; a return comment
    ratings.CAPABILITY,      # /proposals, /decide; a reason, a comment, the filled .xlsx
    paperwork.CAPABILITY,    # the papers offered with /export: Mẫu 01, the list of results
    campaigns.CAPABILITY,    # /campaign; the draft's name and deadlines
    broadcasts.CAPABILITY,   # /broadcast(s); the announcement's text and document
    channel_choice.CAPABILITY,  # /kenh: messages through Telegram, Zalo or the last used
    voting.CAPABILITY,       # /vote: the cell meeting's secret vote on the levels
    REVIEW,                  # /review, /copy; typed text by default: last
)


class Router:
    """Who answers a command, a button, or a question's answer, from CAPABILITIES."""

    def __init__(self, capabilities: tuple[Capability, ...]) -> None:
        self.capabilities = capabilities
        self.commands: dict[str, Capability] = {}
        self.prefixes: dict[str, Capability] = {}
        self.by_name: dict[str, Capability] = {}
        for capability in capabilities:
            _declare(self.by_name, [capability.name], capability, "capability")
            _declare(self.commands, capability.commands, capability, "command")
            _declare(self.prefixes, [*capability.codec.prefixes, *capability.raw_prefixes],
                     capability, "button prefix")

    def for_button(self, data: str) -> Capability | None:
        prefix = data.split(SEPARATOR, 1)[0]
        return self.prefixes.get(prefix) or self.prefixes.get(prefix.split(".", 1)[0])


def _declare(table: dict, names, capability: Capability, what: str) -> None:
    for name in names:
        if name in table:
            raise ValueError(f"{what} {name!r} declared by {table[name].name} and "
                             f"{capability.name}")
        table[name] = capability


class Assistant:
    def __init__(
        self,
        repos: Repos,
        forms: FormLibrary,
        config: AssistantConfig | None = None,
        clock: Clock = utc_now,
        capabilities: tuple[Capability, ...] = CAPABILITIES,
        run_heavy: RunHeavy = run_in_shared_pool,
    ) -> None:
        self.repos = repos
        self.run_heavy = run_heavy  # documents and exports: in worker processes
        self.forms = forms
        self.config = config or AssistantConfig()
        self.clock = clock
        self.router = Router(capabilities)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        incoming = replace(  # whatever is typed is stored and printed: clean it once, here
            incoming, text=clean_text(incoming.text),
            html=None if incoming.html is None else clean_text(incoming.html),
        )
        if incoming.is_group:
            return await cell_groups.handle(self.repos, incoming, self.clock())
        ctx = await self._context(incoming)
        if incoming.kind is Kind.EDITED:  # edits are not read; answers change from the summary
            return [menus.edited_message(ctx)]
        menu = ctx.account.menu if not incoming.has_buttons else None  # read with the account
        asked = ctx.awaiting = ctx.account.awaiting
        replies = await self._dispatch(ctx, menu)
        await settle(ctx, asked)
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
        timezone = DEFAULT_TIMEZONE
        if member:
            committee = await self.repos.org.committee(member.committee_id)
            timezone = committee.timezone if committee else timezone
        return Context(
            self.repos, self.config, incoming, account, member, Formatter(language, timezone), now,
            self.forms, run_heavy=self.run_heavy,
        )

    async def _dispatch(self, ctx: Context, menu: dict | None) -> list[Reply]:
        incoming = ctx.incoming
        text = incoming.text.strip()
        if incoming.kind is Kind.ACTION:
            return await self._button(ctx, incoming.text)
        if incoming.kind is Kind.TEXT and text.startswith("/"):
            return await self._command(ctx, text)
        if menu:
            picked = self._typed_choice(ctx, menu, text)
            if isinstance(picked, list):
                return picked
            if picked is not None:  # from here on it is as if the button was pressed
                ctx.incoming = replace(incoming, kind=Kind.ACTION, text=picked)
                return await self._button(ctx, picked)
        answered = await self._answer(ctx)
        if answered is not None:
            return answered
        if incoming.kind is Kind.UNSUPPORTED:
            if ctx.member is None:
                return [menus.unknown_person(ctx)]
            return [Reply(ctx._(
                "I can only read text messages. Please type your answer, or choose one of "
                "the options."
            ))]
        if menu and ctx.member is not None and holds_task(menu):
            # inside a numbered step, a stray word neither drops the task nor becomes
            # someone's answer elsewhere (the review takes free text): the menu stays
            return [Reply(ctx._(
                "Please reply with the number of your choice, from 1 to {n} (or send /help)."
            ).format(n=len(menu["choices"])))]
        for capability in self.router.capabilities:
            if capability.on_text is not None:
                answered = await capability.on_text(ctx, text)
                if answered is not None:
                    return answered
        return [menus.main_menu(ctx, ctx._(
            "I did not understand that. Choose one of the options, or send /help."
        ))]

    async def _answer(self, ctx: Context) -> list[Reply] | None:
        """The message to the capability whose question is open; None if none is, or if
        this message cannot answer it (the question then stays open)."""
        asked = ctx.awaiting
        if asked is None:
            return None
        capability = self.router.by_name.get(asked.capability)
        forget(ctx)
        if capability is None or capability.on_input is None or ctx.member is None:
            return None
        if ctx.now - asked.since > capability.input_ttl:
            return None  # expired: the message is read as if nothing had been asked
        answered = await capability.on_input(ctx, asked)
        if answered is None and ctx.awaiting is None:
            ctx.awaiting = asked
        return answered

    async def _command(self, ctx: Context, text: str) -> list[Reply]:
        forget(ctx)  # a command instead of the answer: the question is no longer open
        name, _sep, args = text[1:].partition(" ")
        name = name.split("@")[0].lower()
        capability = self.router.commands.get(name)
        if capability is None:
            return [Reply(ctx._("Unknown command. Send /help to see what I can do."))]
        if ctx.member is None and name not in capability.public_commands:
            return [menus.unknown_person(ctx)]
        return await capability.commands[name](ctx, args.strip())

    async def _button(self, ctx: Context, data: str) -> list[Reply]:
        forget(ctx)  # another button instead of the answer: the question is no longer open
        capability = self.router.for_button(data)
        if capability is None:
            return [menus.unknown_person(ctx) if ctx.member is None else menus.stale_button(ctx)]
        if data.split(SEPARATOR, 1)[0] not in capability.codec.prefixes:
            if ctx.member is None or capability.on_raw_action is None:
                return [menus.unknown_person(ctx) if ctx.member is None
                        else menus.stale_button(ctx)]
            return await capability.on_raw_action(ctx, data)
        action = capability.codec.parse(data)
        if ctx.member is None and type(action) not in capability.public_actions:
            return [menus.unknown_person(ctx)]
        if action is None or capability.on_action is None:  # malformed, forged or stale
            if capability.on_stale is not None:
                return await capability.on_stale(ctx)
            return [menus.stale_button(ctx)]
        return await capability.on_action(ctx, action)

    def _typed_choice(self, ctx: Context, menu: dict, text: str) -> str | list[Reply] | None:
        """On text-only channels, map a typed number or keyword to the choice it names."""
        choices = menu.get("choices", [])
        for choice in choices:
            if choice.get("keyword") and fold(choice["keyword"]) == fold(text):
                return choice["action"]
        if menu.get("expects_text") or not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
        if 1 <= number <= len(choices):
            return choices[number - 1]["action"]
        if len(choices) == 1:  # «from 1 to 1» reads oddly
            return [Reply(ctx._("Please type 1 to choose it."))]
        return [Reply(ctx._("Please reply with a number from 1 to {n}.").format(n=len(choices)))]

    async def _remember_menu(self, ctx: Context, old: dict | None, replies: list[Reply]) -> None:
        new = typed_menu(replies)
        if new is not None and new != old:
            await self.repos.accounts.set_menu(ctx.account.id, new)
