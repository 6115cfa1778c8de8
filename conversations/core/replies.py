"""What the dialogue receives and answers, independent of any chat platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    TEXT = "text"            # typed text, commands included
    ACTION = "action"        # a button pressed (Telegram callback data)
    UNSUPPORTED = "unsupported"  # sticker, photo, voice…: nothing the dialogue can read
    EDITED = "edited"        # an earlier message edited: not read, the person is told so


@dataclass(frozen=True)
class IncomingDocument:
    file_id: str              # the platform's id: the bot can send it on without the bytes
    filename: str
    size: int = 0             # bytes, as the platform reports it (0: not known)
    # reads the file from the platform, for a capability that needs its content (None:
    # the channel cannot); a broadcast only passes the id on
    fetch: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False,
                                                          repr=False)


@dataclass(frozen=True)
class Incoming:
    channel: str              # 'telegram', 'zalo', 'console'
    user_id: str              # the channel's id of the person
    chat_id: str              # where replies go
    kind: Kind = Kind.TEXT
    text: str = ""            # the typed text, or the callback data for ACTION
    has_buttons: bool = True  # False: choices are typed as numbers or keywords
    language_hint: str | None = None  # the app language the platform reports
    display_name: str = ""
    html: str | None = None   # the text with its formatting as Telegram HTML, when known
    document: IncomingDocument | None = None  # a file the person sent (by platform id)
    is_group: bool = False    # sent in a group chat (only group commands are answered)
    hidden: bool = False      # the platform hides what this person sends (Zalo's protected
    #                           users): nothing they write can ever be read


@dataclass(frozen=True)
class Choice:
    label: str
    action: str                  # opaque; the server re-checks everything it names
    keyword: str | None = None   # a word that picks it on text-only channels


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()   # rows of buttons
    document: Document | None = None
    replace: bool = False        # replaces the message whose button was pressed
    expects_text: bool = False   # the next typed text is an answer, not a choice number
    html: bool = False           # text is Telegram HTML (a broadcast keeps its formatting)

    @property
    def flat_choices(self) -> list[Choice]:
        return [choice for row in self.choices for choice in row]


def rows(*choices: Choice, per_row: int = 1) -> tuple[tuple[Choice, ...], ...]:
    """Lay choices out in rows of `per_row`."""
    return tuple(tuple(choices[i : i + per_row]) for i in range(0, len(choices), per_row))

