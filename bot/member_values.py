"""The values of a member file: coded words (form, role, status, language), dates and
texts, each checked and turned into what is stored; `BadValue` carries the reason shown
to the operator. Used by `bot.member_file`."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from bot.cli_text import _
from conversations.core.i18n import N_
from conversations.core.text import clean_text
from storage.models import FORMS, LANGUAGES, ROLES, STATUSES

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

FORM_CHOICES = N_(
    "2A (members holding a leadership or management post), 2B (other members working in"
    " the political system) or 2C (members outside it: retirees, students, private sector)"
)
DATE_FORMATS = N_("use dd/mm/yyyy or yyyy-mm-dd")


class BadValue(Exception):
    """One value of a row is wrong; the message is the reason shown to the operator."""


def normalise_name(text: str) -> str:
    """'  Họ và Tên ' -> 'ho_va_ten': how headings and coded values are compared."""
    text = unicodedata.normalize("NFC", text).strip().lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub("_", bare).strip("_")


def cell_text(value: object) -> str:
    """A cell as clean text: NFC, no invisible characters, single spaces."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        text = show_date(value.date())
    elif isinstance(value, date) and not isinstance(value, datetime):
        text = show_date(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    visible = "".join(char for char in clean_text(text) if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def show_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def quoted(text: str, limit: int = 40) -> str:
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit]}…"'


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def text_value(value: object, label: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    """`label`: the column's name, an N_-marked message id (translated here)."""
    text = cell_text(value)
    if required and not text:
        raise BadValue(_("{label} is missing").format(label=_(label)))
    if len(text) > limit:
        raise BadValue(_("{label} is {length} characters long; the limit is {limit}").format(
            label=_(label), length=len(text), limit=limit))
    return text


def date_value(value: object, label: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_MONTH_DAY.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise _bad_date(label, text)
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad_date(label, text) from None


def _bad_date(label: str, text: str) -> BadValue:
    return BadValue(_("{label} {value} is not a valid date ({formats})").format(
        label=_(label), value=quoted(text), formats=_(DATE_FORMATS)))


def birth_date_value(value: object, today: date) -> date:
    born = date_value(value, N_("birth date"))
    if born is None:
        raise BadValue(_("birth date is missing ({formats})").format(formats=_(DATE_FORMATS)))
    shown = show_date(born)
    if born < EARLIEST_BIRTH:
        raise BadValue(_("birth date {date} is before 1900; check the year").format(date=shown))
    if born > today:
        raise BadValue(_("birth date {date} is in the future; check the year").format(date=shown))
    if age_on(born, today) < MIN_AGE:
        raise BadValue(_(
            "birth date {date} makes the member younger than {age}; check the year"
        ).format(date=shown, age=MIN_AGE))
    return born


def admission_date_value(value: object, today: date) -> date | None:
    admitted = date_value(value, N_("admission date"))
    if admitted is not None and admitted > today:
        raise BadValue(_("admission date {date} is in the future; check the year").format(
            date=show_date(admitted)))
    return admitted


def form_value(value: object) -> str:
    text = cell_text(value)
    if not text:
        raise BadValue(_("form is missing; use {choices}").format(choices=_(FORM_CHOICES)))
    match = _FORM.match(normalise_name(text))
    if match is None:
        raise BadValue(_("form {value} is not known; use {choices}").format(
            value=quoted(text), choices=_(FORM_CHOICES)))
    if match.group(1):
        raise BadValue(_(
            "form {value} is the 2023 numbering (Hướng dẫn 25), where the letters"
            " meant something else (02A ordinary members, 02B leaders); under Hướng dẫn 43"
            " (2025) use {choices}"
        ).format(value=quoted(text), choices=_(FORM_CHOICES)))
    form = "2" + match.group(2).upper()
    assert form in FORMS
    return form


def roles_value(value: object) -> frozenset[str]:
    roles: set[str] = set()
    unknown: list[str] = []
    for part in _ROLE_SEPARATORS.split(cell_text(value)):
        key = normalise_name(part)
        if not key:
            continue
        if key not in ROLE_NAMES:
            unknown.append(quoted(part.strip()))
        elif (role := ROLE_NAMES[key]) is not None:
            roles.add(role)
    if unknown:
        raise BadValue(_(
            "role {values} is not known; use secretary (bí thư), deputy"
            ' (phó bí thư), admin (quản trị) or member (đảng viên), separated by "," ";" or "+"'
        ).format(values=", ".join(unknown)))
    return frozenset(roles)


def status_value(value: object) -> str:
    text = cell_text(value)
    if not text:
        return "active"
    status = STATUS_NAMES.get(normalise_name(text))
    if status is None:
        raise BadValue(_(
            "status {value} is not known; use active (chính thức), probationary"
            " (dự bị), exempted (miễn sinh hoạt) or suspended (đình chỉ sinh hoạt),"
            " or leave it empty for active"
        ).format(value=quoted(text)))
    return status


def language_value(value: object) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    language = LANGUAGE_NAMES.get(normalise_name(text))
    if language is None:
        raise BadValue(_(
            "language {value} is not known; use vi or en, or leave it empty to keep"
            " the member's own choice"
        ).format(value=quoted(text)))
    return language
