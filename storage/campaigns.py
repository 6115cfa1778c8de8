"""Review campaigns: deadlines, expected members, recorded reminder steps, chat drafts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

from storage.accounts import CHOSEN_ACCOUNT
from storage.database import Database, IntegrityError, Row, from_db_time, to_db_time
from storage.outbox import OutMessage, insert_messages

COMMITTEE_CELL = 0  # reminder_steps.cell_id for committee-wide steps (the admins' summary)


class OpenCampaignExistsError(Exception):
    """The committee already has an open campaign for that year."""


@dataclass(frozen=True)
class PlanStep:
    days: int        # days before the cell's deadline (0: the deadline day itself)
    at: time         # local time of day

    @property
    def name(self) -> str:
        return f"d{self.days}"


DEFAULT_PLAN = (PlanStep(7, time(8)), PlanStep(3, time(8)), PlanStep(1, time(8)),
                PlanStep(0, time(8)))


@dataclass(frozen=True)
class NewCampaign:
    committee_id: int
    name: str
    year: int
    form_version: str
    opens_on: date
    cells_deadline: date
    committee_deadline: date
    late_policy: str = "allow"
    plan: tuple[PlanStep, ...] = DEFAULT_PLAN
    quiet_start: time = time(21)
    quiet_end: time = time(7)
    cell_deadlines: dict[int, date] = field(default_factory=dict)


@dataclass(frozen=True)
class Campaign:
    id: int
    committee_id: int
    name: str
    year: int
    form_version: str
    opens_on: date
    cells_deadline: date
    committee_deadline: date
    late_policy: str
    plan: tuple[PlanStep, ...]
    quiet_start: time
    quiet_end: time
    status: str
    created_at: datetime
    closed_at: datetime | None
    cell_deadlines: dict[int, date] = field(default_factory=dict)  # overrides by cell id

    def deadline_for(self, cell_id: int) -> date:
        """The cell's own deadline if one was set, else the cells' deadline."""
        return self.cell_deadlines.get(cell_id, self.cells_deadline)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Pending(NamedTuple):
    """An expected member who has not submitted, with what a reminder needs (a tuple:
    a reminder run makes 100,000 of them)."""

    member_id: int
    cell_id: int
    full_name: str
    language: str
    form: str
    review_id: int | None
    form_version: str | None
    form_code: str | None
    channel: str | None
    chat_id: str | None
    answered: str | None   # the draft's answers (see _ANSWERED); None: none, or not started


@dataclass(frozen=True)
class Leader:
    """Who gets the digests: a secretary or deputy (their cell), an admin (all cells)."""

    member_id: int
    cell_id: int
    language: str
    roles: frozenset[str]
    channel: str | None
    chat_id: str | None


@dataclass(frozen=True)
class StepRecord:
    cell_id: int
    step: str
    status: str                      # 'done' or 'skipped'
    messages: Sequence[OutMessage] = ()


def _plan_json(plan: Iterable[PlanStep]) -> str:
    return json.dumps([{"days": s.days, "at": s.at.strftime("%H:%M")} for s in plan])


def _plan(text: str) -> tuple[PlanStep, ...]:
    return tuple(PlanStep(int(s["days"]), time.fromisoformat(s["at"])) for s in json.loads(text))


def _campaign(row: Row, overrides: dict[int, date]) -> Campaign:
    return Campaign(
        id=row["id"], committee_id=row["committee_id"], name=row["name"], year=row["year"],
        form_version=row["form_version"], opens_on=date.fromisoformat(row["opens_on"]),
        cells_deadline=date.fromisoformat(row["cells_deadline"]),
        committee_deadline=date.fromisoformat(row["committee_deadline"]),
        late_policy=row["late_policy"], plan=_plan(row["reminder_plan"]),
        quiet_start=time.fromisoformat(row["quiet_start"]),
        quiet_end=time.fromisoformat(row["quiet_end"]), status=row["status"],
        created_at=from_db_time(row["created_at"]), closed_at=from_db_time(row["closed_at"]),
        cell_deadlines=overrides,
    )


# Members taken off the list (kiemdiem import --remove-missing) are no longer expected.
_LISTED = "member_id NOT IN (SELECT id FROM members WHERE removed_at IS NOT NULL)"

# Each answer of a draft as `item_key:flags`, comma-separated (item keys have no comma):
# w has text, s skipped, n has a score. Enough for the item kinds to tell what is done,
# without handing kilobytes of text to Python. (The inner select keeps group_concat's
# argument free of parentheses for pg.py's translation.)
_ANSWERED = ("(SELECT group_concat(e.entry) FROM (SELECT a.item_key || ':'"
             " || CASE WHEN trim(a.text, ' ' || char(9, 10, 13)) != '' THEN 'w' ELSE '' END"
             " || CASE WHEN a.skipped != 0 THEN 's' ELSE '' END"
             " || CASE WHEN a.score IS NOT NULL THEN 'n' ELSE '' END AS entry"
             " FROM answers a WHERE a.review_id = r.id) e)")
# Who a reminder run writes to, in one statement: each member's review and chosen account
# found by index (SQLite walks campaign_members in member order, no sort).
_PENDING = f"""
SELECT cm.member_id, cm.cell_id, m.full_name, m.language, m.form, r.id, r.form_version,
       r.form_code, ca.channel, ca.chat_id, {_ANSWERED} AS answered
FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
JOIN members m ON m.id = cm.member_id
LEFT JOIN reviews r ON r.member_id = cm.member_id AND r.year = c.year
LEFT JOIN accounts ca ON ca.id = {CHOSEN_ACCOUNT}
WHERE cm.campaign_id = ? AND cm.cell_id IN ({{cells}}) AND m.removed_at IS NULL
  AND (r.status IS NULL OR r.status NOT IN ('submitted', 'accepted'))
ORDER BY cm.member_id
"""


class CampaignRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, new: NewCampaign, expected: Iterable[tuple[int, int]], now: datetime
    ) -> Campaign:
        """The campaign, its deadline overrides and its expected (member, cell) pairs."""
        try:
            async with self.db.transaction() as tx:
                inserted = await tx.fetchone(
                    "INSERT INTO campaigns (committee_id, name, year, form_version, opens_on,"
                    " cells_deadline, committee_deadline, late_policy, reminder_plan,"
                    " quiet_start, quiet_end, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " RETURNING id",
                    (new.committee_id, new.name, new.year, new.form_version,
                     new.opens_on.isoformat(), new.cells_deadline.isoformat(),
                     new.committee_deadline.isoformat(), new.late_policy, _plan_json(new.plan),
                     new.quiet_start.strftime("%H:%M"), new.quiet_end.strftime("%H:%M"),
                     to_db_time(now)),
                )
                campaign_id = int(inserted[0])
                await tx.executemany(
                    "INSERT INTO campaign_cell_deadlines (campaign_id, cell_id, deadline)"
                    " VALUES (?, ?, ?)",
                    [(campaign_id, cell, day.isoformat())
                     for cell, day in new.cell_deadlines.items()],
                )
                await tx.executemany(
                    "INSERT INTO campaign_members (campaign_id, member_id, cell_id)"
                    " VALUES (?, ?, ?)",
                    [(campaign_id, member, cell) for member, cell in expected],
                )
        except IntegrityError as exc:
            # the unique index on open campaigns, or a bad cell or member id
            if await self.db.fetchone(
                "SELECT 1 FROM campaigns WHERE committee_id = ? AND year = ? AND status = 'open'",
                (new.committee_id, new.year),
            ):
                raise OpenCampaignExistsError(new.year) from exc
            raise
        campaign = await self.get(campaign_id)
        assert campaign is not None
        return campaign

    async def _with_overrides(self, rows: list[Row]) -> list[Campaign]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        found = await self.db.fetchall(
            "SELECT campaign_id, cell_id, deadline FROM campaign_cell_deadlines"
            f" WHERE campaign_id IN ({','.join('?' * len(ids))})", ids,
        )
        overrides: dict[int, dict[int, date]] = {i: {} for i in ids}
        for r in found:
            overrides[r["campaign_id"]][r["cell_id"]] = date.fromisoformat(r["deadline"])
        return [_campaign(r, overrides[r["id"]]) for r in rows]

    async def get(self, campaign_id: int) -> Campaign | None:
        rows = await self.db.fetchall("SELECT * FROM campaigns WHERE id = ?", (campaign_id,))
        found = await self._with_overrides(rows)
        return found[0] if found else None

    async def of_committee(self, committee_id: int) -> list[Campaign]:
        rows = await self.db.fetchall(
            "SELECT * FROM campaigns WHERE committee_id = ? ORDER BY year DESC, id DESC",
            (committee_id,),
        )
        return await self._with_overrides(rows)

    async def open_campaigns(self) -> list[Campaign]:
        rows = await self.db.fetchall("SELECT * FROM campaigns WHERE status = 'open' ORDER BY id")
        return await self._with_overrides(rows)

    async def for_year(self, committee_id: int, year: int) -> Campaign | None:
        """The committee's campaign for that year: the open one, else the latest closed."""
        rows = await self.db.fetchall(
            "SELECT * FROM campaigns WHERE committee_id = ? AND year = ?"
            " ORDER BY status = 'open' DESC, id DESC LIMIT 1", (committee_id, year),
        )
        found = await self._with_overrides(rows)
        return found[0] if found else None

    async def close(self, campaign_id: int, now: datetime) -> bool:
        return await self.db.execute(
            "UPDATE campaigns SET status = 'closed', closed_at = ?"
            " WHERE id = ? AND status = 'open'", (to_db_time(now), campaign_id),
        ) == 1

    async def change(self, campaign_id: int, *, cells_deadline: date | None = None,
                     committee_deadline: date | None = None,
                     late_policy: str | None = None) -> bool:
        """Change an open campaign's deadlines or late policy; False if it is closed.
        Reminder steps already recorded stay recorded; the others follow the new dates."""
        sets, params = [], []
        for column, value in (("cells_deadline", cells_deadline),
                              ("committee_deadline", committee_deadline),
                              ("late_policy", late_policy)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value.isoformat() if isinstance(value, date) else value)
        if not sets:
            return False
        return await self.db.execute(
            f"UPDATE campaigns SET {', '.join(sets)} WHERE id = ? AND status = 'open'",
            (*params, campaign_id)) == 1

    async def set_cell_deadline(self, campaign_id: int, cell_id: int, day: date | None
                                ) -> None:
        """A cell's own deadline (None: the cells' deadline applies again)."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM campaign_cell_deadlines"
                             " WHERE campaign_id = ? AND cell_id = ?", (campaign_id, cell_id))
            if day is not None:
                await tx.execute(
                    "INSERT INTO campaign_cell_deadlines (campaign_id, cell_id, deadline)"
                    " VALUES (?, ?, ?)", (campaign_id, cell_id, day.isoformat()))

    # expected members

    async def expected_members(self, campaign_id: int) -> list[tuple[int, int]]:
        """(member id, cell id) of every member expected to submit."""
        rows = await self.db.fetchall_bulk(
            "SELECT member_id, cell_id FROM campaign_members WHERE campaign_id = ?"
            f" AND {_LISTED} ORDER BY cell_id, member_id", (campaign_id,),
        )
        return [(r["member_id"], r["cell_id"]) for r in rows]

    async def expected_in_cell(self, campaign_id: int, cell_id: int) -> set[int]:
        """Which of the cell's current members are on the campaign's list (a cell's
        worth of index lookups, whatever the size of the committee)."""
        rows = await self.db.fetchall(
            "SELECT cm.member_id FROM members m JOIN campaign_members cm"
            " ON cm.campaign_id = ? AND cm.member_id = m.id"
            " WHERE m.cell_id = ? AND m.removed_at IS NULL", (campaign_id, cell_id),
        )
        return {r["member_id"] for r in rows}

    async def expected_per_cell(self, campaign_id: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT cell_id, count(*) AS n FROM campaign_members WHERE campaign_id = ?"
            f" AND {_LISTED} GROUP BY cell_id", (campaign_id,),
        )
        return {r["cell_id"]: r["n"] for r in rows}

    async def expected_counts(self, campaign_id: int) -> dict[int, tuple[int, int]]:
        """Per cell id: (expected, submitted)."""
        rows = await self.db.fetchall(
            "SELECT cm.cell_id, count(*) AS expected,"
            " sum(r.status IN ('submitted', 'accepted')) AS submitted"
            " FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id"
            " LEFT JOIN reviews r ON r.member_id = cm.member_id AND r.year = c.year"
            f" WHERE cm.campaign_id = ? AND cm.{_LISTED} GROUP BY cm.cell_id", (campaign_id,),
        )
        return {r["cell_id"]: (r["expected"], r["submitted"] or 0) for r in rows}

    async def pending(self, campaign_id: int, cell_ids: Sequence[int]) -> list[Pending]:
        """Expected members of these cells without a submitted review, each with their
        chosen chat account and what their draft has answered, by member id: one statement
        (100,000 members: ~0.35 s, most of it handing the rows to Python)."""
        if not cell_ids:
            return []
        marks = ",".join("?" * len(cell_ids))
        rows = await self.db.fetchall_bulk(_PENDING.format(cells=marks),
                                           (campaign_id, *cell_ids))
        return [Pending(*r) for r in rows]

    async def leaders(self, committee_id: int) -> list[Leader]:
        """Secretaries, deputies and admins of the committee, with the chat they get messages on."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.cell_id, m.language, group_concat(mr.role) AS roles,"
            " ca.channel, ca.chat_id FROM members m JOIN member_roles mr ON mr.member_id = m.id"
            f" LEFT JOIN accounts ca ON ca.id = {CHOSEN_ACCOUNT}"
            " WHERE m.committee_id = ? GROUP BY m.id, ca.channel, ca.chat_id ORDER BY m.id",
            (committee_id,),
        )
        return [Leader(r["id"], r["cell_id"], r["language"], frozenset(r["roles"].split(",")),
                       r["channel"], r["chat_id"]) for r in rows]

    # reminder steps

    async def recorded_steps(self, campaign_id: int) -> dict[tuple[int, str], str]:
        rows = await self.db.fetchall_bulk(
            "SELECT cell_id, step, status FROM reminder_steps WHERE campaign_id = ?",
            (campaign_id,),
        )
        return {(r["cell_id"], r["step"]): r["status"] for r in rows}

    async def record_steps(
        self, campaign_id: int, records: Iterable[StepRecord], now: datetime
    ) -> int:
        """Record steps and enqueue their messages in one transaction; returns messages added.

        A step already recorded (by an earlier run or another process) enqueues nothing.
        """
        stamp = to_db_time(now)
        messages: list[OutMessage] = []
        async with self.db.transaction() as tx:
            for rec in records:
                if await tx.execute(
                    "INSERT INTO reminder_steps (campaign_id, cell_id, step, status, recipients,"
                    " recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (campaign_id, rec.cell_id, rec.step, rec.status, len(rec.messages), stamp),
                ) == 1:
                    messages += rec.messages
            # in member order, not cell by cell: the outbox's indexes (dedup key, chat)
            # take 66,000 rows in ~40 % less time when their keys come nearly sorted
            messages.sort(key=lambda m: m.member_id or 0)
            return await insert_messages(tx, messages, now) if messages else 0

    # the /campaign chat dialogue

    async def draft(self, account_id: int) -> dict | None:
        row = await self.db.fetchone(
            "SELECT data FROM campaign_drafts WHERE account_id = ?", (account_id,)
        )
        return json.loads(row["data"]) if row else None

    async def set_draft(self, account_id: int, data: dict | None, now: datetime) -> None:
        if data is None:
            await self.db.execute("DELETE FROM campaign_drafts WHERE account_id = ?",
                                  (account_id,))
            return
        await self.db.execute(
            "INSERT INTO campaign_drafts (account_id, data, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (account_id, json.dumps(data, ensure_ascii=False), to_db_time(now)),
        )
