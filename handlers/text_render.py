"""Rendering replies for channels without buttons (console, Zalo): numbered choices."""

from __future__ import annotations

from conversations.core.replies import Reply


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
    """Split at line breaks (or spaces) so that no part exceeds `limit` characters."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text:
        parts.append(text)
    return parts
