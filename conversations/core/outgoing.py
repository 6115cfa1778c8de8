"""Replies the bot sends on its own, stored in the outbox as JSON until sent."""

from __future__ import annotations

import json

from conversations.core.replies import Choice, Reply


def encode_reply(reply: Reply) -> str:
    """The text and buttons of a reply (a document goes to the attachments table)."""
    data = {
        "text": reply.text,
        "choices": [[[c.label, c.action, c.keyword] for c in row] for row in reply.choices],
    }
    if reply.html:
        data["html"] = True
    return json.dumps(data, ensure_ascii=False)


def decode_reply(payload: str) -> Reply:
    data = json.loads(payload)
    choices = tuple(tuple(Choice(*c) for c in row) for row in data.get("choices", []))
    return Reply(data["text"], choices, html=bool(data.get("html")))
