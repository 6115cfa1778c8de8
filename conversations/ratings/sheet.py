"""The cell's proposals as an .xlsx to fill in and read back (chat and `kiemdiem proposals`).

One row per expected member: the member's number (how a row is matched), name, own level,
the cell's level (a list of the four Vietnamese labels to pick from), the cell committee's
comment and the reason (needed when the level is above the member's own). Reading checks
every row and names the row and column of each problem; nothing is recorded unless every
row is right. Text written out never becomes a formula, whatever a name holds.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from conversations.core.text import clean_text, fold, looks_like_formula
from conversations.forms.library import FormLibrary
from conversations.ratings import levels as lv
from conversations.ratings.roster import Roster
from storage.ratings import NewProposal

Gettext = Callable[[str], str]
HEADER_ROW = 2                 # row 1 is the title
COLUMNS = "ABCDEF"             # number, name, own level, the cell's level, comment, reason
MAX_BYTES = 2 * 1024 * 1024    # a cell's list is a few KB; anything bigger is not one
TEXT_LIMIT = 1000
EXTRA_ROWS = 100               # rows read past the cell's list (a member added by hand…)


def _headers(_: Gettext) -> list[str]:
    return [_("No."), _("Full name"), _("Own level"), _("The cell's level"),
            _("Comment of the cell committee"), _("Reason (when above own level)")]


def _append(sheet: Worksheet, values: list[object]) -> None:
    sheet.append([clean_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and looks_like_formula(cell.value):
            cell.data_type = "s"        # stays text: no formula runs when it is opened
            cell.quotePrefix = True


def build(r: Roster, forms: FormLibrary, _: Gettext) -> bytes:
    labels = {level.key: level.label("vi") for level in lv.levels(forms)}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Proposals")
    _append(sheet, [_("{cell} — the cell's proposals {year}").format(
        cell=r.cell.name, year=r.year)])
    _append(sheet, _headers(_))
    for entry in r.entries:
        m = entry.member.id
        proposal = r.proposals.get(m)
        _append(sheet, [m, entry.member.full_name, labels.get(r.own(m) or "", ""),
                        labels.get(proposal.level, "") if proposal else "",
                        proposal.comment if proposal else "", proposal.reason if proposal else ""])
    last = max(sheet.max_row, HEADER_ROW + 1)
    choice = DataValidation(type="list", formula1='"' + ",".join(labels.values()) + '"',
                            allow_blank=True, showErrorMessage=True)
    choice.add(f"D{HEADER_ROW + 1}:D{last}")
    sheet.add_data_validation(choice)
    for column, width in zip(COLUMNS, (8, 28, 28, 30, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Read:
    proposals: list[NewProposal]
    problems: list[str]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


def read(content: bytes, r: Roster, forms: FormLibrary, _: Gettext) -> Read:
    """The proposals of a filled sheet, or every problem found (by row and column)."""
    if len(content) > MAX_BYTES:
        return Read([], [_("The file is too large to be the cell's list.")])
    try:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=len(COLUMNS),
                                    max_row=HEADER_ROW + len(r.entries) + EXTRA_ROWS,
                                    values_only=True))
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError,
            TypeError, AttributeError):  # what openpyxl raises for a damaged or other file
        return Read([], [_("This is not an .xlsx file of the cell's list.")])
    headers = _headers(_)
    by_id = {e.member.id: e.member for e in r.entries}
    by_name = {fold(e.member.full_name): e.member for e in r.entries}
    found: dict[int, NewProposal] = {}
    problems: list[str] = []

    def problem(row: int, column: int, text: str) -> None:
        problems.append(_("Row {row}, column {column} ({title}): {problem}").format(
            row=row, column=COLUMNS[column], title=headers[column], problem=text))

    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        number_text, name, _own, level_text, comment, reason = (
            _text(v) for v in (*values, *[None] * len(COLUMNS))[:len(COLUMNS)])
        if not any((number_text, name, level_text, comment, reason)):
            continue
        member = (by_id.get(int(number_text)) if number_text.isdigit()
                  else by_name.get(fold(name)))
        if member is None or (name and fold(name) != fold(member.full_name)):
            problem(number, 0 if number_text else 1, _(
                "«{value}» is not an expected member of {cell}.").format(
                value=number_text or name, cell=r.cell.name))
            continue
        if member.id in found:
            problem(number, 0, _("comrade {name} is listed twice.").format(
                name=member.full_name))
            continue
        if not level_text:
            continue  # not filled in: no proposal from this row
        level = lv.read_level(forms, level_text)
        if level is None:
            problem(number, 3, _("«{value}» is not a level; use one of the list.").format(
                value=level_text))
            continue
        if lv.better(forms, level, r.own(member.id)) and not reason:
            problem(number, 5, _("a reason is needed: the level is above comrade {name}'s "
                                 "own.").format(name=member.full_name))
            continue
        found[member.id] = NewProposal(member.id, level, comment[:TEXT_LIMIT],
                                       reason[:TEXT_LIMIT])
    if not found and not problems:
        problems.append(_("No level is filled in the column «{title}».").format(
            title=headers[3]))
    return Read(list(found.values()), problems)
