"""The rating chain's storage: the cell's proposals, the committee's decisions, the cell's
own rating, and the quota rule over counts."""

from datetime import UTC, datetime
from fractions import Fraction

from conversations.forms.rating import Quota
from storage.ratings import NewProposal

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


async def test_cell_proposals_then_committee_accepts_them(repos, org):
    secretary, nhung, tuan = (org[name] for name in (
        "Trần Văn Đức", "Nguyễn Thị Hồng Nhung", "Lê Minh Tuấn"))
    admin = org["Bùi Thị Mai"]
    cell = secretary.cell_id
    members = [nhung.id, tuan.id]
    await repos.ratings.propose(cell, 2026, [
        NewProposal(members[0], "good", comment="Gương mẫu"),
        NewProposal(members[1], "excellent", reason="Có sáng kiến được công nhận"),
    ], source="chat", by=secretary.id, now=NOW)
    proposals = await repos.ratings.proposals(cell, 2026)
    assert {m: p.level for m, p in proposals.items()} == {
        members[0]: "good", members[1]: "excellent"}
    assert not any(p.confirmed for p in proposals.values())
    # Unconfirmed proposals are not taken by the committee.
    assert await repos.ratings.accept_cell(cell, 2026, by=admin.id, now=NOW) == []

    assert await repos.ratings.confirm_proposals(cell, 2026, NOW) == 2
    await repos.ratings.decide(members[1], 2026, cell, "good", reason="Vượt tỉ lệ",
                               by=admin.id, now=NOW)
    assert await repos.ratings.accept_cell(cell, 2026, by=admin.id, now=NOW) == [
        members[0]]
    decisions = await repos.ratings.decisions(cell, 2026)
    assert decisions[members[1]].level == "good"        # the committee's own stays
    assert decisions[members[0]].level == "good"
    chain = await repos.ratings.chain(cell, 2026)
    assert chain[members[1]].cell == "excellent" and chain[members[1]].committee == "good"
    assert chain[members[0]].cell_confirmed
    assert await repos.ratings.decided_counts(admin.committee_id, 2026) == {"good": 2}


async def test_a_changed_proposal_must_be_confirmed_again(repos, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    cell, member = nhung.cell_id, nhung.id
    await repos.ratings.propose(cell, 2026, [NewProposal(member, "good")], source="sheet",
                                by=None, now=NOW)
    await repos.ratings.confirm_proposals(cell, 2026, NOW)
    await repos.ratings.propose(cell, 2026, [NewProposal(member, "done")], source="chat",
                                by=None, now=NOW)
    proposal = await repos.ratings.proposal(member, 2026)
    assert proposal.level == "done" and not proposal.confirmed and proposal.source == "chat"


async def test_cell_rating_is_kept_per_cell_and_year(repos, org):
    mai = org["Bùi Thị Mai"]
    await repos.ratings.rate_cell(mai.cell_id, 2026, "good", comment="", by=None, now=NOW)
    await repos.ratings.rate_cell(mai.cell_id, 2026, "excellent", comment="Tiêu biểu",
                                  by=None, now=NOW)
    ratings = await repos.ratings.cell_ratings(mai.committee_id, 2026)
    assert ratings[mai.cell_id].level == "excellent"
    assert await repos.ratings.cell_ratings(mai.committee_id, 2025) == {}


def test_quota_counts_in_people_rounded_down():
    quota = Quota()
    assert quota.allowed({"good": 9}) == 1
    assert quota.allowed({"good": 4}) == 0
    assert quota.excess({"good": 10, "excellent": 3}) == 1
    assert Quota(base="good_or_better").allowed({"good": 8, "excellent": 2}) == 2
    assert Quota(share=Fraction(1, 4)).allowed({"good": 8}) == 2
