"""Quality levels from scores (Quy định 366, Điều 11) and who is reviewed at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from conversations.forms.library import FormDef, Level
from storage.models import Member

MIN_MONTHS_ADMITTED = 6


@dataclass(frozen=True)
class Verdict:
    total: float  # halves where the form scores in half points
    implied: Level            # what the score gives
    ceiling: Level            # the best level the member may propose
    capped_by: tuple[str, ...]  # disqualifier keys answered "yes"


def level_for_score(form: FormDef, total: float) -> Level:
    """Levels are ordered best first, each with its minimum score."""
    return next(level for level in form.levels if total >= level.min_score)


def verdict(form: FormDef, scores: dict[str, float], disqualified: tuple[str, ...]) -> Verdict:
    total = sum(scores.values())
    implied = level_for_score(form, total)
    ceiling = form.levels[-1] if disqualified else implied
    return Verdict(total, implied, ceiling, disqualified)


def may_propose(form: FormDef, v: Verdict, level_key: str) -> bool:
    keys = [level.key for level in form.levels]
    return level_key in keys and keys.index(level_key) >= keys.index(v.ceiling.key)


def review_year(today: date) -> int:
    """Reviews run at the end of the year and may finish in January for the year before."""
    return today.year if today.month >= 7 else today.year - 1


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def exclusion(member: Member, on: date) -> str | None:
    """Why a member is not reviewed this time ('exempted', 'suspended', 'new'), or None."""
    if member.status in ("exempted", "suspended"):
        return member.status
    if member.admitted_on and _months_between(member.admitted_on, on) < MIN_MONTHS_ADMITTED:
        return "new"
    return None


QUOTA_BASES = ("good", "good_or_better")


@dataclass(frozen=True)
class Quota:
    """«Xuất sắc» may go to at most `share` of the base (Quy định 366, Điều 11). Sources
    differ on the base (domain.md): those rated «hoàn thành tốt» ('good') or «tốt» and
    above ('good_or_better'), hence a setting."""
    share: Fraction = Fraction(1, 5)
    base: str = "good"

    def allowed(self, counts: Mapping[str, int]) -> int:
        """How many «xuất sắc» the counts per level key allow (rounded down)."""
        base = counts.get("good", 0)
        if self.base == "good_or_better":
            base += counts.get("excellent", 0)
        return int(base * self.share)

    def excess(self, counts: Mapping[str, int]) -> int:
        """How many «xuất sắc» are over the quota (0 when within it)."""
        return max(0, counts.get("excellent", 0) - self.allowed(counts))
