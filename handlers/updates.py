"""What every channel shares about updates: the dialogue they are handed to, and what
happens when handling one fails: one log line, one polite answer.

The log line names the exception's type and where it was raised, never its message (an
exception raised while reading an answer may quote it) and never a token. The person gets
a short message in their language instead of silence; when the database could not take
the write (locked past the busy timeout, disk full, read-only, I/O error) the message says
that nothing was saved and to send it again in a moment. Writes are transactions, so a
failed one leaves nothing behind, and the next update is served normally.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Protocol

from conversations.core.menus import failure_reply
from conversations.core.replies import Incoming, Reply
from storage.database import DatabaseUnavailable

log = logging.getLogger(__name__)
_PROJECT = Path(__file__).resolve().parents[1]


class Dialogue(Protocol):
    """Where a channel hands each update: the runtime (or, in tests, the Assistant)."""

    async def handle(self, incoming: Incoming) -> list[Reply]: ...


def storage_unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The storage's DatabaseUnavailable behind `exc` (SQLite locked, full, read-only;
    PostgreSQL unreachable, out of connections…: not a bug), else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable):
            return current
        current = current.__cause__ or current.__context__
    return None


def raised_at(exc: BaseException) -> str:
    """'path/to/module.py:123 in function' of the deepest frame in our own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PROJECT)
            and ".venv" not in Path(f.filename).parts]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    path = Path(frame.filename).resolve()
    shown = path.relative_to(_PROJECT) if path.is_relative_to(_PROJECT) else path.name
    return f"{shown}:{frame.lineno} in {frame.name}"


def log_failure(exc: BaseException, channel: str, what: str) -> None:
    """One line: the type and where; the message only for storage errors (no user text)."""
    cause = storage_unavailable(exc)
    detail = f" ({cause})" if cause is not None else ""
    log.error("%s %s failed: %s%s at %s", channel, what, type(exc).__name__, detail,
              raised_at(exc))


def failure_replies(exc: BaseException, language: str) -> list[Reply]:
    return [failure_reply(language, storage=storage_unavailable(exc) is not None)]
