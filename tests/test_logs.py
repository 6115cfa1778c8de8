"""The logging filter masks tokens in messages and exception texts."""

import io
import logging

from bot.logs import KeyValueFormatter, RedactingFilter
from handlers.redact import register_secret

SECRET = "424242:SECRET-abcdefgh"


def test_tokens_are_masked_in_messages_and_tracebacks():
    register_secret(SECRET)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling %s", f"http://api/bot{SECRET}/getMe")
        try:
            raise RuntimeError(f"failed: http://api/bot{SECRET}/sendMessage")
        except RuntimeError:
            logger.exception("sending failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "SECRET" not in out
    assert "calling http://api/bot<token>/getMe" in out
    assert "Traceback" in out and "failed: http://api/bot<token>/sendMessage" in out


def test_each_event_is_one_key_value_line_with_its_traceback_inside():
    register_secret(SECRET)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger("tests.oneline")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.info("ready")
        try:
            raise RuntimeError(f"failed:\nhttp://api/bot{SECRET}/sendMessage")
        except RuntimeError:
            logger.exception("outbox row %d: unexpected error", 7)
    finally:
        logger.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first.endswith(" INFO logger=tests.oneline msg=ready")
    assert (' ERROR logger=tests.oneline msg="outbox row 7: unexpected error"'
            ' exc="Traceback') in second
    assert "RuntimeError: failed:\\nhttp://api/bot<token>/sendMessage" in second
    assert "SECRET" not in second
