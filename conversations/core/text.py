"""Small text rules: folding Vietnamese for matching, and the order of names."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, for matching typed keywords and names."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def name_order(full_name: str) -> tuple[str, str]:
    """Vietnamese lists sort by given name (the last word), then the whole name."""
    return fold(full_name.split()[-1]) if full_name.split() else "", fold(full_name)


def progress_bar(ratio: float, fill: str = "▓", width: int = 10) -> str:
    """'▓▓▓▓░░░░░░ 38%': how much of a whole is done."""
    filled = round(ratio * width)
    return fill * filled + "░" * (width - filled) + f" {round(ratio * 100)}%"
