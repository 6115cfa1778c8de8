"""What secretaries read and set: a cell's reviews in one query, alert preferences.

(The return comment a secretary is asked for is the account's "awaiting" state, in
storage/accounts.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, Row, to_db_time
from storage.reviews import Answer, Review
from storage.reviews import _review as review_from_row

ALERT_MODES = ("each", "digest", "off")
DEFAULT_DIGEST_HOUR = 17


@dataclass(frozen=True)
class AlertPref:
    member_id: int
    mode: str           # each, digest, off
    digest_hour: int    # the committee's local hour for the digest


# Reviews with their answers in one query: a review without answers still comes (LEFT JOIN).
_REVIEWS_WITH_ANSWERS = """
SELECT r.*, a.item_key, a.text, a.score, a.skipped
FROM reviews r JOIN members m ON m.id = r.member_id
LEFT JOIN answers a ON a.review_id = r.id
WHERE r.year = ? AND {scope}
ORDER BY r.id
"""


class SecretaryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def reviews_of_cell(self, cell_id: int, year: int) -> dict[int, Review]:
        """The year's review of every member of the cell who has one, by member id."""
        return await self._reviews("m.cell_id = ?", (year, cell_id))

    async def reviews_of_committee(self, committee_id: int, year: int) -> dict[int, Review]:
        return await self._reviews("m.committee_id = ?", (year, committee_id))

    async def unalerted_since(self, since: datetime) -> list[int]:
        """Reviews submitted (and still so) at or after `since` for which no alert was
        queued after that submission, oldest first."""
        rows = await self.db.fetchall_bulk(
            "SELECT r.id FROM reviews r WHERE r.status IN ('submitted', 'accepted')"
            " AND r.submitted_at >= ? AND NOT EXISTS (SELECT 1 FROM outbox o"
            "  WHERE o.kind = 'alert' AND o.ref_id = r.id AND o.created_at >= r.submitted_at)"
            " ORDER BY r.submitted_at", (to_db_time(since),),
        )
        return [row["id"] for row in rows]

    async def _reviews(self, scope: str, params: tuple) -> dict[int, Review]:
        rows = await self.db.fetchall_bulk(_REVIEWS_WITH_ANSWERS.format(scope=scope), params)
        answers: dict[int, dict[str, Answer]] = {}
        first_rows: dict[int, Row] = {}
        for row in rows:
            first_rows.setdefault(row["id"], row)
            found = answers.setdefault(row["id"], {})
            if row["item_key"] is not None:
                found[row["item_key"]] = Answer(row["text"], row["score"], bool(row["skipped"]))
        return {
            row["member_id"]: review_from_row(row, answers[review_id])
            for review_id, row in first_rows.items()
        }

    # alert preferences (no row: every submission)

    async def alert_prefs(self, member_ids: list[int]) -> dict[int, AlertPref]:
        """Preferences of these members; members without a row get the default."""
        found = {m: AlertPref(m, "each", DEFAULT_DIGEST_HOUR) for m in member_ids}
        if not member_ids:
            return found
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetchall(
            f"SELECT * FROM alert_prefs WHERE member_id IN ({marks})", member_ids
        )
        for r in rows:
            found[r["member_id"]] = AlertPref(r["member_id"], r["mode"], r["digest_hour"])
        return found

    async def digest_subscribers(self) -> list[AlertPref]:
        rows = await self.db.fetchall(
            "SELECT * FROM alert_prefs WHERE mode = 'digest' ORDER BY member_id"
        )
        return [AlertPref(r["member_id"], r["mode"], r["digest_hour"]) for r in rows]

    async def set_alert_pref(
        self, member_id: int, mode: str, now: datetime, digest_hour: int | None = None
    ) -> None:
        if mode not in ALERT_MODES:
            raise ValueError(f"unknown alert mode {mode!r}")
        await self.db.execute(
            "INSERT INTO alert_prefs (member_id, mode, digest_hour, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET"
            " mode = excluded.mode, updated_at = excluded.updated_at,"
            " digest_hour = coalesce(?, alert_prefs.digest_hour)",
            (member_id, mode, DEFAULT_DIGEST_HOUR if digest_hour is None else digest_hour,
             to_db_time(now), digest_hour),
        )

