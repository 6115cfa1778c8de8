"""Reading `kiemdiem invites --format csv` back, whatever language heads its columns."""

from __future__ import annotations

import csv
import io

from bot.cli import INVITE_COLUMNS
from conversations.core.i18n import Formatter


def invite_rows(text: str, language: str = "vi") -> list[dict[str, str]]:
    """The rows keyed by field name (cell, full_name, code, …)."""
    fields = {Formatter(language).gettext(heading): key
              for key, heading in INVITE_COLUMNS.items()}
    return [{fields[k]: v for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
