"""Rendering replies for channels without buttons (console, Zalo): numbered choices."""

from __future__ import annotations

import html
import re

from conversations.core.replies import Reply

_TAG = re.compile(r"<[^>]+>")
# Where a long text is best cut (at the match's start), in order of preference: between
# paragraphs, between lines, after a sentence, between words.
_BOUNDARIES = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…;])\s"),
               re.compile(r"\s"))


def plain(reply: Reply) -> Reply:
    """A formatted (HTML) reply as plain text, for channels that show no formatting."""
    if not reply.html:
        return reply
    return Reply(html.unescape(_TAG.sub("", reply.text)), reply.choices, reply.document,
                 reply.replace, reply.expects_text)


def render_text(reply: Reply, limit: int | None = None) -> list[str]:
    """The reply as plain text messages, each at most `limit` characters."""
    lines = [reply.text]
    choices = reply.flat_choices
    if choices:
        lines.append("")
        for number, choice in enumerate(choices, start=1):
            if reply.expects_text and choice.keyword:
                lines.append(f"  «{choice.keyword}» — {choice.label}")
            else:
                lines.append(f"  {number}. {choice.label}")
    return split_text("\n".join(lines), limit) if limit else ["\n".join(lines)]


def split_text(text: str, limit: int) -> list[str]:
    """Split so that no part exceeds `limit` characters.

    Each part ends at the best boundary in its second half: between paragraphs, else
    between lines, after a sentence, between words; failing all, at the last boundary
    that fits, and mid-word only when a word is longer than `limit`."""
    parts: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut = _cut(text, limit)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _cut(text: str, limit: int) -> int:
    window = text[: limit + 1]  # a space right after the limit is a boundary too
    latest = 0
    for boundary in _BOUNDARIES:
        cuts = [m.start() for m in boundary.finditer(window) if 0 < m.start() <= limit]
        if cuts and cuts[-1] >= limit // 2:
            return cuts[-1]
        latest = max([latest, *cuts])
    return latest or limit
