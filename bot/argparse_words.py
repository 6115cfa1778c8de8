"""argparse's own words ("usage:", "options", its error messages) in the command's language.

argparse passes each of its messages through the module-level `_` (gettext) when it uses
them; pointing that name at our catalogue translates them. The messages are listed here
with N_ so that `make messages` keeps them in the catalogue.
"""

from __future__ import annotations

import argparse

from conversations.core.i18n import N_, Formatter

WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"), N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
)


def translate_argparse(fmt: Formatter) -> None:
    argparse._ = fmt.gettext  # type: ignore[attr-defined]
