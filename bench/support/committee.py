"""Shared by the benchmarks: a committee's cells and members written with executemany
(the repositories' one-by-one import would take minutes at 100,000 members)."""

from __future__ import annotations

from collections.abc import Callable

from storage.database import Transaction


async def insert_cells_and_members(tx: Transaction, committee_id: int, cells: int,
                                   members: int, stamp: str,
                                   language: Callable[[int], str] = lambda _m: "vi") -> None:
    """Cells 1…cells and members 1…members, member m in cell m % cells + 1."""
    await tx.executemany(
        "INSERT INTO cells (id, committee_id, name, created_at) VALUES (?, ?, ?, ?)",
        [(c, committee_id, f"Chi bộ {c:03d}", stamp) for c in range(1, cells + 1)])
    await tx.executemany(
        "INSERT INTO members (id, committee_id, cell_id, full_name, birth_date, form,"
        " status, language, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((m, committee_id, m % cells + 1, f"Đảng viên Số {m:06d}", "1980-01-01", "2B",
          "active", language(m), stamp, stamp) for m in range(1, members + 1)))
