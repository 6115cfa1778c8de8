"""Self-review forms as data: versioned TOML files, checked once at start-up.

A file either defines a whole form version (`version = "…"`: shared sections and items,
each item naming the forms 2A/2B/2C it belongs to) or adjusts an existing one
(`adjusts = "…"`: new hints for some items). A committee drops its own files in a folder
(KIEMDIEM_FORMS_DIR); a broken file stops start-up with the file and the reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

BUILTIN_FORMS_DIR = Path(__file__).parent  # the .toml files beside this module
LANGUAGES = ("vi", "en")
KINDS = ("text", "choice", "score")
PARTS = ("A", "B")
TOTAL_SCORE = 100


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
    kind: str = "text"
    required: bool = True
    max: int | None = None  # score items
    options: tuple[Option, ...] = ()  # choice items

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def shown(self, text: str, language: str) -> str:
        """An answer as a reader sees it: a choice by its label, text as written."""
        option = self.option(text) if self.kind == "choice" else None
        return option.label(language) if option else text


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
    question: Text


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


def _text(path: Path, where: str, value: Any) -> Text:
    if isinstance(value, str):
        value = {"vi": value}
    if not isinstance(value, dict) or not isinstance(value.get("vi"), str) or not value["vi"]:
        raise FormError(path, f"{where}: needs a Vietnamese text (vi = \"…\")")
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise FormError(path, f"{where}: unknown language {sorted(unknown)[0]!r}")
    return Text(value["vi"].strip(), str(value.get("en", "")).strip())


def _require(path: Path, where: str, table: dict[str, Any], key: str, kind: type) -> Any:
    if key not in table:
        raise FormError(path, f"{where}: `{key}` is missing")
    if not isinstance(table[key], kind) or (isinstance(table[key], bool) and kind is int):
        raise FormError(path, f"{where}: `{key}` must be a {kind.__name__}")
    return table[key]


def _build_version(path: Path, data: dict[str, Any]) -> dict[tuple[str, str], FormDef]:
    version = _require(path, "file", data, "version", str)
    title_vi = _require(path, "file", data, "title_vi", str)
    parts = {p: _text(path, f"parts.{p}", data.get("parts", {}).get(p)) for p in PARTS}
    variants = _require(path, "file", data, "forms", dict)
    if not variants:
        raise FormError(path, "`forms` lists no form (2A, 2B, 2C…)")
    sections = [_section(path, n, s) for n, s in enumerate(data.get("sections", []), 1)]
    section_keys = [s[0] for s in sections]
    if len(set(section_keys)) != len(section_keys):
        raise FormError(path, "two sections have the same key")
    items = [_item(path, n, raw, section_keys, list(variants))
             for n, raw in enumerate(data.get("items", []), 1)]
    levels = _levels(path, data.get("levels", []))
    disqualifiers = tuple(
        Disqualifier(_require(path, f"disqualifier {n}", d, "key", str),
                     _text(path, f"disqualifier {n}", d.get("question")))
        for n, d in enumerate(data.get("disqualifiers", []), 1)
    )
    if not disqualifiers:
        raise FormError(path, "at least one question before the rating (disqualifiers) is needed")
    built = {}
    for code, variant in variants.items():
        where = f"forms.{code}"
        form_sections = tuple(
            Section(key, part, title,
                    tuple(item for codes, item in items if item.section == key and code in codes))
            for key, part, title in sections
        )
        form = FormDef(
            version=version, code=code,
            name=_text(path, where + ".name", variant.get("name")),
            title_vi=title_vi,
            subtitle=_text(path, where + ".subtitle", variant.get("subtitle")),
            header_fields=tuple(_require(path, where, variant, "header_fields", list)),
            parts=parts, sections=form_sections, levels=levels, disqualifiers=disqualifiers,
        )
        _check_form(path, form)
        built[(version, code)] = form
    return built


def _section(path: Path, n: int, raw: dict[str, Any]) -> tuple[str, str, Text]:
    where = f"section {n}"
    part = _require(path, where, raw, "part", str)
    if part not in PARTS:
        raise FormError(path, f"{where}: part must be one of {', '.join(PARTS)}")
    return _require(path, where, raw, "key", str), part, _text(path, where, raw.get("title"))


def _item(path: Path, n: int, raw: dict[str, Any], sections: list[str], codes: list[str]):
    key = _require(path, f"item {n}", raw, "key", str)
    where = f"item {key}"
    section = _require(path, where, raw, "section", str)
    if section not in sections:
        raise FormError(path, f"{where}: unknown section {section!r}")
    kind = raw.get("kind", "text")
    if kind not in KINDS:
        raise FormError(path, f"{where}: kind must be one of {', '.join(KINDS)}")
    applies = raw.get("forms", codes)
    unknown = [code for code in applies if code not in codes]
    if unknown:
        raise FormError(path, f"{where}: unknown form {unknown[0]!r}")
    maximum = None
    if kind == "score":
        maximum = _require(path, where, raw, "max", int)
        if maximum <= 0:
            raise FormError(path, f"{where}: max must be above 0")
    options = tuple(
        Option(_require(path, where, o, "key", str), _text(path, f"{where} option", o.get("label")))
        for o in raw.get("options", [])
    )
    if kind == "choice" and len(options) < 2:
        raise FormError(path, f"{where}: a choice needs at least two options")
    item = Item(
        key=key, section=section, number=str(raw.get("number", "")),
        title=_text(path, where + " title", raw.get("title")),
        hint=_text(path, where + " hint", raw.get("hint")),
        kind=kind, required=bool(raw.get("required", True)) or kind == "score",
        max=maximum, options=options,
    )
    return frozenset(applies), item


def _levels(path: Path, raw: list[dict[str, Any]]) -> tuple[Level, ...]:
    levels = tuple(
        Level(_require(path, f"level {n}", lv, "key", str),
              _text(path, f"level {n}", lv.get("label")),
              _require(path, f"level {n}", lv, "min_score", int))
        for n, lv in enumerate(raw, 1)
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
    version = _require(path, "file", data, "adjusts", str)
    targets = {key: form for key, form in forms.items() if key[0] == version}
    if not targets:
        raise FormError(path, f"adjusts unknown form version {version!r}")
    changes = _require(path, "file", data, "items", dict)
    changed = {}
    for item_key, change in changes.items():
        if not any(_has(form, item_key) for form in targets.values()):
            raise FormError(path, f"item {item_key!r} is not in version {version!r}")
        unknown = set(change) - {"hint", "title"}
        if unknown:
            raise FormError(path, f"item {item_key}: only hint and title can be adjusted")
        new = {name: _text(path, f"item {item_key} {name}", value)
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
