"""What secretaries read and set: a cell's reviews in one query, alert preferences.

(The return comment a secretary is asked for is the account's "awaiting" state, in
storage/accounts.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Database, Row, to_db_time
from storage.models import Member
from storage.org import _MEMBER_SELECT
from storage.org import _member as member_from_row
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
# How much of the answers is read:
#   FULL   every answer with its text (the documents);
#   COUNTS only drafts and returned reviews come with answers, each text FILLED or "":
#          enough to count the items answered (progress views);
#   SCORES as COUNTS, and the scores and yes/no answers ('dq.' items, a few bytes) of
#          every review: also enough for the .xlsx summary (scores, proposed level, why a
#          level is capped), without reading kilobytes per answer.
FILLED = "\u2026"
FULL, COUNTS, SCORES = "full", "counts", "scores"
_FILLED_ONLY = (f"CASE WHEN trim(a.text, ' ' || char(9, 10, 13)) = '' THEN ''"
                f" ELSE '{FILLED}' END AS text")
_YES_NO_KEPT = (f"CASE WHEN a.item_key LIKE 'dq.%' THEN a.text"
                f" WHEN trim(a.text, ' ' || char(9, 10, 13)) = '' THEN ''"
                f" ELSE '{FILLED}' END AS text")
_EDITABLE = "r.status IN ('draft', 'returned')"
_TEXTS = {
    FULL: ("a.text", ""),
    COUNTS: (_FILLED_ONLY, f" AND {_EDITABLE}"),
    SCORES: (_YES_NO_KEPT,
             f" AND ({_EDITABLE} OR a.score IS NOT NULL OR a.item_key LIKE 'dq.%')"),
}

_REVIEWS_WITH_ANSWERS = """
SELECT r.*, a.item_key, {text}, a.score, a.skipped
FROM reviews r JOIN members m ON m.id = r.member_id
LEFT JOIN answers a ON a.review_id = r.id{editable}
WHERE r.year = ? AND {scope}
ORDER BY r.id
"""

# Per cell: (members expected, of whom submitted), counted in one grouped query.
# {expected} narrows the cell's current members to those reviewed this time.
_CELL_COUNTS = """
SELECT m.cell_id, count(*) AS expected,
       coalesce(sum(r.status IN ('submitted', 'accepted')), 0) AS submitted
FROM members m LEFT JOIN reviews r ON r.member_id = m.id AND r.year = ?
WHERE m.removed_at IS NULL AND {scope} AND {expected}
GROUP BY m.cell_id
"""
_ON_CAMPAIGN_LIST = ("EXISTS (SELECT 1 FROM campaign_members cm"
                     " WHERE cm.campaign_id = ? AND cm.member_id = m.id)")
_BY_THE_RULE = ("m.status NOT IN ('exempted', 'suspended')"
                " AND (m.admitted_on IS NULL OR m.admitted_on <= ?)")


class SecretaryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def reviews_of_cell(self, cell_id: int, year: int, *, texts: str = FULL
                              ) -> dict[int, Review]:
        """The year's review of every member of the cell who has one, by member id, with
        as much of the answers as `texts` says (FULL, COUNTS, SCORES)."""
        return await self._reviews("m.cell_id = ?", (year, cell_id), texts)

    async def reviews_of_committee(self, committee_id: int, year: int, *, texts: str = FULL
                                   ) -> dict[int, Review]:
        return await self._reviews("m.committee_id = ?", (year, committee_id), texts)

    async def reviews_by_id(self, year: int, review_ids: list[int]) -> dict[int, Review]:
        """These reviews with every answer's text, by member id (a page of documents)."""
        if not review_ids:
            return {}
        marks = ",".join("?" * len(review_ids))
        return await self._reviews(f"r.id IN ({marks})", (year, *review_ids), FULL)

    async def cell_counts(self, year: int, *, committee_id: int | None = None,
                          cell_id: int | None = None, campaign_id: int | None = None,
                          admitted_by: date | None = None) -> dict[int, tuple[int, int]]:
        """Per cell id: (expected, submitted) for the committee's cells or one cell.

        Expected: on the campaign's list when there is a campaign, else not exempted, not
        suspended and admitted on or before `admitted_by`. Cells nobody is expected in
        are absent."""
        scope, params = (("m.cell_id = ?", [cell_id]) if cell_id is not None
                         else ("m.committee_id = ?", [committee_id]))
        if campaign_id is not None:
            expected, params = _ON_CAMPAIGN_LIST, [*params, campaign_id]
        else:
            assert admitted_by is not None
            expected, params = _BY_THE_RULE, [*params, admitted_by.isoformat()]
        rows = await self.db.fetchall(
            _CELL_COUNTS.format(scope=scope, expected=expected), (year, *params))
        return {r["cell_id"]: (r["expected"], r["submitted"]) for r in rows}

    async def secretaries_of_cell(self, cell_id: int) -> list[Member]:
        """The cell's secretaries and deputies (not the whole cell: what an alert needs)."""
        rows = await self.db.fetchall(
            _MEMBER_SELECT + " WHERE m.cell_id = ? AND m.removed_at IS NULL AND m.id IN"
            " (SELECT member_id FROM member_roles WHERE role IN ('secretary', 'deputy'))",
            (cell_id,))
        return [member_from_row(row) for row in rows]

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

    async def _reviews(self, scope: str, params: tuple, texts: str) -> dict[int, Review]:
        text, editable = _TEXTS[texts]
        rows = await self.db.fetchall_bulk(_REVIEWS_WITH_ANSWERS.format(
            scope=scope, text=text, editable=editable), params)
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

