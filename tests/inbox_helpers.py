"""Waiting for a `kiemdiem run` process to finish what its inbox holds."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path


def inbox_counts(path: Path | str) -> dict[str, int]:
    """Rows of the inbox by state, read from the database file."""
    with sqlite3.connect(path, timeout=10) as conn:
        rows = conn.execute("SELECT state, count(*) FROM inbox GROUP BY state").fetchall()
    return dict(rows)


def _unsettled(path: Path | str, stored: int) -> bool:
    counts = inbox_counts(path)
    return counts.get("pending", 0) > 0 or sum(counts.values()) < stored


async def inbox_settled(path: Path | str, stored: int = 0,
                        timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Until no stored update waits to be handled (e.g. one a kill cut off, handled
    again by the next process: the duplicate window), and at least `stored` are stored."""
    async with asyncio.timeout(timeout):
        while _unsettled(path, stored):  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.05)
