"""Bot tokens out of every text that leaves the process: logs, exception texts, stored errors.

Telegram and Zalo put the token in the URL path (`/bot<TOKEN>/sendMessage`), so any error
text that quotes a request URL carries it. Tokens the process knows are registered at
start-up and replaced wherever they appear; anything shaped like a token after `bot` in a
URL is masked too, in case a text quotes one that was never registered.
"""

from __future__ import annotations

import re

MASK = "<token>"
_known: set[str] = set()
_URL_TOKEN = re.compile(r"(?<!/)(/bot)[^/\s?#\"']{8,}")  # not the host in //bot-api.zalo…


def register_secret(secret: str | None) -> None:
    """Remember a secret (a bot token) so that `redact` masks it from now on."""
    if secret and len(secret) >= 8:
        _known.add(secret)


def redact(text: str) -> str:
    """The text with every registered secret, and any token in a Bot API URL, masked."""
    for secret in _known:
        if secret in text:
            text = text.replace(secret, MASK)
    return _URL_TOKEN.sub(rf"\1{MASK}", text)
