"""Time zones: the default one, and "today" where the person is."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # a committee's zone unless its settings say otherwise


def local_today(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()
