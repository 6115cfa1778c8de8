"""The papers' buttons, and where they are offered (beside the files of /export)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conversations.core.actions import Action, Codec
from conversations.core.context import Context
from conversations.core.replies import Choice


@dataclass(frozen=True)
class CellReport(Action):
    prefix: ClassVar[str] = "pw.m01"
    cell_id: int


@dataclass(frozen=True)
class ResultsList(Action):
    prefix: ClassVar[str] = "pw.kq"


PAPERWORK = Codec(CellReport, ResultsList)


def offers(ctx: Context, cell_id: int | None) -> tuple[tuple[Choice, ...], ...]:
    """The papers offered with the files: a cell's report, or (for a committee) the list of
    results."""
    _ = ctx._
    if cell_id is not None:
        return ((Choice(_("Collective report draft (Mẫu 01)"),
                        PAPERWORK.pack(CellReport(cell_id)), keyword="mau01"),),)
    return ((Choice(_("List of results to send up"), PAPERWORK.pack(ResultsList()),
                    keyword="ketqua"),),)
