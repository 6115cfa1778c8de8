"""Typed button actions: what a button carries, packed and parsed by one codec.

Each capability declares its button payloads as small frozen dataclasses with a `prefix`
(e.g. ``rv.goto``) and fields of type `int` or `str`; a `Codec` over those classes turns
an action into the button's data (``rv.goto:A.II.1:3``) and back. Packing checks the
Telegram limit of 64 bytes, so an over-long payload fails where it is built, not when a
person presses it. Parsing never raises: data that is not exactly one of the declared
shapes (a stale button of an older version, a forged callback, an int that is not one)
gives None, and the caller answers with the current step.

    @dataclass(frozen=True)
    class OpenReview(Action):
        prefix: ClassVar[str] = "sr.open"
        review_id: int

    SECRETARY = Codec(OpenReview, ...)
    SECRETARY.pack(OpenReview(12))          # 'sr.open:12'
    SECRETARY.parse("sr.open:12")           # OpenReview(review_id=12)
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, ClassVar, TypeVar

MAX_BYTES = 64                # Telegram's callback_data limit
MAX_INT = 2**53               # ids and numbers a button can carry (JSON-safe, SQLite-safe)
SEPARATOR = ":"

A = TypeVar("A", bound="Action")


class ActionError(ValueError):
    """An action that cannot be a button (too long, or a field that cannot be packed)."""


@dataclasses.dataclass(frozen=True)
class Action:
    prefix: ClassVar[str] = ""


class Codec:
    """Packs and parses the actions of one capability (or of several: prefixes are unique)."""

    def __init__(self, *kinds: type[Action]) -> None:
        self._kinds: dict[str, tuple[type[Action], list[tuple[str, type]]]] = {}
        for kind in kinds:
            if not kind.prefix or SEPARATOR in kind.prefix:
                raise ActionError(f"{kind.__name__}: a prefix without '{SEPARATOR}' is needed")
            if kind.prefix in self._kinds:
                raise ActionError(f"prefix {kind.prefix!r} declared twice")
            hints = typing.get_type_hints(kind)
            fields = [(f.name, hints[f.name]) for f in dataclasses.fields(kind)]
            for name, hint in fields:
                if hint not in (int, str):
                    raise ActionError(f"{kind.__name__}.{name}: only int and str fields")
            self._kinds[kind.prefix] = (kind, fields)

    @property
    def prefixes(self) -> frozenset[str]:
        return frozenset(self._kinds)

    def pack(self, action: Action) -> str:
        if action.prefix not in self._kinds:
            raise ActionError(f"{type(action).__name__} is not declared in this codec")
        _kind, fields = self._kinds[action.prefix]
        parts = [action.prefix]
        for name, hint in fields:
            value = getattr(action, name)
            text = str(value)
            if hint is int and not 0 <= value <= MAX_INT:
                raise ActionError(f"{action.prefix}.{name}: {value} is out of range")
            if hint is str and (SEPARATOR in text or not text.isprintable()):
                raise ActionError(f"{action.prefix}.{name}: {text!r} cannot be packed")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ActionError(f"{data!r} is longer than {MAX_BYTES} bytes")
        return data

    def parse(self, data: str) -> Action | None:
        prefix, *values = data.split(SEPARATOR)
        entry = self._kinds.get(prefix)
        if entry is None:
            return None
        kind, fields = entry
        if len(values) != len(fields):
            return None
        parsed: dict[str, Any] = {}
        for (name, hint), text in zip(fields, values, strict=True):
            if hint is int:
                # ASCII digits only: '²'.isdigit() is True but int('²') fails
                if not (text.isascii() and text.isdigit()) or len(text) > 16:
                    return None
                number = int(text)
                if number > MAX_INT:
                    return None
                parsed[name] = number
            else:
                if not text or not text.isprintable():
                    return None
                parsed[name] = text
        return kind(**parsed)

    def parse_as(self, data: str, kind: type[A]) -> A | None:
        action = self.parse(data)
        return action if isinstance(action, kind) else None
