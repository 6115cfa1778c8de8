"""The member file as rows of cells: a CSV (UTF-8, "," or ";") or the first sheet of an
XLSX workbook, each row with its line number; and the error that lists a file's problems
by line. `bot.member_file` makes members of these rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from bot.cli_text import _

SUFFIXES = (".csv", ".xlsx")
Row = tuple[int, list[object]]  # (line number, cells)


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
        return _("{file}, line {line}: {reason}").format(
            file=self.path.name, line=problem.line, reason=problem.reason)


def file_error(path: Path, reason: str, line: int = 0) -> ImportFileError:
    return ImportFileError(path, [RowProblem(line, reason)])


def read_rows(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = _(" (old Excel format)") if suffix == ".xls" else ""
        raise file_error(path, _(
            'cannot read "{suffix}" files{hint}; save the list as'
            ' .xlsx ("Excel Workbook") or .csv ("CSV UTF-8")'
        ).format(suffix=suffix or _("no extension"), hint=hint))
    if not path.exists():
        raise file_error(path, _("file not found: {path}").format(path=path))
    if not path.is_file():
        raise file_error(path, _("{path} is a folder, not a file").format(path=path))
    return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)


def _read_csv(path: Path) -> list[Row]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(path, _("cannot read the file: {reason}").format(
            reason=error.strerror)) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise file_error(
            path,
            _('the file is not UTF-8 text; in Excel choose "Save As" > "CSV UTF-8"'),
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
        raise file_error(path, _("cannot read this line as CSV: {reason}").format(reason=error),
                         last_line + 1) from error
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
        raise file_error(
            path, _("cannot open the workbook; open it in Excel and save it again as .xlsx")
        ) from error
    try:
        if not workbook.worksheets:
            raise file_error(path, _("the workbook has no sheet"))
        sheet = workbook.worksheets[0]
        return [
            (line, list(cells))
            for line, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
    finally:
        workbook.close()
