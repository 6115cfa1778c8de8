"""Reading the member list a committee imports, from a CSV (UTF-8) or XLSX file.

`read_member_file` returns one `MemberRecord` per member row, or raises `ImportFileError`
listing every problem in the file with its line number. A file with any problem gives
nothing back, so an import is all or nothing: the operator fixes the file and runs it
again.

Headings and coded values (form, role, status, language) are matched after the same
normalisation: lower case, Vietnamese diacritics removed, anything that is not a letter
or digit turned into "_". So "Họ và tên", "ho va ten" and "HO_VA_TEN" are one heading.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from openpyxl.utils import get_column_letter

from bot.cli_text import _, ngettext
from bot.member_sheets import ImportFileError, Row, RowProblem, file_error, read_rows
from bot.member_values import (
    MIN_AGE,
    NAME_MAX,
    ROLE_NAMES,
    STATUS_NAMES,
    BadValue,
    admission_date_value,
    age_on,
    birth_date_value,
    cell_text,
    form_value,
    language_value,
    normalise_name,
    quoted,
    roles_value,
    show_date,
    status_value,
    text_value,
)
from conversations.core.i18n import N_
from storage.models import MemberRecord

__all__ = [
    "COLUMN_ALIASES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ROLE_NAMES",
    "STATUS_NAMES",
    "ImportFileError",
    "RowProblem",
    "normalise_name",
    "read_member_file",
]

T = TypeVar("T")

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # "today", for dates in the future

# Columns

REQUIRED_COLUMNS = ("cell", "full_name", "birth_date", "form")
OPTIONAL_COLUMNS = (
    "role", "party_post", "workplace", "admitted_on", "status", "other_posts", "language",
)

# Other headings accepted for a column, already normalised (see `normalise_name`).
COLUMN_ALIASES: dict[str, str] = {
    "chi_bo": "cell",
    "ho_ten": "full_name",
    "ho_va_ten": "full_name",
    "ngay_sinh": "birth_date",
    "mau": "form",
    "mau_kiem_diem": "form",
    "vai_tro": "role",
    "chuc_vu_dang": "party_post",
    "don_vi": "workplace",
    "don_vi_cong_tac": "workplace",
    "noi_cong_tac": "workplace",
    "ngay_vao_dang": "admitted_on",
    "trang_thai": "status",
    "chuc_vu_khac": "other_posts",
    "chuc_vu_chinh_quyen": "other_posts",
    "ngon_ngu": "language",
}

# Headings that could mean more than one column: never guessed, the operator chooses.
AMBIGUOUS_COLUMNS: dict[str, str] = {
    "chuc_vu": N_('rename it "chuc_vu_dang" (the Party post) or "chuc_vu_khac" (other posts)'),
}

# Headings read and dropped: the row number (số thứ tự) most member lists start with.
IGNORED_COLUMNS = frozenset({"stt"})

# How problems name each column's value.
FIELD_LABELS: dict[str, str] = {
    "cell": N_("cell"),
    "full_name": N_("full name"),
    "birth_date": N_("birth date"),
    "form": N_("form"),
    "role": N_("role"),
    "party_post": N_("Party post"),
    "workplace": N_("workplace"),
    "admitted_on": N_("admission date"),
    "status": N_("status"),
    "other_posts": N_("other posts"),
    "language": N_("language"),
}

def read_member_file(path: Path, *, today: date | None = None) -> list[MemberRecord]:
    """Every member of a .csv or .xlsx file, or `ImportFileError` with all its problems."""
    path = Path(path)
    today = today or datetime.now(TIMEZONE).date()
    rows = read_rows(path)
    return _FileParser(path, today).parse(rows)


# Understanding the rows


def _accepted_columns() -> str:
    names = []
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        aliases = [alias for alias, target in COLUMN_ALIASES.items() if target == column]
        names.append(f"{column} ({', '.join(aliases)})" if aliases else column)
    return "; ".join(names)


def _column_names(column: str) -> str:
    aliases = [alias for alias, target in COLUMN_ALIASES.items() if target == column]
    return _(" or ").join([column, *aliases])


class _FileParser:
    """Turns a file's rows into records, collecting every problem on the way."""

    def __init__(self, path: Path, today: date) -> None:
        self.path = path
        self.today = today
        self.problems: list[RowProblem] = []
        self.columns: dict[int, str] = {}  # column index -> field
        self.fields: set[str] = set()  # the fields the file has a column for
        self.named: set[int] = set()  # columns with a heading, known or not
        self.people: dict[tuple[str, date], int] = {}  # (name, birth date) -> first line

    def parse(self, rows: list[Row]) -> list[MemberRecord]:
        as_text = [(line, [cell_text(cell) for cell in cells], cells) for line, cells in rows]
        filled = [(line, texts, cells) for line, texts, cells in as_text if any(texts)]
        if not filled:
            raise file_error(
                self.path,
                _("the file is empty; the first line must name the columns: {columns}").format(
                    columns=", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)),
                1,
            )
        (header_line, header, _cells), *body = filled
        self._read_header(header_line, header)
        records = []
        for line, texts, cells in body:
            if not self._has_data(texts):
                continue
            record = self._read_row(line, texts, cells)
            if record is not None:
                records.append(record)
        if not self.problems and not records:
            self.problems.append(RowProblem(header_line, _("the file has no member rows")))
        if self.problems:
            raise ImportFileError(self.path, self.problems)
        return records

    def _problem(self, line: int, reason: str) -> None:
        self.problems.append(RowProblem(line, reason))

    # the header

    def _read_header(self, line: int, header: list[str]) -> None:
        seen: dict[str, int] = {}
        unknown: list[str] = []
        for index, heading in enumerate(header):
            if not heading:
                continue
            self.named.add(index)
            key = normalise_name(heading)
            if key in IGNORED_COLUMNS:
                continue
            field = key if key in FIELD_LABELS else COLUMN_ALIASES.get(key)
            if key in AMBIGUOUS_COLUMNS:
                hint = AMBIGUOUS_COLUMNS[key]
                self._problem(line, _("column {heading} is ambiguous: {hint}").format(
                    heading=quoted(heading), hint=_(hint)))
            elif field is None:
                unknown.append(quoted(heading))
            elif field in seen:
                first = seen[field]
                self._problem(line, _(
                    "columns {first} ({first_letter}) and {second} ({second_letter}) both"
                    " mean {field}; keep one of them"
                ).format(first=quoted(header[first]), first_letter=get_column_letter(first + 1),
                         second=quoted(heading), second_letter=get_column_letter(index + 1),
                         field=field))
            else:
                seen[field] = index
                self.columns[index] = field
                self.fields.add(field)
        if unknown:
            self._problem(line, ngettext(
                "unknown column {names} (check the spelling); accepted columns: {accepted}",
                "unknown columns {names} (check the spelling); accepted columns: {accepted}",
                len(unknown),
            ).format(names=", ".join(unknown), accepted=_accepted_columns()))
        missing = [column for column in REQUIRED_COLUMNS if column not in seen]
        if missing:
            self._problem(line, ngettext(
                "missing required column: {names}", "missing required columns: {names}",
                len(missing),
            ).format(names=", ".join(_column_names(column) for column in missing)))

    def _has_data(self, texts: list[str]) -> bool:
        """False for rows with values only under ignored or unknown headings (e.g. STT)."""
        return any(
            text and (index in self.columns or index not in self.named)
            for index, text in enumerate(texts)
        )

    # one member row

    def _check_unheaded(self, line: int, texts: list[str]) -> None:
        for index, text in enumerate(texts):
            if text and index not in self.named:
                self._problem(line, _(
                    "value {value} is in column {column}, which has no heading"
                ).format(value=quoted(text), column=get_column_letter(index + 1)))

    def _values(self, texts: list[str], cells: list[object]) -> dict[str, object]:
        """Field -> the cell's clean text, or the date of a workbook's date cell."""
        values: dict[str, object] = {}
        for index, field in self.columns.items():
            if index < len(cells):
                cell = cells[index]
                values[field] = cell if isinstance(cell, date) else texts[index]
        return values

    def _read_row(self, line: int, texts: list[str], cells: list[object]) -> MemberRecord | None:
        before = len(self.problems)
        self._check_unheaded(line, texts)
        raw = self._values(texts, cells)

        def check(field: str, parse: Callable[[object], T]) -> T | None:
            if field in REQUIRED_COLUMNS and field not in self.fields:
                return None  # the missing column is reported once, on the header
            try:
                return parse(raw.get(field))
            except BadValue as error:
                self._problem(line, str(error))
                return None

        def text(field: str, **limits) -> str | None:
            return check(field, lambda value: text_value(value, FIELD_LABELS[field], **limits))

        cell = text("cell", required=True, limit=NAME_MAX)
        full_name = text("full_name", required=True, limit=NAME_MAX)
        birth_date = check("birth_date", lambda value: birth_date_value(value, self.today))
        form = check("form", form_value)
        roles = check("role", roles_value)
        party_post = text("party_post")
        other_posts = text("other_posts")
        workplace = text("workplace")
        admitted_on = check("admitted_on", lambda value: admission_date_value(value, self.today))
        status = check("status", status_value)
        language = check("language", language_value)
        if birth_date and admitted_on and age_on(birth_date, admitted_on) < MIN_AGE:
            self._problem(line, _(
                "admission date {admitted} is before the member turned {age} (born {born});"
                " check both dates"
            ).format(admitted=show_date(admitted_on), age=MIN_AGE, born=show_date(birth_date)))
        if full_name and birth_date:
            self._check_duplicate(line, full_name, birth_date)
        if len(self.problems) > before:
            return None
        if cell is None or full_name is None or birth_date is None or form is None:
            return None  # a required column is missing: already reported
        return MemberRecord(
            cell=cell,
            full_name=full_name,
            birth_date=birth_date,
            form=form,
            roles=roles or frozenset(),
            party_post=party_post or "",
            other_posts=other_posts or "",
            workplace=workplace or "",
            admitted_on=admitted_on,
            status=status or "active",
            language=language,
        )

    def _check_duplicate(self, line: int, full_name: str, birth_date: date) -> None:
        key = (full_name.casefold(), birth_date)
        first = self.people.setdefault(key, line)
        if first != line:
            self._problem(line, _(
                "{name} (born {born}) is listed twice, on lines {first} and {line}; keep one row"
            ).format(name=full_name, born=show_date(birth_date), first=first, line=line))


# Values of one row. Each takes the cell's text (or a date cell) and raises BadValue.
