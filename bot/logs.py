"""Logging for the `kiemdiem` command: secrets masked in every record, chatty libraries
kept quiet whatever -v says.

Bot tokens sit in Bot API URLs, which libraries quote in debug lines and error texts; the
filter on the root handlers passes every record's final message and exception text through
`handlers.redact.redact`. Some libraries log what people write at DEBUG: aiosqlite every
SQL statement with its values (answers, invitation codes), PTB each update and each Bot API
call with its parameters, httpx/httpcore each URL. They stay at the levels below.
"""

from __future__ import annotations

import logging

from handlers.redact import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
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


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)
    redacting = RedactingFilter()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
