"""Changing or closing an open campaign in chat: the admin sees what closing leaves out,
and the cells' secretaries (and, for a moved deadline, the members who have not
submitted) are told through the outbox, once per change."""

import re

from tests.secretary_helpers import link, outbox
from tests.typed_helpers import choose as _choose
from tests.typed_helpers import console, create_campaign


async def _admin_with_a_campaign(repos, clock, chat_factory, org):
    admin = await console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await create_campaign(admin, "02/12/2026", "10/12/2026")
    return admin


async def test_a_moved_deadline_is_told_to_secretaries_and_members_not_submitted_once(
        repos, clock, chat_factory, org):
    for name in ("Trần Văn Đức", "Lê Minh Tuấn"):
        await link(repos, clock, org[name])
    admin = await _admin_with_a_campaign(repos, clock, chat_factory, org)
    [campaign] = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    pending = {p.member_id for p in await repos.campaigns.pending(
        campaign.id, [org["Trần Văn Đức"].cell_id, org["Đặng Quốc Bảo"].cell_id])}
    assert org["Lê Minh Tuấn"].id in pending

    await _choose(admin, "Đổi hạn nộp")
    await _choose(admin, "Hạn nộp của các chi bộ")
    await admin.say("05/12/2026")
    told = await outbox(repos, "campaign")
    by_member = {member: reply.text for member, _chat, reply in told}
    assert set(by_member) == (pending - {org["Bùi Thị Mai"].id}) | {
        org["Trần Văn Đức"].id, org["Đặng Quốc Bảo"].id}
    assert ("Đảng ủy đã đổi hạn nộp của Chi bộ 1 trong đợt «Kiểm điểm năm 2026» thành ngày "
            "05/12/2026 (trước đây là ngày 02/12/2026)") in by_member[org["Trần Văn Đức"].id]
    assert ("Hạn nộp bản tự kiểm điểm của đồng chí (Kiểm điểm năm 2026) đã được đổi thành "
            "ngày 05/12/2026") in by_member[org["Lê Minh Tuấn"].id]
    assert org["Bùi Thị Mai"].id not in by_member  # she made the change

    await _choose(admin, "Đổi hạn nộp")  # the same date again: nothing moved, nobody told
    await _choose(admin, "Hạn nộp của các chi bộ")
    await admin.say("05/12/2026")
    await _choose(admin, "Đổi hạn nộp")  # the committee's own deadline: no cell's moved
    await _choose(admin, "Hạn của đảng ủy")
    await admin.say("12/12/2026")
    assert len(await outbox(repos, "campaign")) == len(told)


async def test_closing_shows_what_is_left_and_tells_the_secretaries(
        repos, clock, chat_factory, org):
    admin = await _admin_with_a_campaign(repos, clock, chat_factory, org)
    [campaign] = await repos.campaigns.of_committee(org["Bùi Thị Mai"].committee_id)
    counts = (await repos.campaigns.expected_counts(campaign.id)).values()
    expected = sum(e for e, _s in counts)
    missing = expected - sum(s for _e, s in counts)

    await _choose(admin, "Kết thúc đợt")
    assert f"Còn {missing}/{expected} đồng chí chưa nộp; hạn nộp còn 9 ngày." in admin.text
    await _choose(admin, "Đồng ý kết thúc")
    told = await outbox(repos, "campaign")
    assert sorted(member for member, _chat, _reply in told) == sorted(
        [org["Trần Văn Đức"].id, org["Đặng Quốc Bảo"].id])
    assert all(re.search("Đảng ủy đã kết thúc đợt «Kiểm điểm năm 2026»", reply.text)
               for _m, _c, reply in told)
