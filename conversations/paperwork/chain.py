"""A cell's rating chain as the papers show it: per member the self-proposed, the cell's and
the committee's level, and in words why a level is capped or changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from conversations.core.text import name_order
from conversations.forms.library import FormDef
from conversations.paperwork.heading import Heading
from conversations.review import steps as rs
from conversations.secretary.progress import CellProgress
from storage.models import Committee
from storage.ratings import CellProposal, ChainRow, Decision
from storage.repos import Repos
from storage.reviews import Review

HANDED_IN = ("submitted", "accepted")


@dataclass(frozen=True)
class CellChain:
    levels: dict[int, ChainRow] = field(default_factory=dict)
    proposals: dict[int, CellProposal] = field(default_factory=dict)
    decisions: dict[int, Decision] = field(default_factory=dict)

    def of(self, member_id: int) -> ChainRow:
        return self.levels.get(member_id) or ChainRow(member_id, None, None, False, None)


async def cell_chain(repos: Repos, cell_id: int, year: int) -> CellChain:
    return CellChain(await repos.ratings.chain(cell_id, year),
                     await repos.ratings.proposals(cell_id, year),
                     await repos.ratings.decisions(cell_id, year))


def capped_note(form: FormDef | None, review: Review | None, chain: CellChain,
                member_id: int) -> str:
    """Why the member's level is capped (each disqualifying «Có», by its question) and the
    reasons the cell and the committee gave for their levels, one per line."""
    lines = []
    if form is not None and review is not None and review.status in HANDED_IN:
        lowest = form.levels[-1].label("vi")
        questions = {d.key: d.question("vi") for d in form.disqualifiers}
        lines += [f"Tối đa «{lowest}»: trả lời «Có» ở câu «{questions[key]}»"
                  for key in rs.disqualified(form, review)]
    proposal, decision = chain.proposals.get(member_id), chain.decisions.get(member_id)
    if proposal is not None and proposal.reason.strip():
        lines.append(f"Chi bộ: {proposal.reason.strip()}")
    if decision is not None and decision.reason.strip():
        lines.append(f"Đảng ủy: {decision.reason.strip()}")
    return "\n".join(lines)


def heading_of(committee: Committee, cell: str | None, year: int, on: date,
               signer: str = "") -> Heading:
    return Heading(committee.name, cell, year, committee.place, on, signer)


def secretary_name(progress: CellProgress) -> str:
    """Who signs the cell's papers: its member with the role «bí thư» (the first by name
    if the list gives two), or "" (the paper leaves room for the name)."""
    names = [e.member.full_name for e in progress.entries if "secretary" in e.member.roles]
    return min(names, key=name_order, default="")

