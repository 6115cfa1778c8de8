"""The language of the command's messages where no Formatter is handed down (the member
file's checks, deep in the parsing): `kiemdiem` sets it once from KIEMDIEM_LANG; other
callers (tests, the demo) get the English message ids.

The functions are named `_` and `ngettext` so that `make messages` extracts the strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from conversations.core.i18n import CataloguesMissingError, Formatter

_gettext: ContextVar[Callable[[str], str]] = ContextVar("cli_gettext", default=str)
_ngettext: ContextVar[Callable[[str, str, int], str]] = ContextVar(
    "cli_ngettext", default=lambda singular, plural, n: singular if n == 1 else plural)


def formatter(language: str) -> Formatter:
    """The language's Formatter; English (the message ids) while the catalogues are not
    compiled, so that the command can still say so (check_catalogues) in one line."""
    try:
        return Formatter(language)
    except CataloguesMissingError:
        return Formatter("en")


@contextmanager
def messages_in(language: str) -> Iterator[None]:
    """Messages in `language` inside the block (and in what it runs: asyncio.run and
    threads started there copy the context)."""
    fmt = formatter(language)
    tokens = _gettext.set(fmt.gettext), _ngettext.set(fmt.ngettext)
    try:
        yield
    finally:
        _gettext.reset(tokens[0])
        _ngettext.reset(tokens[1])


def _(message: str) -> str:
    return _gettext.get()(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _ngettext.get()(singular, plural, n)
