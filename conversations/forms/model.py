"""What a form is once loaded: texts in two languages, items, sections, levels, questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

LANGUAGES = ("vi", "en")


class FormError(Exception):
    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


@dataclass(frozen=True)
class Text:
    """A text in each language; Vietnamese is the fallback."""

    vi: str
    en: str = ""

    def __call__(self, language: str) -> str:
        return (self.en if language == "en" else self.vi) or self.vi


@dataclass(frozen=True)
class Option:
    key: str
    label: Text


@dataclass(frozen=True)
class Item:
    key: str
    section: str
    number: str
    title: Text
    hint: Text
    kind: str = "text"  # a name in conversations/forms/kinds.py KINDS
    required: bool = True
    max: int | None = None  # score items
    step: float = 1  # score items: the smallest part of a point (the form file's score_step)
    options: tuple[Option, ...] = ()  # choice items

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def label(self, language: str) -> str:
        """'1. Title' as the item is named in the summary and the printable copy."""
        return (f"{self.number}. " if self.number else "") + self.title(language)


@dataclass(frozen=True)
class Section:
    key: str
    part: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Level:
    key: str
    label: Text
    min_score: int


@dataclass(frozen=True)
class Disqualifier:
    key: str
    question: Text   # asked of the member: «Were you disciplined this year?»
    statement: Text  # shown to the secretary reading it: «Disciplined this year»


@dataclass(frozen=True)
class FormDef:
    version: str
    code: str  # 2A / 2B / 2C
    name: Text
    title_vi: str
    subtitle: Text
    header_fields: tuple[str, ...]
    parts: dict[str, Text]
    sections: tuple[Section, ...]
    levels: tuple[Level, ...]  # best first
    disqualifiers: tuple[Disqualifier, ...]
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    # Computed once per form (cached_property writes to __dict__, frozen or not): the
    # dialogue and the reminder runs ask for them on every message and every draft.
    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def text_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind != "score")

    @cached_property
    def score_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "score")

    def item(self, key: str) -> Item:
        return self.items[self.position(key)]

    def position(self, key: str) -> int:
        """Index of an item in the form's order; KeyError for anything else."""
        if not self._index:
            self._index.update({item.key: n for n, item in enumerate(self.items)})
        return self._index[key]


@dataclass(frozen=True)
class Reader:
    """One table of a form file, read with errors that name the file and the place."""

    path: Path
    where: str
    table: dict[str, Any]

    def fail(self, reason: str) -> NoReturn:
        raise FormError(self.path, f"{self.where}: {reason}")

    def require(self, key: str, kind: type) -> Any:
        if key not in self.table:
            self.fail(f"`{key}` is missing")
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.fail(f"`{key}` must be a {kind.__name__}")
        return value

    def text(self, value: Any, what: str = "") -> Text:
        where = f"{self.where} {what}".strip()
        if isinstance(value, str):
            value = {"vi": value}
        if not isinstance(value, dict) or not isinstance(value.get("vi"), str) or not value["vi"]:
            raise FormError(self.path, f"{where}: needs a Vietnamese text (vi = \"…\")")
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise FormError(self.path, f"{where}: unknown language {sorted(unknown)[0]!r}")
        return Text(value["vi"].strip(), str(value.get("en", "")).strip())

    def at(self, where: str, table: dict[str, Any]) -> Reader:
        return Reader(self.path, where, table)
