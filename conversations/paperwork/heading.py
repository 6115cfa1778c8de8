"""What every paper names at its top and bottom: who sends it, for which year, where and
when it is signed, and who signs it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from conversations.core.i18n import document_date
from conversations.core.text import clean_text

DOTS = "…………………"
COUNTRY_PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"


@dataclass(frozen=True)
class Heading:
    committee: str
    cell: str | None          # None: the committee's own paper
    year: int
    place: str                # committees.place, e.g. "Phường Thử Nghiệm"
    on: date                  # the day the paper is made (the committee's local date)
    signer: str = ""          # the cell's secretary, printed under the signature; "": room

    @property
    def dated(self) -> str:
        """'Phường Thử Nghiệm, ngày 23 tháng 11 năm 2026' (dots where no place is set)."""
        return f"{clean_text(self.place).strip() or DOTS}, {document_date(self.on)}"

    @property
    def issuer(self) -> tuple[str, str]:
        """The letterhead's left block: the superior body, then the one that signs."""
        if self.cell is None:
            return "", clean_text(self.committee).upper()
        return clean_text(self.committee).upper(), clean_text(self.cell).upper()

    @property
    def signature(self) -> tuple[str, str]:
        """'On behalf of' and the title of the signer."""
        return ("T/M CHI ỦY", "BÍ THƯ") if self.cell is not None else ("T/M ĐẢNG ỦY", "BÍ THƯ")

    @property
    def recipients(self) -> tuple[str, ...]:
        if self.cell is not None:
            return (f"- {clean_text(self.committee)};", "- Lưu chi bộ.")
        return ("- Cấp ủy cấp trên;", "- Lưu văn phòng đảng ủy.")


# The body words a letterhead's name starts with: a name too long for its column breaks
# after them, as letterheads are written («ĐẢNG ỦY» / «PHƯỜNG HÒA BÌNH»).
_BODY = re.compile(r"^(ĐẢNG ỦY|ĐẢNG BỘ|CHI ỦY|CHI BỘ)\s+(.+)$")


def letterhead_lines(name: str, fits: int) -> str:
    """The name on one line if about `fits` characters fit, else broken after its body
    word with a line break, rather than wherever the column's edge falls."""
    match = _BODY.match(name)
    if len(name) <= fits or match is None:
        return name
    return f"{match.group(1)}\n{match.group(2)}"


def people(n: int) -> str:
    """A count of people as the papers write it: '2 đồng chí'."""
    return f"{n} đồng chí"
