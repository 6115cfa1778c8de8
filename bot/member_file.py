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

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from conversations.core.text import clean_text
from storage.models import FORMS, LANGUAGES, ROLES, STATUSES, MemberRecord

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
SUFFIXES = (".csv", ".xlsx")

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
    "chuc_vu": 'rename it "chuc_vu_dang" (the Party post) or "chuc_vu_khac" (other posts)',
}

# Headings read and dropped: the row number (số thứ tự) most member lists start with.
IGNORED_COLUMNS = frozenset({"stt"})

# How problems name each column's value.
FIELD_LABELS: dict[str, str] = {
    "cell": "cell",
    "full_name": "full name",
    "birth_date": "birth date",
    "form": "form",
    "role": "role",
    "party_post": "Party post",
    "workplace": "workplace",
    "admitted_on": "admission date",
    "status": "status",
    "other_posts": "other posts",
    "language": "language",
}

# Values

# Role words, normalised, to the stored role; None: a plain member, no extra role.
ROLE_NAMES: dict[str, str | None] = {
    "secretary": "secretary",
    "bi_thu": "secretary",
    "bi_thu_chi_bo": "secretary",
    "deputy": "deputy",
    "pho_bi_thu": "deputy",
    "pho_bi_thu_chi_bo": "deputy",
    "admin": "admin",
    "quan_tri": "admin",
    "member": None,
    "dang_vien": None,
}

# Status words, normalised, to the stored status. An empty cell means "active".
STATUS_NAMES: dict[str, str] = {
    "active": "active",
    "chinh_thuc": "active",
    "probationary": "probationary",
    "du_bi": "probationary",
    "exempted": "exempted",
    "mien_sinh_hoat": "exempted",
    "mien_sinh_hoat_dang": "exempted",
    "mien_cong_tac_va_sinh_hoat_dang": "exempted",
    "suspended": "suspended",
    "dinh_chi": "suspended",
    "dinh_chi_sinh_hoat": "suspended",
    "dinh_chi_sinh_hoat_dang": "suspended",
}

# Language codes. An empty cell (None) keeps the member's own choice.
LANGUAGE_NAMES: dict[str, str] = {"vi": "vi", "en": "en"}

assert set(ROLE_NAMES.values()) - {None} == set(ROLES)
assert set(STATUS_NAMES.values()) == set(STATUSES)
assert set(LANGUAGE_NAMES.values()) == set(LANGUAGES)

NAME_MAX = 120  # full name and cell name
TEXT_MAX = 300  # every other text column
EARLIEST_BIRTH = date(1900, 1, 1)
MIN_AGE = 18  # members are admitted at 18 or older

_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YEAR_MONTH_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# "2A", "mau 2a", "Mẫu số 2A"; a leading 0 ("02A") is the 2023 numbering.
_FORM = re.compile(r"^(?:mau_?(?:so_?)?)?(0?)2_?([abc])$")
_ROLE_SEPARATORS = re.compile(r"[,;+]")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

_FORM_CHOICES = (
    "2A (members holding a leadership or management post), 2B (other members working in"
    " the political system) or 2C (members outside it: retirees, students, private sector)"
)
_DATE_FORMATS = "use dd/mm/yyyy or yyyy-mm-dd"


@dataclass(frozen=True)
class RowProblem:
    line: int  # the file's line (a workbook's row); 0: the file as a whole
    reason: str


class ImportFileError(Exception):
    """The member file cannot be imported; `problems` lists every reason, by line."""

    def __init__(self, path: Path, problems: Sequence[RowProblem]) -> None:
        self.path = Path(path)
        self.problems = sorted(problems, key=lambda problem: problem.line)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(self._describe(problem) for problem in self.problems)

    def _describe(self, problem: RowProblem) -> str:
        if problem.line <= 0:
            return f"{self.path.name}: {problem.reason}"
        return f"{self.path.name}, line {problem.line}: {problem.reason}"


class _BadValue(Exception):
    """One value of a row is wrong; the message is the reason shown to the operator."""


def read_member_file(path: Path, *, today: date | None = None) -> list[MemberRecord]:
    """Every member of a .csv or .xlsx file, or `ImportFileError` with all its problems."""
    path = Path(path)
    today = today or datetime.now(TIMEZONE).date()
    rows = _read_rows(path)
    return _FileParser(path, today).parse(rows)


# Normalising text


def normalise_name(text: str) -> str:
    """'  Họ và Tên ' -> 'ho_va_ten': how headings and coded values are compared."""
    text = unicodedata.normalize("NFC", text).strip().lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub("_", bare).strip("_")


def _cell_text(value: object) -> str:
    """A cell as clean text: NFC, no invisible characters, single spaces."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        text = _show_date(value.date())
    elif isinstance(value, date) and not isinstance(value, datetime):
        text = _show_date(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    visible = "".join(char for char in clean_text(text) if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def _show_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _quoted(text: str, limit: int = 40) -> str:
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit]}…"'


# Reading the file into rows of cells


Row = tuple[int, list[object]]  # (line number, cells)


def _file_error(path: Path, reason: str, line: int = 0) -> ImportFileError:
    return ImportFileError(path, [RowProblem(line, reason)])


def _read_rows(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = " (old Excel format)" if suffix == ".xls" else ""
        raise _file_error(
            path,
            f'cannot read "{suffix or "no extension"}" files{hint}; save the list as'
            ' .xlsx ("Excel Workbook") or .csv ("CSV UTF-8")',
        )
    if not path.exists():
        raise _file_error(path, f"file not found: {path}")
    if not path.is_file():
        raise _file_error(path, f"{path} is a folder, not a file")
    return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)


def _read_csv(path: Path) -> list[Row]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _file_error(path, f"cannot read the file: {error.strerror}") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _file_error(
            path,
            'the file is not UTF-8 text; in Excel choose "Save As" > "CSV UTF-8"',
            line,
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[Row] = []
    last_line = 0
    try:
        for cells in reader:
            # A quoted value may span lines: a record starts after the previous one ends.
            rows.append((last_line + 1, list(cells)))
            last_line = reader.line_num
    except csv.Error as error:
        raise _file_error(path, f"cannot read this line as CSV: {error}", last_line + 1) from error
    return rows


def _sniff_delimiter(text: str) -> str:
    """';' or ',' (Excel writes ';' where the decimal mark is a comma), judged on the header."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:
        return ","


def _read_xlsx(path: Path) -> list[Row]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _file_error(
            path, "cannot open the workbook; open it in Excel and save it again as .xlsx"
        ) from error
    try:
        if not workbook.worksheets:
            raise _file_error(path, "the workbook has no sheet")
        sheet = workbook.worksheets[0]
        return [
            (line, list(cells))
            for line, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
    finally:
        workbook.close()


# Understanding the rows


def _accepted_columns() -> str:
    names = []
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        aliases = [alias for alias, target in COLUMN_ALIASES.items() if target == column]
        names.append(f"{column} ({', '.join(aliases)})" if aliases else column)
    return "; ".join(names)


def _column_names(column: str) -> str:
    aliases = [alias for alias, target in COLUMN_ALIASES.items() if target == column]
    return " or ".join([column, *aliases])


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


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
        as_text = [(line, [_cell_text(cell) for cell in cells], cells) for line, cells in rows]
        filled = [(line, texts, cells) for line, texts, cells in as_text if any(texts)]
        if not filled:
            raise _file_error(
                self.path,
                "the file is empty; the first line must name the columns: "
                + ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
                1,
            )
        (header_line, header, _), *body = filled
        self._read_header(header_line, header)
        records = []
        for line, texts, cells in body:
            if not self._has_data(texts):
                continue
            record = self._read_row(line, texts, cells)
            if record is not None:
                records.append(record)
        if not self.problems and not records:
            self.problems.append(RowProblem(header_line, "the file has no member rows"))
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
                self._problem(line, f"column {_quoted(heading)} is ambiguous: {hint}")
            elif field is None:
                unknown.append(_quoted(heading))
            elif field in seen:
                first = seen[field]
                self._problem(
                    line,
                    f"columns {_quoted(header[first])} ({get_column_letter(first + 1)}) and"
                    f" {_quoted(heading)} ({get_column_letter(index + 1)}) both mean {field};"
                    " keep one of them",
                )
            else:
                seen[field] = index
                self.columns[index] = field
                self.fields.add(field)
        if unknown:
            self._problem(
                line,
                f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
                f" (check the spelling); accepted columns: {_accepted_columns()}",
            )
        missing = [column for column in REQUIRED_COLUMNS if column not in seen]
        if missing:
            self._problem(
                line,
                "missing required column"
                + ("s" if len(missing) > 1 else "")
                + ": "
                + ", ".join(_column_names(column) for column in missing),
            )

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
                self._problem(
                    line,
                    f"value {_quoted(text)} is in column {get_column_letter(index + 1)},"
                    " which has no heading",
                )

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
            except _BadValue as error:
                self._problem(line, str(error))
                return None

        cell = check("cell", lambda value: _text(value, "cell", required=True, limit=NAME_MAX))
        full_name = check(
            "full_name", lambda value: _text(value, "full name", required=True, limit=NAME_MAX)
        )
        birth_date = check("birth_date", lambda value: _birth_date(value, self.today))
        form = check("form", _form)
        roles = check("role", _roles)
        party_post = check("party_post", lambda value: _text(value, "Party post"))
        other_posts = check("other_posts", lambda value: _text(value, "other posts"))
        workplace = check("workplace", lambda value: _text(value, "workplace"))
        admitted_on = check("admitted_on", lambda value: _admission_date(value, self.today))
        status = check("status", _status)
        language = check("language", _language)
        if birth_date and admitted_on and _age_on(birth_date, admitted_on) < MIN_AGE:
            self._problem(
                line,
                f"admission date {_show_date(admitted_on)} is before the member turned"
                f" {MIN_AGE} (born {_show_date(birth_date)}); check both dates",
            )
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
            self._problem(
                line,
                f"{full_name} (born {_show_date(birth_date)}) is listed twice, on lines"
                f" {first} and {line}; keep one row",
            )


# Values of one row. Each takes the cell's text (or a date cell) and raises _BadValue.


def _text(value: object, label: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = _cell_text(value)
    if required and not text:
        raise _BadValue(f"{label} is missing")
    if len(text) > limit:
        raise _BadValue(f"{label} is {len(text)} characters long; the limit is {limit}")
    return text


def _date(value: object, label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    if not text:
        return None
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_MONTH_DAY.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise _BadValue(f"{label} {_quoted(text)} is not a valid date ({_DATE_FORMATS})")
    try:
        return date(year, month, day)
    except ValueError:
        raise _BadValue(f"{label} {_quoted(text)} is not a valid date ({_DATE_FORMATS})") from None


def _birth_date(value: object, today: date) -> date:
    born = _date(value, "birth date")
    if born is None:
        raise _BadValue(f"birth date is missing ({_DATE_FORMATS})")
    shown = _show_date(born)
    if born < EARLIEST_BIRTH:
        raise _BadValue(f"birth date {shown} is before 1900; check the year")
    if born > today:
        raise _BadValue(f"birth date {shown} is in the future; check the year")
    if _age_on(born, today) < MIN_AGE:
        raise _BadValue(
            f"birth date {shown} makes the member younger than {MIN_AGE}; check the year"
        )
    return born


def _admission_date(value: object, today: date) -> date | None:
    admitted = _date(value, "admission date")
    if admitted is not None and admitted > today:
        raise _BadValue(f"admission date {_show_date(admitted)} is in the future; check the year")
    return admitted


def _form(value: object) -> str:
    text = _cell_text(value)
    if not text:
        raise _BadValue(f"form is missing; use {_FORM_CHOICES}")
    match = _FORM.match(normalise_name(text))
    if match is None:
        raise _BadValue(f"form {_quoted(text)} is not known; use {_FORM_CHOICES}")
    if match.group(1):
        raise _BadValue(
            f"form {_quoted(text)} is the 2023 numbering (Hướng dẫn 25), where the letters"
            " meant something else (02A ordinary members, 02B leaders); under Hướng dẫn 43"
            f" (2025) use {_FORM_CHOICES}"
        )
    form = "2" + match.group(2).upper()
    assert form in FORMS
    return form


def _roles(value: object) -> frozenset[str]:
    roles: set[str] = set()
    unknown: list[str] = []
    for part in _ROLE_SEPARATORS.split(_cell_text(value)):
        key = normalise_name(part)
        if not key:
            continue
        if key not in ROLE_NAMES:
            unknown.append(_quoted(part.strip()))
        elif (role := ROLE_NAMES[key]) is not None:
            roles.add(role)
    if unknown:
        raise _BadValue(
            f"role {', '.join(unknown)} is not known; use secretary (bí thư), deputy"
            ' (phó bí thư), admin (quản trị) or member (đảng viên), separated by "," ";" or "+"'
        )
    return frozenset(roles)


def _status(value: object) -> str:
    text = _cell_text(value)
    if not text:
        return "active"
    status = STATUS_NAMES.get(normalise_name(text))
    if status is None:
        raise _BadValue(
            f"status {_quoted(text)} is not known; use active (chính thức), probationary"
            " (dự bị), exempted (miễn sinh hoạt) or suspended (đình chỉ sinh hoạt),"
            " or leave it empty for active"
        )
    return status


def _language(value: object) -> str | None:
    text = _cell_text(value)
    if not text:
        return None
    language = LANGUAGE_NAMES.get(normalise_name(text))
    if language is None:
        raise _BadValue(
            f"language {_quoted(text)} is not known; use vi or en, or leave it empty to keep"
            " the member's own choice"
        )
    return language
