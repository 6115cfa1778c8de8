"""Committees, cells, members and their roles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from storage.database import Database, to_db_time, utc_now
from storage.models import Cell, Committee, ImportResult, Member, MemberRecord

_MEMBER_SELECT = """
SELECT m.*, c.name AS cell_name,
       (SELECT group_concat(role) FROM member_roles r WHERE r.member_id = m.id) AS roles
FROM members m JOIN cells c ON c.id = m.cell_id
"""

# The member fields an import compares and writes, in table column order.
_IMPORTED_FIELDS = (
    "cell_id", "full_name", "birth_date", "workplace", "form", "party_post",
    "other_posts", "admitted_on", "status",
)


_COMMITTEE_SELECT = "SELECT id, name, timezone, place FROM committees"


def _committee(row) -> Committee:
    return Committee(row["id"], row["name"], row["timezone"], row["place"])


def _member(row) -> Member:
    return Member(
        id=row["id"],
        committee_id=row["committee_id"],
        cell_id=row["cell_id"],
        cell_name=row["cell_name"],
        full_name=row["full_name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        form=row["form"],
        party_post=row["party_post"],
        other_posts=row["other_posts"],
        workplace=row["workplace"],
        admitted_on=date.fromisoformat(row["admitted_on"]) if row["admitted_on"] else None,
        status=row["status"],
        language=row["language"],
        roles=frozenset(row["roles"].split(",")) if row["roles"] else frozenset(),
        removed=row["removed_at"] is not None,
    )


class OrgRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # committees and cells

    async def ensure_committee(self, name: str, timezone: str = "Asia/Ho_Chi_Minh") -> Committee:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO committees (name, timezone, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, timezone, to_db_time(utc_now())),
            )
        committee = await self.committee_by_name(name)
        assert committee is not None
        return committee

    async def set_place(self, committee_id: int, place: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE committees SET place = ? WHERE id = ?", (place, committee_id)
            )

    async def committees(self) -> list[Committee]:
        rows = await self.db.fetchall(_COMMITTEE_SELECT + " ORDER BY name")
        return [_committee(r) for r in rows]

    async def committee(self, committee_id: int) -> Committee | None:
        row = await self.db.fetchone(_COMMITTEE_SELECT + " WHERE id = ?", (committee_id,))
        return _committee(row) if row else None

    async def committee_by_name(self, name: str) -> Committee | None:
        row = await self.db.fetchone(_COMMITTEE_SELECT + " WHERE name = ?", (name,))
        return _committee(row) if row else None

    async def cells(self, committee_id: int) -> list[Cell]:
        rows = await self.db.fetchall(
            "SELECT id, committee_id, name FROM cells WHERE committee_id = ? ORDER BY name",
            (committee_id,),
        )
        return [Cell(r["id"], r["committee_id"], r["name"]) for r in rows]

    async def cell(self, cell_id: int) -> Cell | None:
        row = await self.db.fetchone(
            "SELECT id, committee_id, name FROM cells WHERE id = ?", (cell_id,)
        )
        return Cell(row["id"], row["committee_id"], row["name"]) if row else None

    # members

    async def member(self, member_id: int) -> Member | None:
        row = await self.db.fetchone(_MEMBER_SELECT + " WHERE m.id = ?", (member_id,))
        return _member(row) if row else None

    async def members_of_cell(self, cell_id: int) -> list[Member]:
        """The cell's members on the list (not those removed from it)."""
        rows = await self.db.fetchall(
            _MEMBER_SELECT + " WHERE m.cell_id = ? AND m.removed_at IS NULL"
            " ORDER BY m.full_name, m.id", (cell_id,)
        )
        return [_member(r) for r in rows]

    async def members_of_committee(self, committee_id: int) -> list[Member]:
        rows = await self.db.fetchall_bulk(
            _MEMBER_SELECT + " WHERE m.committee_id = ? AND m.removed_at IS NULL"
            " ORDER BY c.name, m.full_name, m.id", (committee_id,),
        )
        return [_member(r) for r in rows]

    async def removed_members(self, committee_id: int) -> list[Member]:
        """Members taken off the committee's list (their reviews are kept)."""
        rows = await self.db.fetchall(
            _MEMBER_SELECT + " WHERE m.committee_id = ? AND m.removed_at IS NOT NULL"
            " ORDER BY c.name, m.full_name, m.id", (committee_id,),
        )
        return [_member(r) for r in rows]

    async def not_listed(self, committee_id: int, records: Sequence[MemberRecord]
                         ) -> list[Member]:
        """Members on the committee's list whom these records (a full file) leave out."""
        listed = {(r.full_name, r.birth_date) for r in records}
        return [m for m in await self.members_of_committee(committee_id)
                if (m.full_name, m.birth_date) not in listed]

    async def remove_members(self, member_ids: Sequence[int], now: datetime) -> None:
        """Take members off the list in one transaction: no roles, chat accounts unlinked,
        unused codes revoked; their reviews stay (campaigns skip removed members)."""
        ids = list(member_ids)
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        stamp = to_db_time(now)
        async with self.db.transaction() as tx:
            await tx.execute(f"UPDATE members SET removed_at = ?, updated_at = ?"
                               f" WHERE id IN ({marks})", (stamp, stamp, *ids))
            await tx.execute(f"DELETE FROM member_roles WHERE member_id IN ({marks})", ids)
            await tx.execute(f"UPDATE accounts SET member_id = NULL, bound_at = NULL,"
                             f" menu = NULL WHERE member_id IN ({marks})", ids)
            await tx.execute(f"UPDATE invites SET revoked_at = ? WHERE member_id IN ({marks})"
                             " AND used_at IS NULL AND revoked_at IS NULL", (stamp, *ids))

    async def set_member_language(self, member_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE members SET language = ?, updated_at = ? WHERE id = ?",
                (language, to_db_time(utc_now()), member_id),
            )

    async def apply_import(
        self, committee_id: int, records: Sequence[MemberRecord]
    ) -> ImportResult:
        """Insert or update every record in one transaction (all or nothing).

        A member is matched by committee, full name and date of birth; a record that
        equals what is stored writes nothing, so re-importing a file changes nothing.
        """
        added = updated = unchanged = cells_added = 0
        now = to_db_time(utc_now())
        async with self.db.transaction() as conn:
            cell_ids: dict[str, int] = {}
            for record in records:
                if record.cell not in cell_ids:
                    cells_added += await conn.execute(
                        "INSERT INTO cells (committee_id, name, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT (committee_id, name) DO NOTHING",
                        (committee_id, record.cell, now),
                    )
                    cell_ids[record.cell] = (await conn.fetchone(
                        "SELECT id FROM cells WHERE committee_id = ? AND name = ?",
                        (committee_id, record.cell),
                    ))[0]
                values = (
                    cell_ids[record.cell], record.full_name, record.birth_date.isoformat(),
                    record.workplace, record.form, record.party_post, record.other_posts,
                    record.admitted_on.isoformat() if record.admitted_on else None,
                    record.status,
                )
                existing = await conn.fetchone(
                    "SELECT m.id, m.removed_at IS NOT NULL, "
                    + ", ".join(f"m.{f}" for f in _IMPORTED_FIELDS) + ","
                    " m.language,"
                    " (SELECT group_concat(role) FROM member_roles r WHERE r.member_id = m.id)"
                    " FROM members m WHERE committee_id = ? AND full_name = ? AND birth_date = ?",
                    (committee_id, record.full_name, record.birth_date.isoformat()),
                )
                if existing is None:
                    member_id = (await conn.fetchone(
                        "INSERT INTO members (committee_id, " + ", ".join(_IMPORTED_FIELDS)
                        + ", language, created_at, updated_at) VALUES (?"
                        + ", ?" * (len(_IMPORTED_FIELDS) + 3) + ") RETURNING id",
                        (committee_id, *values, record.language or "vi", now, now),
                    ))[0]
                    added += 1
                else:
                    member_id = existing[0]
                    stored_roles = frozenset((existing[-1] or "").split(",")) - {""}
                    # A file without a language column keeps the member's own choice.
                    language = record.language or existing[-2]
                    if (
                        tuple(existing[2:-2]) == values
                        and not existing[1]  # a removed member listed again comes back
                        and language == existing[-2]
                        and stored_roles == record.roles
                    ):
                        unchanged += 1
                        continue
                    await conn.execute(
                        "UPDATE members SET " + ", ".join(f"{f} = ?" for f in _IMPORTED_FIELDS)
                        + ", language = ?, updated_at = ?, removed_at = NULL WHERE id = ?",
                        (*values, language, now, member_id),
                    )
                    await conn.execute("DELETE FROM member_roles WHERE member_id = ?", (member_id,))
                    updated += 1
                await conn.executemany(
                    "INSERT INTO member_roles (member_id, role) VALUES (?, ?)",
                    [(member_id, role) for role in sorted(record.roles)],
                )
        return ImportResult(added, updated, unchanged, cells_added)
