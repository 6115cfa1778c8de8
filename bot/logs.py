"""Logging for the `kiemdiem` command: secrets masked in every record, chatty libraries
kept quiet whatever -v says.

Bot tokens sit in Bot API URLs, which libraries quote in debug lines and error texts; the
filter on the root handlers passes every record's final message and exception text through
`handlers.redact.redact`. Some libraries log what people write at DEBUG: aiosqlite every
SQL statement with its values (answers, invitation codes), PTB each update and each Bot API
call with its parameters, httpx/httpcore each URL. They stay at the levels below.

Each event is one line: the UTC time and the level, then key=value pairs (`logger= msg=`,
and `exc=` with the traceback), values with spaces quoted as JSON strings, so a
traceback's lines stay on its event's line and log shippers read every field. Our own
messages name ids, counts and error types, never what people wrote or their codes
(tests/test_run_command.py).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from handlers.redact import redact

_BARE = re.compile(r"[^\s\"=\\]+")
QUIET = {
    "aiosqlite": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram.Bot": logging.INFO,                 # Bot API calls with their parameters
    "telegram.ext.ExtBot": logging.INFO,          # the same, for the Application's bot
    "telegram.ext.Application": logging.INFO,     # "Processing update …" with its text
    "apscheduler": logging.WARNING,               # a line per job run
}


class RedactingFilter(logging.Filter):
    """Masks secrets in the formatted message, the exception text and the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _value(text: str) -> str:
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """One line per event: `2026-11-23T02:00:00.000Z INFO logger=… msg="…" [exc="…"]`."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        when = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        fields = {"logger": record.name, "msg": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exc"] = record.exc_text
        if record.stack_info:
            fields["stack"] = record.stack_info
        pairs = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        return f"{when} {record.levelname} {pairs}"


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO)
    redacting = RedactingFilter()
    formatter = KeyValueFormatter()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
