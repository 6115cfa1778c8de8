"""Self-review forms as data: versioned TOML files, checked once at start-up.

A file either defines a whole form version (`version = "…"`: shared sections and items,
each item naming the forms 2A/2B/2C it belongs to) or adjusts an existing one
(`adjusts = "…"`: new hints for some items). A committee drops its own files in a folder
(KIEMDIEM_FORMS_DIR); a broken file stops start-up with the file and the reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from conversations.forms.kinds import KINDS
from conversations.forms.model import (  # re-exported: the rest of the code imports them here
    LANGUAGES,
    Disqualifier,
    FormDef,
    FormError,
    Item,
    Level,
    Option,
    Reader,
    Section,
    Text,
)

__all__ = [
    "BUILTIN_FORMS_DIR",
    "LANGUAGES",
    "Disqualifier",
    "FormDef",
    "FormError",
    "FormLibrary",
    "Item",
    "Level",
    "Option",
    "Section",
    "Text",
    "load_forms",
]

BUILTIN_FORMS_DIR = Path(__file__).parent  # the .toml files beside this module
PARTS = ("A", "B")
TOTAL_SCORE = 100
SCORE_STEPS = (1, 0.5)  # whole points, or halves where a committee scores in halves
# A review button carries up to two step keys, `rv.goto:<from>:<to>`, in Telegram's 64 bytes
# (conversations/review/actions.py; a test there packs the longest one). A step is an item
# key or `dq.<question key>`; options and levels ride beside one step key.
MAX_KEY_BYTES = 27
STEP_PREFIX_BYTES = len("dq.")


class FormLibrary:
    def __init__(self, forms: dict[tuple[str, str], FormDef], default_version: str):
        self._forms = forms
        self.default_version = default_version

    def get(self, version: str, code: str) -> FormDef:
        try:
            return self._forms[(version, code)]
        except KeyError:
            raise KeyError(f"no form {code} in version {version}") from None

    def versions(self) -> list[str]:
        return sorted({version for version, _code in self._forms})

    def codes(self, version: str) -> list[str]:
        return sorted(code for v, code in self._forms if v == version)


def load_forms(*folders: Path, default_version: str | None = None) -> FormLibrary:
    """Every *.toml in the folders, in order: versions first, then adjustments."""
    files = [path for folder in folders for path in sorted(Path(folder).glob("*.toml"))]
    raw = [(path, _read(path)) for path in files]
    forms: dict[tuple[str, str], FormDef] = {}
    defaults = []
    for path, data in raw:
        if "version" in data:
            built = _build_version(path, data)
            if any(key in forms for key in built):
                raise FormError(path, f"form version {data['version']!r} is defined twice")
            forms.update(built)
            if data.get("default"):
                defaults.append(data["version"])
    for path, data in raw:
        if "adjusts" in data:
            forms.update(_adjust(path, data, forms))
        elif "version" not in data:
            raise FormError(path, "a form file needs either `version` or `adjusts`")
    if not forms:
        raise FormError(", ".join(map(str, folders)), "no form files found")
    version = default_version or (defaults[-1] if defaults else max(v for v, _c in forms))
    if not any(v == version for v, _c in forms):
        raise FormError(", ".join(map(str, folders)), f"unknown default version {version!r}")
    return FormLibrary(forms, version)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise FormError(path, f"not valid TOML: {error}") from None


def _build_version(path: Path, data: dict[str, Any]) -> dict[tuple[str, str], FormDef]:
    read = Reader(path, "file", data)
    version = read.require("version", str)
    title_vi = read.require("title_vi", str)
    parts = {p: read.at(f"parts.{p}", {}).text(data.get("parts", {}).get(p)) for p in PARTS}
    variants = read.require("forms", dict)
    if not variants:
        raise FormError(path, "`forms` lists no form (2A, 2B, 2C…)")
    sections = [_section(read.at(f"section {n}", raw))
                for n, raw in enumerate(data.get("sections", []), 1)]
    section_keys = [s[0] for s in sections]
    if len(set(section_keys)) != len(section_keys):
        raise FormError(path, "two sections have the same key")
    items = [_item(read.at(f"item {n}", raw), section_keys, list(variants))
             for n, raw in enumerate(data.get("items", []), 1)]
    step = data.get("score_step", 1)
    if step not in SCORE_STEPS or isinstance(step, bool):
        raise FormError(path, "score_step must be 1 (whole points) or 0.5 (half points)")
    items = [(codes, replace(item, step=step) if item.kind == "score" else item)
             for codes, item in items]
    levels = _levels(path, data.get("levels", []))
    disqualifiers = tuple(
        _disqualifier(read.at(f"disqualifier {n}", d))
        for n, d in enumerate(data.get("disqualifiers", []), 1)
    )
    if not disqualifiers:
        raise FormError(path, "at least one question before the rating (disqualifiers) is needed")
    built = {}
    for code, variant in variants.items():
        form_read = read.at(f"forms.{code}", variant)
        form_sections = tuple(
            Section(key, part, title,
                    tuple(item for codes, item in items if item.section == key and code in codes))
            for key, part, title in sections
        )
        form = FormDef(
            version=version, code=code,
            name=form_read.at(f"forms.{code}.name", {}).text(variant.get("name")),
            title_vi=title_vi,
            subtitle=form_read.at(f"forms.{code}.subtitle", {}).text(variant.get("subtitle")),
            header_fields=tuple(form_read.require("header_fields", list)),
            parts=parts, sections=form_sections, levels=levels, disqualifiers=disqualifiers,
        )
        _check_form(path, form)
        built[(version, code)] = form
    return built


def _section(read: Reader) -> tuple[str, str, Text]:
    part = read.require("part", str)
    if part not in PARTS:
        read.fail(f"part must be one of {', '.join(PARTS)}")
    return read.require("key", str), part, read.text(read.table.get("title"))


def _key(read: Reader, name: str, limit: int = MAX_KEY_BYTES) -> str:
    """A key that can ride in a review button: printable, no ':', short enough."""
    key = read.require(name, str)
    size = len(key.encode("utf-8"))
    if not key or ":" in key or not key.isprintable():
        read.fail(f"`{name}` {key!r} must be printable text without ':'")
    if size > limit:
        read.fail(f"`{name}` {key!r} is {size} bytes long; at most {limit} fit in a button")
    return key


def _item(read: Reader, sections: list[str], codes: list[str]) -> tuple[frozenset[str], Item]:
    key = read.require("key", str)
    read = read.at(f"item {key}", read.table)
    _key(read, "key")
    section = read.require("section", str)
    if section not in sections:
        read.fail(f"unknown section {section!r}")
    kind = KINDS.get(read.table.get("kind", "text"))
    if kind is None:
        read.fail(f"kind must be one of {', '.join(KINDS)}")
    applies = read.table.get("forms", codes)
    unknown = [code for code in applies if code not in codes]
    if unknown:
        read.fail(f"unknown form {unknown[0]!r}")
    for option in read.table.get("options", []):
        _key(read.at(f"item {key} option", option), "key")
    item = Item(
        key=key, section=section, number=str(read.table.get("number", "")),
        title=read.text(read.table.get("title"), "title"),
        hint=read.text(read.table.get("hint"), "hint"),
        kind=kind.name, required=bool(read.table.get("required", True)) or kind.always_required,
        **kind.load(read),
    )
    return frozenset(applies), item


def _disqualifier(read: Reader) -> Disqualifier:
    key = _key(read, "key", MAX_KEY_BYTES - STEP_PREFIX_BYTES)
    return Disqualifier(key, read.text(read.table.get("question"), "question"),
                        read.text(read.table.get("statement"), "statement"))


def _levels(path: Path, raw: list[dict[str, Any]]) -> tuple[Level, ...]:
    readers = [Reader(path, f"level {n}", lv) for n, lv in enumerate(raw, 1)]
    levels = tuple(
        Level(_key(read, "key"), read.text(read.table.get("label")), read.require("min_score", int))
        for read in readers
    )
    if len(levels) < 2:
        raise FormError(path, "at least two levels are needed")
    minimums = [level.min_score for level in levels]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        raise FormError(path, "levels must be listed best first, with falling min_score")
    if minimums[-1] != 0:
        raise FormError(path, "the last level must start at min_score = 0")
    return levels


def _check_form(path: Path, form: FormDef) -> None:
    where = f"form {form.code}"
    keys = [item.key for item in form.items]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise FormError(path, f"{where}: item {duplicate!r} appears twice")
    if not form.text_items:
        raise FormError(path, f"{where}: has no items to write")
    total = sum(item.max or 0 for item in form.score_items)
    if total != TOTAL_SCORE:
        raise FormError(path, f"{where}: the score items add up to {total}, not {TOTAL_SCORE}")
    if form.levels[0].min_score > TOTAL_SCORE:
        raise FormError(path, f"{where}: the best level needs more than {TOTAL_SCORE} points")


def _adjust(path: Path, data: dict[str, Any], forms: dict[tuple[str, str], FormDef]):
    """New hints (or titles) for items of an existing version, in every form that has them."""
    read = Reader(path, "file", data)
    version = read.require("adjusts", str)
    targets = {key: form for key, form in forms.items() if key[0] == version}
    if not targets:
        raise FormError(path, f"adjusts unknown form version {version!r}")
    changes = read.require("items", dict)
    changed = {}
    for item_key, change in changes.items():
        if not any(_has(form, item_key) for form in targets.values()):
            raise FormError(path, f"item {item_key!r} is not in version {version!r}")
        unknown = set(change) - {"hint", "title"}
        if unknown:
            raise FormError(path, f"item {item_key}: only hint and title can be adjusted")
        new = {name: read.at(f"item {item_key} {name}", change).text(value)
               for name, value in change.items()}
        for key, form in list(targets.items()):
            if _has(form, item_key):
                targets[key] = changed[key] = _with_item(form, item_key, **new)
    return changed


def _has(form: FormDef, key: str) -> bool:
    return any(item.key == key for item in form.items)


def _with_item(form: FormDef, key: str, **changes: Text) -> FormDef:
    sections = tuple(
        replace(section, items=tuple(
            replace(item, **changes) if item.key == key else item for item in section.items
        ))
        for section in form.sections
    )
    return replace(form, sections=sections, _index={})
