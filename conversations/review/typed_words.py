"""Words people type instead of pressing a button, read the way they mean them.

On text-only channels (console, Zalo) everything is typed, and short replies such as
«xong rồi», «Xong.», «ok», «1» or «👍» are control words, not the content of a Party
document: they are recognised, or the member is asked, but never saved silently.
"""

from __future__ import annotations

import re
from enum import Enum

from conversations.core.text import fold

_PUNCTUATION = re.compile(r"[\s.!?,;:…'\"«»()-]+")

# «done» as people type it (folded, punctuation dropped)
DONE_WORDS = frozenset({"xong", "xong roi", "da xong", "toi da xong", "viet xong",
                        "da viet xong", "het", "het roi", "ok", "oke", "okay", "done"})
YES_WORDS = frozenset({"co", "c", "co a", "yes", "y"})
NO_WORDS = frozenset({"khong", "k", "ko", "kg", "khg", "hong", "khong a", "no", "n"})
# confirmations and answers to other questions: never the content of an item by themselves
_STRAY_WORDS = YES_WORDS | NO_WORDS | frozenset({
    "vang", "da", "duoc", "roi", "hoan thanh", "dong y", "tiep", "tiep tuc", "next",
    "luu", "save", "gui", "nop",
})


class Typed(Enum):
    DONE = "done"      # the member has finished writing this item
    STRAY = "stray"    # looks like a choice, a command or a confirmation: ask first
    CONTENT = "content"


KEYWORD_CHARS = 40  # longer text is never a control word or a keyword: it is content


def keyword_form(text: str) -> str:
    """`fold(text)` when the text is short enough to be a typed keyword, else "" (folding
    a long answer character by character cost more than the rest of saving it)."""
    return fold(text) if len(text.strip()) <= KEYWORD_CHARS else ""


def words(text: str) -> str:
    """Folded, with punctuation and extra spaces dropped: «Xong rồi.» → 'xong roi'
    ("" for a text too long to be a control word)."""
    return _PUNCTUATION.sub(" ", keyword_form(text)).strip()


def read_in_text_item(text: str) -> Typed:
    said = words(text)
    if said in DONE_WORDS:
        return Typed.DONE
    if not text.strip():
        return Typed.CONTENT  # the item's own rule refuses an empty message
    if not any(ch.isalpha() for ch in text) or said in _STRAY_WORDS:
        return Typed.STRAY  # digits, emoji, punctuation, or a lone «có», «được», «hoàn thành»
    return Typed.CONTENT


def yes_or_no(text: str) -> str | None:
    """'yes' or 'no' for «có», «Không.», «ko», «k»; None for anything else."""
    said = words(text)
    if said in YES_WORDS:
        return "yes"
    if said in NO_WORDS:
        return "no"
    return None
