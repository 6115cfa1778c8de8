"""The console channel: a chat in the terminal, or scripted through standard input."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from conversations.core.i18n import translator
from conversations.core.replies import Incoming, Kind, Reply
from conversations.core.text import fold
from handlers.text_render import render_text
from handlers.updates import Dialogue

CHANNEL = "console"


class ConsoleChat:
    """One person at a time; `/as NAME` switches person when `people` is given (demo)."""

    def __init__(
        self,
        assistant: Dialogue,  # the runtime (or, in tests, the Assistant itself)
        user_id: str,
        *,
        people: dict[str, str] | None = None,
        out: TextIO = sys.stdout,
        files_dir: Path = Path("exports/console"),
        language: str = "vi",
        after_line: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.assistant = assistant
        self.user_id = user_id
        self.people = people or {}  # full name -> console user id
        self.out = out
        self.files_dir = files_dir
        self._ = translator(language).gettext
        self.after_line = after_line  # e.g. send what the line put in the outbox

    async def send(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.split(" ")[0] == "/as" and self.people:
            self._switch(line[3:].strip())
            return
        kind = Kind.TEXT
        if line == "/sticker":  # lets a script try a non-text message
            kind, line = Kind.UNSUPPORTED, ""
        incoming = Incoming(CHANNEL, self.user_id, self.user_id, kind, line, has_buttons=False)
        for reply in await self.assistant.handle(incoming):
            self._print(reply)
        if self.after_line is not None:
            await self.after_line()

    def _print(self, reply: Reply) -> None:
        for part in render_text(reply):
            self.out.write(part + "\n\n")
        if reply.document:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / reply.document.filename
            path.write_bytes(reply.document.content)
            self.out.write("[" + self._("File saved: {path}").format(path=path) + "]\n\n")
        self.out.flush()

    def _switch(self, query: str) -> None:
        matches = [name for name in self.people if fold(query) and fold(query) in fold(name)]
        if len(matches) != 1:
            self.out.write(self._("Demo people (type one of these lines):") + "\n")
            for name in self.people:
                self.out.write(f"  /as {name}\n")
            self.out.write("\n")
            return
        self.user_id = self.people[matches[0]]
        self.out.write("[" + self._("Now chatting as {name}").format(name=matches[0]) + "]\n\n")
        self.out.flush()

    async def run(self, stream: TextIO = sys.stdin) -> None:
        """Read chat lines until end of input (or 'exit' in a terminal)."""
        interactive = stream.isatty()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            if interactive and line.strip() in ("/exit", "/quit"):
                break
            if not interactive and line.strip():
                self.out.write(f"> {line.strip()}\n")
            await self.send(line)
