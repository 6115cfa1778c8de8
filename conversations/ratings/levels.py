"""The four levels as the rating chain shows and reads them, and the «xuất sắc» quota in
people.

The levels are the forms' (best first); every form of a version shares them, and the cells
are rated on the same four."""

from __future__ import annotations

from collections.abc import Mapping

from conversations.core.context import Context
from conversations.core.i18n import N_, Formatter
from conversations.core.text import fold
from conversations.forms.library import FormLibrary
from conversations.forms.model import Level
from conversations.forms.rating import Quota

EXCELLENT = "excellent"
GOOD = "good"
# short labels for the progress table ("XS → Tốt → —"); msgids in English
_SHORT = {"excellent": N_("Exc."), "good": N_("Good"), "done": N_("Done"),
          "not_done": N_("Not done")}
# the levels in words, for the chain's lists in chat ("Tốt → Xuất sắc"); also what a
# text-only channel accepts typed where a level is chosen
_WORDS = {"excellent": N_("Excellent"), "good": N_("Good"), "done": N_("Completed"),
          "not_done": N_("Not completed")}
NONE = "—"


def levels(forms: FormLibrary) -> tuple[Level, ...]:
    version = forms.default_version
    return tuple(forms.get(version, forms.codes(version)[0]).levels)


def keys(forms: FormLibrary) -> list[str]:
    return [level.key for level in levels(forms)]


def label_in(forms: FormLibrary, key: str | None, language: str) -> str:
    found = next((lv for lv in levels(forms) if lv.key == key), None)
    return found.label(language) if found else NONE


def label(ctx: Context, key: str | None) -> str:
    return label_in(ctx.forms, key, ctx.fmt.language)


def short(ctx: Context, key: str | None) -> str:
    return ctx._(_SHORT[key]) if key in _SHORT else NONE


def word(ctx: Context, key: str | None) -> str:
    """The level in a word or two («Xuất sắc», «Hoàn thành»), for lists."""
    return ctx._(_WORDS[key]) if key in _WORDS else NONE


def keyword(ctx: Context, key: str) -> str | None:
    """What picks the level when typed on a text-only channel («xuất sắc», «tốt»…)."""
    return word(ctx, key).lower() if key in _WORDS else None


def better(forms: FormLibrary, level: str, than: str | None) -> bool:
    """True when `level` is above `than` (None: nothing to compare with)."""
    order = keys(forms)
    return than in order and level in order and order.index(level) < order.index(than)


def read_level(forms: FormLibrary, text: str) -> str | None:
    """A level from its label in either language or its key, however typed."""
    wanted = fold(" ".join(text.split()))
    for level in levels(forms):
        if wanted in (fold(level.label("vi")), fold(level.label("en")), level.key):
            return level.key
    return None


def counts(chosen: Mapping[int, str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for level in chosen.values():
        result[level] = result.get(level, 0) + 1
    return result


def quota_line(fmt: Formatter, quota: Quota, per_level: Mapping[str, int],
               forms: FormLibrary) -> str:
    """'«Hoàn thành xuất sắc nhiệm vụ»: 3; at most 2 comrades by the quota (20% of 10
    rated «Hoàn thành tốt nhiệm vụ»).' The levels by their labels, as the form writes them."""
    allowed = quota.allowed(per_level)
    base = per_level.get(GOOD, 0) + (
        per_level.get(EXCELLENT, 0) if quota.base == "good_or_better" else 0)
    good = label_in(forms, GOOD, fmt.language)
    base_text = (fmt.gettext("rated «{level}» or better") if quota.base == "good_or_better"
                 else fmt.gettext("rated «{level}»")).format(level=good)
    return fmt.ngettext(
        "«{excellent}»: {n}; the quota allows at most {allowed} comrade ({share} of {base} "
        "{base_text}).",
        "«{excellent}»: {n}; the quota allows at most {allowed} comrades ({share} of {base} "
        "{base_text}).", allowed).format(
        excellent=label_in(forms, EXCELLENT, fmt.language),
        n=per_level.get(EXCELLENT, 0), allowed=allowed, base=base, base_text=base_text,
        share=fmt.number(float(quota.share * 100)) + "%")


def quota_status(fmt: Formatter, quota: Quota, per_level: Mapping[str, int],
                 forms: FormLibrary) -> str:
    """The quota line, marked «⚠ over the quota» as soon as the counts break it."""
    line = quota_line(fmt, quota, per_level, forms)
    return "⚠ " + fmt.gettext("over the quota") + ": " + line if quota.excess(per_level) \
        else line


def over_quota(fmt: Formatter, quota: Quota, per_level: Mapping[str, int],
               forms: FormLibrary) -> str | None:
    """The warning when the counts break the quota, or None."""
    excess = quota.excess(per_level)
    if not excess:
        return None
    return fmt.ngettext(
        "Over the quota by {n} comrade.", "Over the quota by {n} comrades.", excess
    ).format(n=excess) + " " + quota_line(fmt, quota, per_level, forms)
