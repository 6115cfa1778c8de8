"""Item kinds as one table: how each kind of item is read, asked, parsed, shown and printed.

One class per kind; `KINDS` maps the name a form file uses (`kind = "score"`) to it. The
dialogue, the summary and the printable copy only call these methods, so a new kind (a
date, a number, a list) is one class here plus its catalogue strings.

Strings go through the `_` the caller passes (the member's language); the printable copy
is always Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Protocol

from conversations.forms.model import Item, Option, Reader
from storage.reviews import Answer

Gettext = Callable[[str], str]
# ASCII digits only (int('²') fails, '٣' and '１２' are no score), a decimal comma or point,
# then «điểm» or «đ» if the member adds it: «27», «27,5», «65 điểm»
SCORE_TEXT = re.compile(r"([0-9]{1,3})(?:[,.]([0-9]{1,2}))?\s*(?:điểm|diem|đ|d)?\.?", re.IGNORECASE)


class Nav(Enum):
    """Buttons an item offers before «Back» and «All items»."""

    DONE = "done"  # the text is complete: move on
    SKIP = "skip"  # an optional item does not apply
    KEEP = "keep"  # keep the recorded value and move on
    REPLACE = "replace"  # the next message replaces the recorded text instead of adding


@dataclass(frozen=True)
class Asked:
    """What the member is told about an item after its heading and hint."""

    lines: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()  # (value, label): buttons that answer it
    expects_text: bool = True                   # the next typed text is the answer


@dataclass(frozen=True)
class Parsed:
    """Typed text or a pressed option read as an answer, or a polite refusal."""

    answer: Answer | None = None
    refusal: str = ""


class Page(Protocol):
    """Where an item is printed (the .docx builder in conversations/review/printable.py)."""

    blank: str  # stands for what was not written

    def heading(self, text: str) -> None: ...      # kept on the page of what follows
    def paragraphs(self, text: str) -> None: ...   # the member's text, a paragraph per line
    def note(self, text: str) -> None: ...         # one indented line
    def line(self, text: str) -> None: ...         # one plain line
    def table(self, title: str, header: tuple[str, ...],
              rows: list[tuple[str, ...]]) -> None: ...  # in the annex, after the signature


class ItemKind:
    name: ClassVar[str]
    always_required: ClassVar[bool] = False
    appends: ClassVar[bool] = False     # later messages add to the answer until «Done»
    moves_level: ClassVar[bool] = False  # a new answer may change the level allowed

    def load(self, read: Reader) -> dict[str, Any]:
        """The kind's own fields of an item in a form file (checked at start-up)."""
        return {}

    def answered(self, answer: Answer | None) -> bool:
        return answer is not None and (answer.skipped or bool(answer.text.strip()))

    def nav(self, item: Item, answer: Answer | None) -> tuple[Nav, ...]:
        return () if item.required else (Nav.SKIP,)

    def ask(self, _: Gettext, item: Item, answer: Answer | None, *, appending: bool,
            language: str) -> Asked:
        raise NotImplementedError

    def parse_text(self, _: Gettext, item: Item, text: str) -> Parsed:
        raise NotImplementedError

    def parse_option(self, item: Item, value: str) -> Answer | None:
        return None  # a kind without option buttons takes none

    def kept(self, answer: Answer) -> str:
        """The recorded value on the «Keep …» button."""
        return answer.text

    def finish(self, _: Gettext, item: Item, answer: Answer | None) -> str:
        """A refusal when «Done» may not move on yet; empty when it may."""
        return ""

    def shown(self, _: Gettext, item: Item, answer: Answer | None, language: str) -> str:
        """The answer as a reader sees it in the chat."""
        if answer and answer.skipped:
            return _("(not applicable)")
        if answer and answer.text.strip():
            return answer.text
        return _("(not written yet)")

    def summary_line(self, _: Gettext, item: Item, answer: Answer | None, language: str) -> str:
        return f"{item.label(language)}\n{self.shown(_, item, answer, language)}"

    def print(self, page: Page, item: Item, answer: Answer | None) -> None:
        if item.number:
            page.heading(item.label("vi"))
        if answer is None or answer.skipped or not answer.text.strip():
            page.note("Không có." if answer and answer.skipped else page.blank)
        else:
            page.paragraphs(self.printed(item, answer))

    def printed(self, item: Item, answer: Answer) -> str:
        return answer.text


class TextKind(ItemKind):
    name = "text"
    appends = True

    def nav(self, item: Item, answer: Answer | None) -> tuple[Nav, ...]:
        written = (Nav.REPLACE,) if answer and answer.text else ()
        return (Nav.DONE, *written, *super().nav(item, answer))

    def ask(self, _: Gettext, item: Item, answer: Answer | None, *, appending: bool,
            language: str) -> Asked:
        if answer and answer.text:
            lines = [
                _("Recorded so far ({n} characters):").format(n=len(answer.text)),
                "«" + preview(answer.text) + "»",
                _("A new message is added to this text. To write the item anew, choose "
                  "«Replace»; to keep it as it is, choose «Done».") if appending
                else _("Send the new text: it will replace the text above, which stays "
                       "until you send it."),
            ]
        else:
            lines = [_("Write your answer; you may send several messages, they are joined. "
                       "When finished, press «Done».")]
        if not item.required:
            lines.append(_("This item is optional: press «Skip» if it does not apply to you."))
        return Asked(tuple(lines))

    def parse_text(self, _: Gettext, item: Item, text: str) -> Parsed:
        if not text.strip():
            return Parsed(refusal=_("An empty message is not saved. Please write your answer."))
        return Parsed(Answer(text))

    def finish(self, _: Gettext, item: Item, answer: Answer | None) -> str:
        if item.required and not self.answered(answer):
            return _("This item is required. Please write something first (if there is "
                     "nothing to report, write «Không có»).")
        return ""


class ChoiceKind(ItemKind):
    name = "choice"

    def load(self, read: Reader) -> dict[str, Any]:
        options = tuple(
            Option(read.at(read.where, raw).require("key", str),
                   read.text(raw.get("label"), "option"))
            for raw in read.table.get("options", [])
        )
        if len(options) < 2:
            read.fail("a choice needs at least two options")
        return {"options": options}

    def ask(self, _: Gettext, item: Item, answer: Answer | None, *, appending: bool,
            language: str) -> Asked:
        picked = answer.text if answer else ""
        return Asked((), tuple(
            (option.key, ("✓ " if option.key == picked else "") + option.label(language))
            for option in item.options
        ), expects_text=False)

    def parse_text(self, _: Gettext, item: Item, text: str) -> Parsed:
        return Parsed(refusal=_("Please choose one of the options below."))

    def parse_option(self, item: Item, value: str) -> Answer | None:
        return Answer(value) if item.option(value) else None

    def shown(self, _: Gettext, item: Item, answer: Answer | None, language: str) -> str:
        option = item.option(answer.text) if answer else None
        return option.label(language) if option else super().shown(_, item, answer, language)

    def printed(self, item: Item, answer: Answer) -> str:
        option = item.option(answer.text)
        return option.label("vi") if option else answer.text


class ScoreKind(ItemKind):
    name = "score"
    always_required = True
    moves_level = True

    def load(self, read: Reader) -> dict[str, Any]:
        maximum = read.require("max", int)
        if maximum <= 0:
            read.fail("max must be above 0")
        return {"max": maximum}

    def answered(self, answer: Answer | None) -> bool:
        return answer is not None and answer.score is not None

    def nav(self, item: Item, answer: Answer | None) -> tuple[Nav, ...]:
        return (Nav.KEEP,) if self.answered(answer) else ()

    def kept(self, answer: Answer) -> str:
        return points(answer.score or 0)

    def ask(self, _: Gettext, item: Item, answer: Answer | None, *, appending: bool,
            language: str) -> Asked:
        if item.step == 1:
            lines = [_("Send a whole number from 0 to {max}.").format(max=item.max)]
        else:
            lines = [_("Send a number from 0 to {max}, in whole or half points (for example "
                       "«27» or «27,5»).").format(max=item.max)]
        if answer and answer.score is not None:
            lines.append(_("Score recorded: {score}.").format(score=points(answer.score)))
        return Asked(tuple(lines))

    def parse_text(self, _: Gettext, item: Item, text: str) -> Parsed:
        match = SCORE_TEXT.fullmatch(text.strip())
        if match:
            value = int(match[1]) + float(f"0.{match[2] or 0}")
            if value <= (item.max or 0) and (value / item.step).is_integer():
                return Parsed(Answer(score=int(value) if value.is_integer() else value))
        example = (item.max or 0) * 9 // 10  # a plausible score: 27 of 30, 63 of 70
        if item.step == 1:
            return Parsed(refusal=_(
                "The score must be a whole number from 0 to {max}. Please send it again, "
                "for example «{example}» or «{example} điểm»."
            ).format(max=item.max, example=example))
        return Parsed(refusal=_(
            "The score must be a number from 0 to {max}, in whole or half points. Please "
            "send it again, for example «{example}», «{example},5» or «{example} điểm»."
        ).format(max=item.max, example=example))

    def summary_line(self, _: Gettext, item: Item, answer: Answer | None, language: str) -> str:
        score = points(answer.score) if answer and self.answered(answer) else "…"
        return f"{item.label(language)}: {score}/{item.max}"

    def print(self, page: Page, item: Item, answer: Answer | None) -> None:
        score = points(answer.score) if answer and self.answered(answer) else page.blank
        page.line(f"- {item.title('vi')}: {score}/{item.max} điểm")


class ListKind(TextKind):
    """Several short entries, one per message (or per line), printed as a table in the
    annex: «product or task; timeliness; quality» (Mẫu 2B's work products)."""

    name = "list"
    ENTRY_CHARS = 200
    COLUMNS = ("STT", "Sản phẩm, công việc", "Tiến độ", "Chất lượng")

    @staticmethod
    def entries(answer: Answer | None) -> list[str]:
        text = answer.text if answer and not answer.skipped else ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def ask(self, _: Gettext, item: Item, answer: Answer | None, *, appending: bool,
            language: str) -> Asked:
        lines = [_("Send one entry per message, each a short line: the product or task; "
                   "whether it was on time; its quality. For example: «Báo cáo tổng kết "
                   "năm; đúng hạn; đạt yêu cầu». When finished, press «Done».")]
        entries = self.entries(answer)
        if entries:
            lines.append(_("Entries so far:"))
            lines += [f"{n}. {entry}" for n, entry in enumerate(entries, start=1)]
        if not item.required:
            lines.append(_("This item is optional: press «Skip» if it does not apply to you."))
        return Asked(tuple(lines))

    def parse_text(self, _: Gettext, item: Item, text: str) -> Parsed:
        long = [line for line in text.splitlines() if len(line.strip()) > self.ENTRY_CHARS]
        if long:
            return Parsed(refusal=_(
                "Each entry should be one short line of at most {limit} characters. Nothing "
                "was saved from this message: please send it again, shorter."
            ).format(limit=self.ENTRY_CHARS))
        return super().parse_text(_, item, text)

    def shown(self, _: Gettext, item: Item, answer: Answer | None, language: str) -> str:
        entries = self.entries(answer)
        if not entries:
            return super().shown(_, item, answer, language)
        return "\n".join(f"{n}. {entry}" for n, entry in enumerate(entries, start=1))

    def print(self, page: Page, item: Item, answer: Answer | None) -> None:
        entries = self.entries(answer)
        if not entries:
            return  # nothing to annex
        rows = []
        for n, entry in enumerate(entries, start=1):
            cells = [cell.strip() for cell in entry.split(";")]
            what = "; ".join(cells[:-2]) if len(cells) > 3 else cells[0]
            rest = cells[-2:] if len(cells) > 3 else cells[1:]
            rows.append((str(n), what, *rest, *[""] * (2 - len(rest))))
        page.table(item.title("vi"), self.COLUMNS, rows)


KINDS: dict[str, ItemKind] = {
    kind.name: kind for kind in (TextKind(), ChoiceKind(), ScoreKind(), ListKind())
}


def kind_of(item: Item) -> ItemKind:
    return KINDS[item.kind]


def points(value: float) -> str:
    """A score as written in Vietnamese: «27», «27,5»."""
    return f"{value:g}".replace(".", ",")


def preview(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
