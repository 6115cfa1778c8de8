"""Small text rules: folding Vietnamese for matching, and the order of names."""

from __future__ import annotations

import re
import unicodedata

# The combining marks Vietnamese uses (U+0300–U+036F but U+034F, which is not a mark):
# removed in one pass, so that most names need no look at each character (a digest sorts
# 100,000 of them).
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def fold(text: str) -> str:
    """Lower case without diacritics, for matching typed keywords and names."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    text = _LATIN_MARKS.sub("", text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if not unicodedata.combining(ch))  # other scripts' marks


def name_order(full_name: str) -> tuple[str, str]:
    """Vietnamese lists sort by given name (the last word), then the whole name."""
    words = full_name.split()
    return fold(words[-1]) if words else "", fold(full_name)


def progress_bar(ratio: float, fill: str = "▓", width: int = 10) -> str:
    """'▓▓▓▓░░░░░░ 38%': how much of a whole is done."""
    filled = round(ratio * width)
    return fill * filled + "░" * (width - filled) + f" {round(ratio * 100)}%"


# Line breaks other than "\n": Windows' \r\n, old Mac \r, Word's soft break \x0b, form
# feed, NEL and the Unicode line/paragraph separators.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# What no document format can hold: C0/C1 controls (tab and newline are kept), lone
# surrogates (from broken UTF-16), and the non-characters U+FFFE/U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text fit to store and print: NFC, newlines as "\\n", no control characters.

    Applied to everything typed or imported, and again when documents are built, so a
    row stored before this rule existed still prints."""
    text = _UNPRINTABLE.sub("", _LINE_BREAKS.sub("\n", text))
    return unicodedata.normalize("NFC", text)


# A spreadsheet reads a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT")
                                                   for n in range(1, 10))}
FILE_NAME_LIMIT = 80  # characters: well inside every system's limits, folder included


def file_name_part(text: str, limit: int = FILE_NAME_LIMIT) -> str:
    """A name any system can write and unpack: 'Nguyễn Văn A' -> 'Nguyễn-Văn-A'.

    Vietnamese letters stay (a .zip marks its names as UTF-8); path separators, the
    characters Windows refuses, controls and leading or trailing dots go."""
    words = [w for w in _NOT_IN_FILE_NAMES.sub(" ", clean_text(text)).split() if w.strip(".")]
    name = "-".join(words)[:limit].strip(".-")
    return f"_{name}" if name.split(".")[0].upper() in _WINDOWS_DEVICES else name
