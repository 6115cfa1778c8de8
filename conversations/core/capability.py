"""What one capability of the assistant declares, in one place: its commands, its buttons
(a codec of typed actions), and the typed text it may be waiting for.

conversations/assistant.py routes every message from an ordered list of these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from conversations.core.actions import Action, Codec
from conversations.core.awaiting import ASK_TTL, Awaiting
from conversations.core.context import Context
from conversations.core.replies import Reply

Command = Callable[[Context, str], Awaitable[list[Reply]]]        # (ctx, the command's args)
ActionHandler = Callable[[Context, Any], Awaitable[list[Reply]]]  # (ctx, a parsed Action)
StaleHandler = Callable[[Context], Awaitable[list[Reply]]]
# (ctx, the question asked) -> replies, or None: this message does not answer it
InputHandler = Callable[[Context, Awaiting], Awaitable[list[Reply] | None]]
RawActionHandler = Callable[[Context, str], Awaitable[list[Reply]]]
TextHandler = Callable[[Context, str], Awaitable[list[Reply] | None]]


@dataclass(frozen=True)
class Capability:
    name: str                                   # also the name stored in the typing state
    commands: Mapping[str, Command] = field(default_factory=dict)
    codec: Codec = field(default_factory=Codec)  # the buttons it builds and answers
    on_action: ActionHandler | None = None
    # a button of this codec that does not parse (old, forged): show where the person is;
    # None: "that button is no longer valid" and the main menu
    on_stale: StaleHandler | None = None
    on_input: InputHandler | None = None         # the text it asked for with ask_text
    input_ttl: timedelta = ASK_TTL
    on_text: TextHandler | None = None           # typed text nobody asked for (the review)
    # button families passed on unparsed, for a capability that parses its own data
    raw_prefixes: frozenset[str] = frozenset()
    on_raw_action: RawActionHandler | None = None
    # what a person whose account is not linked to a member yet may use
    public_commands: frozenset[str] = frozenset()
    public_actions: frozenset[type[Action]] = frozenset()
