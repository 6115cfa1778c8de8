"""Self-review drafts and submissions: every answer is written the moment it arrives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.database import Database, Row, from_db_time, to_db_time


@dataclass(frozen=True)
class Answer:
    text: str = ""
    score: float | None = None  # whole points, or halves where the form allows them
    skipped: bool = False


@dataclass(frozen=True)
class Review:
    id: int
    member_id: int
    year: int
    form_version: str
    form_code: str
    status: str          # draft, submitted, returned, accepted
    position: str
    appending: bool
    from_summary: bool
    level: str | None
    return_comment: str | None
    submitted_at: datetime | None
    updated_at: datetime
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "returned")


def _review(row: Row, answers: dict[str, Answer]) -> Review:
    return Review(
        id=row["id"], member_id=row["member_id"], year=row["year"],
        form_version=row["form_version"], form_code=row["form_code"], status=row["status"],
        position=row["position"], appending=bool(row["appending"]),
        from_summary=bool(row["from_summary"]), level=row["level"],
        return_comment=row["return_comment"], submitted_at=from_db_time(row["submitted_at"]),
        updated_at=from_db_time(row["updated_at"]), answers=answers,
    )


class ReviewRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # A review and its answers in one query: every message of the dialogue reads it.
    _SELECT = (
        "SELECT r.*, a.item_key, a.text, a.score, a.skipped FROM reviews r"
        " LEFT JOIN answers a ON a.review_id = r.id"
    )

    async def get(self, review_id: int) -> Review | None:
        return self._one(await self.db.fetchall(self._SELECT + " WHERE r.id = ?", (review_id,)))

    async def of_member(self, member_id: int, year: int) -> Review | None:
        return self._one(await self.db.fetchall(
            self._SELECT + " WHERE r.member_id = ? AND r.year = ?", (member_id, year)
        ))

    @staticmethod
    def _one(rows: list[Row]) -> Review | None:
        if not rows:
            return None
        answers = {
            r["item_key"]: Answer(r["text"], r["score"], bool(r["skipped"]))
            for r in rows if r["item_key"] is not None
        }
        return _review(rows[0], answers)

    async def start(
        self, member_id: int, year: int, form_version: str, form_code: str, position: str,
        now: datetime,
    ) -> Review:
        await self.db.execute(
            "INSERT INTO reviews (member_id, year, form_version, form_code, position,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (member_id, year) DO NOTHING",
            (member_id, year, form_version, form_code, position, to_db_time(now),
             to_db_time(now)),
        )
        review = await self.of_member(member_id, year)
        assert review is not None
        return review

    async def save(
        self, review_id: int, now: datetime, *,
        answer: tuple[str, Answer] | None = None,
        position: str | None = None,
        appending: bool | None = None,
        from_summary: bool | None = None,
        level: str | None = None,
        clear_level: bool = False,
    ) -> None:
        """One step of the dialogue in one transaction: an answer and/or a move.

        Only a draft or returned review changes; a submitted one is left as it is.
        """
        sets, params = ["updated_at = ?"], [to_db_time(now)]
        for column, value in (("position", position), ("appending", appending),
                              ("from_summary", from_summary), ("level", level)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(int(value) if isinstance(value, bool) else value)
        if clear_level:
            sets.append("level = NULL")
        update = (f"UPDATE reviews SET {', '.join(sets)}"
                  " WHERE id = ? AND status IN ('draft', 'returned')")
        if answer is None:  # a move only: one statement is its own transaction
            await self.db.execute(update, (*params, review_id))
            return
        async with self.db.transaction() as tx:
            if await tx.execute(update, (*params, review_id)) != 1:
                return
            key, value = answer
            await tx.execute(
                "INSERT INTO answers (review_id, item_key, text, score, skipped, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (review_id, item_key) DO UPDATE SET"
                " text = excluded.text, score = excluded.score, skipped = excluded.skipped,"
                " updated_at = excluded.updated_at",
                (review_id, key, value.text, value.score, int(value.skipped),
                 to_db_time(now)),
            )

    async def submit(self, review_id: int, now: datetime) -> bool:
        return await self.db.execute(
            "UPDATE reviews SET status = 'submitted', submitted_at = ?, updated_at = ?,"
            " appending = 0, from_summary = 0"
            " WHERE id = ? AND status IN ('draft', 'returned')",
            (to_db_time(now), to_db_time(now), review_id),
        ) == 1

    async def return_for_revision(
        self, review_id: int, comment: str, now: datetime, *, position: str
    ) -> bool:
        """Back to the member with the comment; the dialogue says where they resume.
        What the review said is kept (returned_answers) to show what changes."""
        async with self.db.transaction() as tx:
            if await tx.execute(
                "UPDATE reviews SET status = 'returned', return_comment = ?, updated_at = ?,"
                " position = ?, returned_level = level"
                " WHERE id = ? AND status IN ('submitted', 'accepted')",
                (comment, to_db_time(now), position, review_id),
            ) != 1:
                return False
            await tx.execute("DELETE FROM returned_answers WHERE review_id = ?", (review_id,))
            await tx.execute(
                "INSERT INTO returned_answers (review_id, item_key, text, score, skipped)"
                " SELECT review_id, item_key, text, score, skipped FROM answers"
                " WHERE review_id = ?", (review_id,))
        return True

    async def changed_since_return(self, review_id: int) -> tuple[list[str], bool] | None:
        """The items whose answer differs from when the review was last returned, and
        whether the proposed level changed; None if it was never returned."""
        review = await self.db.fetchone(
            "SELECT level, returned_level, return_comment FROM reviews WHERE id = ?",
            (review_id,))
        if review is None or review["return_comment"] is None:
            return None
        def by_key(rows: list[Row]) -> dict[str, tuple]:
            return {row["item_key"]: (row["text"], row["score"], row["skipped"]) for row in rows}
        now_ = by_key(await self.db.fetchall(
            "SELECT item_key, text, score, skipped FROM answers WHERE review_id = ?",
            (review_id,)))
        then = by_key(await self.db.fetchall(
            "SELECT item_key, text, score, skipped FROM returned_answers WHERE review_id = ?",
            (review_id,)))
        changed = sorted(key for key in now_.keys() | then.keys()
                         if now_.get(key) != then.get(key))
        level_changed = review["level"] != review["returned_level"]
        return changed, level_changed

    async def accept(self, review_id: int, now: datetime) -> bool:
        """The secretary accepts a submitted review; it stays locked."""
        return await self.db.execute(
            "UPDATE reviews SET status = 'accepted', updated_at = ?"
            " WHERE id = ? AND status = 'submitted'",
            (to_db_time(now), review_id),
        ) == 1
