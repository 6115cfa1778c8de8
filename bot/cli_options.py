"""The options every `kiemdiem` command takes (--db, --config), before the command's
name or after it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def global_options(p: argparse.ArgumentParser, _: Callable[[str], str], *, db: bool = True,
                   **default: object) -> None:
    if db:
        p.add_argument("--db", help=_("database file (default: $KIEMDIEM_DB or "
                                      "./kiemdiem.sqlite3)"), **default)
    p.add_argument("--config", type=Path, metavar="FILE",
                   help=_("a TOML file of settings (keys: the variables in lower case without "
                   "KIEMDIEM_); the environment overrides it"), **default)


def global_options_after_commands(p: argparse.ArgumentParser, _: Callable[[str], str]) -> None:
    """--db and --config also after a command's name (`kiemdiem backup b.sqlite3 --db x`):
    every command and action knows them too, with no default of its own (SUPPRESS), so the
    value given before the command stays when none is given after it. A command with its own
    --db (demo: the demo's database) keeps it."""
    for action in p._actions:  # argparse offers no public walk over its sub-commands
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for command in set(action.choices.values()):
            known = {option for a in command._actions for option in a.option_strings}
            global_options(command, _, db="--db" not in known, default=argparse.SUPPRESS)
            global_options_after_commands(command, _)
