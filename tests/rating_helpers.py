"""Shared set-up for the rating chain's tests: a cell of ten with handed-in reviews."""

from __future__ import annotations

from bot.demo_reviews import sample_review
from conversations.ratings.actions import RATINGS
from storage.models import Member
from tests.conftest import COMMITTEE, record

EXTRA = [record("Chi bộ 1", name, f"19{70 + n}-01-01") for n, name in enumerate((
    "Phan Văn An", "Vũ Thị Bình", "Lý Văn Cường", "Mai Thị Dung", "Cao Văn Em",
    "Tạ Thị Giang", "Đinh Văn Hải"))]
NO_REVIEW = "Đinh Văn Hải"                 # expected, nothing handed in
OWN_EXCELLENT = "Nguyễn Thị Hồng Nhung"    # proposed «xuất sắc» for herself
OTHER_COMMITTEE = "Đảng ủy phường Bên Cạnh"


def pack(action) -> str:
    return RATINGS.pack(action)


async def chain_org(repos, forms, clock, *, writing: tuple[str, ...] = ()
                    ) -> dict[str, Member]:
    """The sample organisation with Chi bộ 1 grown to ten: everyone but one has handed in
    a review («tốt», one «xuất sắc»), and a second committee with its own admin. Those
    `writing` write their review in the test, through the dialogue."""
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, EXTRA)
    other = await repos.org.ensure_committee(OTHER_COMMITTEE)
    await repos.org.apply_import(other.id, [
        record("Chi bộ Khác", "Hà Văn Khác", "1970-05-05", "2A", "secretary", "admin")])
    people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    people |= {m.full_name: m for m in await repos.org.members_of_committee(other.id)}
    for member in people.values():
        if member.cell_name != "Chi bộ 1" or member.full_name in (NO_REVIEW, *writing):
            continue
        level = "excellent" if member.full_name == OWN_EXCELLENT else "good"
        await sample_review(repos, forms, member, clock(),
                            scores=(28, 62) if level == "excellent" else (27, 58), level=level)
    return people
