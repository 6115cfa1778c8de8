"""The cell meeting's secret vote: opened by the secretary, cast from each member's chat
(buttons or typed numbers), counted without voters, closed, and filling the cell's
proposals; the wrong people are refused."""

from conversations.voting.actions import VOTING, CastBallot, CloseVote, FillProposals, OpenVote
from conversations.voting.capability import majority
from tests.secretary_helpers import link, outbox


async def _people(repos, clock, chat_factory, org):
    duc = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    nhung = chat_factory(await link(repos, clock, org["Nguyễn Thị Hồng Nhung"], "console"),
                         "console")
    tuan = chat_factory(await link(repos, clock, org["Lê Minh Tuấn"]), "telegram")
    return duc, nhung, tuan


async def _vote_id(repos, org):
    vote = await repos.votes.latest(org["Trần Văn Đức"].cell_id, 2026)
    return vote.id


async def test_a_vote_from_opening_to_the_cells_proposals(repos, clock, chat_factory, org):
    duc, nhung, tuan = await _people(repos, clock, chat_factory, org)
    ids = {name: org[name].id for name in org}
    await duc.say("/vote")
    await duc.press(VOTING.pack(OpenVote()))
    invited = await outbox(repos, "vote")
    assert sorted(m for m, _c, _r in invited) == sorted(
        [ids["Nguyễn Thị Hồng Nhung"], ids["Lê Minh Tuấn"]])
    vote_id = await _vote_id(repos, org)

    # Nhung types, as on Zalo: the ballots come one member at a time, by name
    await nhung.say("/vote")
    assert "(1/2)" in nhung.text
    await nhung.say("1")   # «Xuất sắc» for the first shown
    assert "(2/2)" in nhung.text
    await nhung.say("1")   # and for the second
    assert "đã biểu quyết đối với tất cả" in nhung.text
    # Tuấn and the secretary press buttons
    await tuan.press(VOTING.pack(CastBallot(vote_id, ids["Nguyễn Thị Hồng Nhung"], "good")))
    await tuan.press(VOTING.pack(CastBallot(vote_id, ids["Trần Văn Đức"], "excellent")))
    await tuan.press(VOTING.pack(CastBallot(vote_id, ids["Trần Văn Đức"], "done")))  # again
    assert "không thay đổi được" in tuan.text
    await duc.press(VOTING.pack(CastBallot(vote_id, ids["Nguyễn Thị Hồng Nhung"], "good")))
    await duc.press(VOTING.pack(CastBallot(vote_id, ids["Lê Minh Tuấn"], "good")))

    await duc.press(VOTING.pack(CloseVote(vote_id)))
    assert (await repos.votes.get(vote_id)).is_open  # asked first
    await duc.press(VOTING.pack(CloseVote(vote_id, 1)))
    assert "(3 người biểu quyết)" in duc.text
    assert "Trần Văn Đức: Xuất sắc 2 → Xuất sắc" in duc.text
    assert "Lê Minh Tuấn: Xuất sắc 1 · Tốt 1 → chưa xác định" in duc.text
    await nhung.press(VOTING.pack(CastBallot(vote_id, ids["Lê Minh Tuấn"], "good")))
    assert (await repos.votes.tally(vote_id))[ids["Lê Minh Tuấn"]] == {
        "excellent": 1, "good": 1}  # closed: not counted

    await duc.press(VOTING.pack(FillProposals(vote_id)))
    proposals = await repos.ratings.proposals(org["Trần Văn Đức"].cell_id, 2026)
    assert {m: (p.level, p.source) for m, p in proposals.items()} == {
        ids["Trần Văn Đức"]: ("excellent", "vote"),
        ids["Nguyễn Thị Hồng Nhung"]: ("good", "vote")}
    assert "Lê Minh Tuấn" in duc.text  # the tie, to record by hand
    assert not any(p.confirmed for p in proposals.values())  # the secretary confirms them


async def test_nothing_links_a_voter_to_a_level(repos, clock, chat_factory, org):
    duc, _nhung, tuan = await _people(repos, clock, chat_factory, org)
    await duc.press(VOTING.pack(OpenVote()))
    vote_id = await _vote_id(repos, org)
    await tuan.press(VOTING.pack(CastBallot(vote_id, org["Trần Văn Đức"].id, "done")))
    ballots = await repos.db.fetchall("SELECT * FROM cell_vote_ballots")
    tallies = await repos.db.fetchall("SELECT * FROM cell_vote_tallies")
    assert set(ballots[0].keys()) == {"vote_id", "voter_id", "candidate_id"}
    assert set(tallies[0].keys()) == {"vote_id", "candidate_id", "level", "votes"}
    assert [tuple(row) for row in ballots] == [(vote_id, org["Lê Minh Tuấn"].id,
                                               org["Trần Văn Đức"].id)]


async def test_the_wrong_people_are_refused(repos, clock, chat_factory, org):
    duc, _nhung, tuan = await _people(repos, clock, chat_factory, org)
    bao = chat_factory(await link(repos, clock, org["Đặng Quốc Bảo"]), "telegram")  # cell 2
    await duc.press(VOTING.pack(OpenVote()))
    vote_id = await _vote_id(repos, org)
    await tuan.press(VOTING.pack(CloseVote(vote_id, 1)))       # a plain member
    await bao.press(VOTING.pack(CloseVote(vote_id, 1)))        # another cell's secretary
    assert (await repos.votes.get(vote_id)).is_open
    await bao.press(VOTING.pack(CastBallot(vote_id, org["Trần Văn Đức"].id, "excellent")))
    await tuan.press(VOTING.pack(CastBallot(vote_id, org["Lê Minh Tuấn"].id, "excellent")))
    await tuan.press(VOTING.pack(CastBallot(vote_id, org["Trần Văn Đức"].id, "best")))
    await tuan.press(VOTING.pack(CastBallot(vote_id, org["Bùi Thị Mai"].id, "good")))
    assert await repos.votes.tally(vote_id) == {}
    await bao.say("/vote")  # his own cell: nothing open there
    assert "Mở biểu quyết kín" in bao.text


def test_majority_leaves_ties_and_abstentions_undecided():
    assert majority({"good": 3, "excellent": 2}) == "good"
    assert majority({"good": 2, "excellent": 2}) is None
    assert majority({"abstain": 4}) is None
    assert majority({"abstain": 4, "done": 1}) == "done"


async def test_probationary_members_do_not_vote(repos, clock, chat_factory, org):
    """Điều lệ Đảng: a probationary member has every right but voting."""
    duc, nhung, _tuan = await _people(repos, clock, chat_factory, org)
    await repos.db.execute("UPDATE members SET status = 'probationary' WHERE id = ?",
                           (org["Nguyễn Thị Hồng Nhung"].id,))
    await duc.press(VOTING.pack(OpenVote()))
    assert org["Nguyễn Thị Hồng Nhung"].id not in [m for m, _c, _r in await outbox(repos, "vote")]
    vote_id = await _vote_id(repos, org)
    await nhung.say("/vote")
    assert "dự bị" in nhung.text
    await nhung.press(VOTING.pack(CastBallot(vote_id, org["Lê Minh Tuấn"].id, "good")))
    assert await repos.votes.tally(vote_id) == {}


async def test_typed_the_secretary_can_close_at_once_and_is_told_what_to_do_with_ties(
        repos, clock, chat_factory, org):
    duc = chat_factory(await link(repos, clock, org["Trần Văn Đức"], "console"), "console")
    nhung = chat_factory(await link(repos, clock, org["Nguyễn Thị Hồng Nhung"], "console"),
                         "console")

    async def choose(chat, label: str) -> None:
        labels = [c.label for c in chat.last[-1].flat_choices]
        await chat.say(str(labels.index(label) + 1))

    await duc.say("/vote")
    await choose(duc, "Mở biểu quyết")
    assert "đồng chí chọn «Kết thúc biểu quyết»" in duc.text and "bấm" not in duc.text
    assert "Kết thúc biểu quyết" in [c.label for c in duc.last[-1].flat_choices]
    await nhung.say("/vote")
    await nhung.say("1")  # Lê Minh Tuấn: «Xuất sắc»
    await nhung.say("1")  # Trần Văn Đức: «Xuất sắc»; nobody votes on Nhung
    await choose(duc, "Kết thúc biểu quyết")
    await choose(duc, "Đồng ý kết thúc")
    assert duc.text.count("số phiếu ngang nhau thì chưa xác định") == 1
    await duc.say("1")  # fill the proposals
    assert ("đề nghị đồng chí chọn mức cho đồng chí Nguyễn Thị Hồng Nhung trong /proposals"
            in duc.text)
    assert "ghi tay" not in duc.text


async def test_filling_from_the_vote_keeps_the_cell_committees_comment(
        repos, clock, chat_factory, org):
    from storage.ratings import NewProposal
    duc, _nhung, tuan = await _people(repos, clock, chat_factory, org)
    nhung_id, cell = org["Nguyễn Thị Hồng Nhung"].id, org["Trần Văn Đức"].cell_id
    await repos.ratings.propose(cell, 2026, [NewProposal(nhung_id, "done", comment="Gương mẫu")],
                                source="chat", by=None, now=clock())
    await duc.press(VOTING.pack(OpenVote()))
    vote_id = await _vote_id(repos, org)
    await tuan.press(VOTING.pack(CastBallot(vote_id, nhung_id, "good")))
    await duc.press(VOTING.pack(CloseVote(vote_id, 1)))
    await duc.press(VOTING.pack(FillProposals(vote_id)))
    proposal = (await repos.ratings.proposals(cell, 2026))[nhung_id]
    assert (proposal.level, proposal.comment) == ("good", "Gương mẫu")
