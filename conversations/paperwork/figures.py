"""The figures the papers print, counted from the data: a cell's members, who was reviewed
and who not (and why), the levels at each step of the chain, the «xuất sắc» quota; and the
committee's list of results (members by decided level, per cell).

Plain values: built on the event loop from what storage returns, then handed to the
builders of the documents (mau01.py, results.py), which run off it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conversations.core.text import name_order
from conversations.forms import rating
from conversations.paperwork.chain import CellChain
from conversations.paperwork.heading import Heading, people
from conversations.secretary.progress import EXCLUDED, SUBMITTED, CellProgress
from storage.ratings import ChainRow

# why a member is not reviewed, as the papers say it
NOT_REVIEWED_VI = {
    "exempted": "Miễn sinh hoạt đảng",
    "suspended": "Đình chỉ sinh hoạt đảng",
    "new": "Vào Đảng chưa đủ 6 tháng",
    "not_expected": "Chuyển đến sau khi bắt đầu đợt kiểm điểm",
}
NO_DECISION = "Chưa có quyết định của Đảng ủy"
CHANGED = "Đảng ủy quyết định khác đề xuất"


def quota_line(what: str, rule: rating.Quota, counts: Mapping[str, int], *,
               plain: bool = False) -> str:
    """The «xuất sắc» quota in people: 'Tỷ lệ … (Chi bộ đề xuất): 1 đồng chí, tối đa 0 đồng
    chí (không quá 20% số «Hoàn thành tốt nhiệm vụ») — VƯỢT TỶ LỆ CHO PHÉP.' `plain`: as a
    paper to be signed and sent up says it, '— vượt tỷ lệ cho phép 1 đồng chí.'"""
    allowed, excellent = rule.allowed(counts), counts.get("excellent", 0)
    share = f"{float(rule.share) * 100:g}%"
    base = "«Hoàn thành tốt nhiệm vụ»" + (" trở lên" if rule.base == "good_or_better" else "")
    if excellent <= allowed:
        verdict = "đạt tỷ lệ"
    elif plain:
        verdict = f"vượt tỷ lệ cho phép {people(excellent - allowed)}"
    else:
        verdict = "VƯỢT TỶ LỆ CHO PHÉP"
    return (f"Tỷ lệ «Hoàn thành xuất sắc nhiệm vụ» ({what}): {people(excellent)}, tối đa "
            f"{people(allowed)} (không quá {share} số {base}) — {verdict}.")


@dataclass(frozen=True)
class CellFigures:
    heading: Heading
    levels: tuple[tuple[str, str], ...]    # (key, Vietnamese label), best first
    members: int                           # on the cell's list
    probationary: int
    expected: int                          # to be reviewed
    submitted: int
    not_reviewed: tuple[tuple[str, int], ...]  # (reason in words, how many)
    own: Counter[str]                      # self-proposed levels (handed-in reviews)
    cell: Counter[str]                     # the cell's proposals
    committee: Counter[str]                # the committee's decisions
    cell_confirmed: bool                   # every proposal of the cell confirmed
    rule: rating.Quota
    cell_rating: str | None                # the committee's level for the cell, if any

    @property
    def not_submitted(self) -> int:
        return self.expected - self.submitted

    @property
    def undecided(self) -> int:
        return self.expected - sum(self.committee.values())


def cell_figures(heading: Heading, progress: CellProgress, chain: CellChain,
                 levels: Sequence[tuple[str, str]], rule: rating.Quota,
                 cell_rating: str | None = None) -> CellFigures:
    excluded = Counter(e.reason or "" for e in progress.entries if e.group == EXCLUDED)
    ids = [e.member.id for e in progress.entries if e.group != EXCLUDED]
    rows = [chain.of(member_id) for member_id in ids]
    own = Counter(e.review.level for e in progress.entries
                  if e.group == SUBMITTED and e.review is not None and e.review.level)
    return CellFigures(
        heading=heading, levels=tuple(levels), members=len(progress.entries),
        probationary=sum(1 for e in progress.entries if e.member.status == "probationary"),
        expected=progress.expected, submitted=progress.submitted,
        not_reviewed=tuple((NOT_REVIEWED_VI.get(reason, reason), n)
                           for reason, n in sorted(excluded.items())),
        own=own, cell=Counter(r.cell for r in rows if r.cell),
        committee=Counter(r.committee for r in rows if r.committee),
        cell_confirmed=bool(rows) and all(r.cell_confirmed for r in rows if r.cell),
        rule=rule, cell_rating=cell_rating)


@dataclass(frozen=True)
class ResultLine:
    full_name: str
    cell_level: str | None       # the cell's proposal (key)
    level: str | None            # the committee's decision (key); None: not decided yet
    note: str = ""               # the committee's reason, or why not reviewed


def _decision_note(row: ChainRow, reason: str) -> str:
    """The committee's reason, said to be for a level other than the cell's proposal when
    it is one (the paper lists members by the committee's level beside the proposal)."""
    reason = reason.strip()
    if row.cell and row.committee and row.committee != row.cell:
        return f"{CHANGED}: {reason}" if reason else CHANGED
    return reason


@dataclass(frozen=True)
class CellResults:
    cell: str
    lines: tuple[ResultLine, ...]        # expected members, best level first, then undecided
    not_reviewed: tuple[ResultLine, ...]  # note: why
    rating: str | None = None            # the committee's level for the cell itself

    def count(self, level: str | None) -> int:
        return sum(1 for line in self.lines if line.level == level)


@dataclass(frozen=True)
class Results:
    heading: Heading
    levels: tuple[tuple[str, str], ...]
    cells: tuple[CellResults, ...]
    rule: rating.Quota

    def total(self, level: str | None) -> int:
        return sum(cell.count(level) for cell in self.cells)

    @property
    def not_reviewed(self) -> int:
        return sum(len(cell.not_reviewed) for cell in self.cells)

    @property
    def decided(self) -> Counter[str]:
        return Counter({key: self.total(key) for key, _label in self.levels})


def cell_results(progress: CellProgress, chain: CellChain, levels: Sequence[tuple[str, str]],
                 rating_level: str | None = None) -> CellResults:
    order = {key: n for n, (key, _label) in enumerate(levels)}
    lines, excluded = [], []
    for entry in progress.entries:
        member = entry.member
        if entry.group == EXCLUDED:
            excluded.append(ResultLine(member.full_name, None, None,
                                       NOT_REVIEWED_VI.get(entry.reason or "", "")))
            continue
        row, decision = chain.of(member.id), chain.decisions.get(member.id)
        lines.append(ResultLine(member.full_name, row.cell, row.committee,
                                _decision_note(row, decision.reason if decision else "")))
    lines.sort(key=lambda line: (order.get(line.level or "", len(order)),
                                 name_order(line.full_name)))
    excluded.sort(key=lambda line: name_order(line.full_name))
    return CellResults(progress.cell.name, tuple(lines), tuple(excluded), rating_level)
