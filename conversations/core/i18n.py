"""Translations (gettext catalogues in locales/) and Babel formatting per language.

Message ids are English; the Vietnamese catalogue is the default and must be complete
(a test checks it). Dates follow what members expect: 10/12/2026 in chat and
"ngày 10 tháng 12 năm 2026" in documents.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal

from conversations.core.zones import DEFAULT_TIMEZONE

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "kiemdiem"
DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


class CataloguesMissingError(RuntimeError):
    pass


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later."""
    return message


@cache
def translator(language: str) -> gettext.NullTranslations:
    if language == "en":  # message ids are English
        return gettext.translation(DOMAIN, LOCALES_DIR, languages=["en"], fallback=True)
    try:
        return gettext.translation(DOMAIN, LOCALES_DIR, languages=[language])
    except FileNotFoundError as exc:
        raise CataloguesMissingError(
            f"No compiled '{language}' catalogue in {LOCALES_DIR}. Run `make setup` "
            "(it compiles locales/*/LC_MESSAGES/kiemdiem.po into .mo files)."
        ) from exc


def check_catalogues() -> None:
    """Fail at start-up, not in the middle of a conversation."""
    for language in LANGUAGES:
        translator(language)


def normalise_language(code: str | None) -> str:
    if code and code.split("-")[0].lower() in LANGUAGES:
        return code.split("-")[0].lower()
    return DEFAULT_LANGUAGE


class Formatter:
    """Everything a reply needs for one person: their language and their zone."""

    def __init__(self, language: str, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.language = language
        self.zone = ZoneInfo(timezone)
        t = translator(language)
        self.gettext = t.gettext
        self.ngettext = t.ngettext

    def date(self, day: date) -> str:
        if self.language == "vi":
            return day.strftime("%d/%m/%Y")
        return format_date(day, "medium", locale=self.language)

    def datetime(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        if self.language == "vi":
            return local.strftime("%H:%M %d/%m/%Y")
        return format_datetime(local, "d MMM y, HH:mm", tzinfo=self.zone, locale=self.language)

    def relative(self, delta: timedelta) -> str:
        """'sau 3 ngày nữa' / 'in 3 days', '2 giờ trước' / '2 hours ago'."""
        return format_timedelta(delta, add_direction=True, locale=self.language, threshold=1.5)

    def duration(self, delta: timedelta) -> str:
        return format_timedelta(delta, locale=self.language, threshold=1.5)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.language)


def document_date(day: date) -> str:
    """The official form's wording: 'ngày 10 tháng 12 năm 2026'."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
