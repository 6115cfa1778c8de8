"""Alerts to secretaries: each submission, the cell complete once, digests, return & resubmit."""

from datetime import UTC, datetime

import pytest

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.menus import MENU, OpenReview
from conversations.review.actions import Confirm, Done, Goto, Submit
from conversations.secretary.actions import SECRETARY as SR
from conversations.secretary.actions import (
    AcceptReview,
    CancelReturn,
    DigestAt,
    ReadReview,
    ReturnReview,
    ReviewCopy,
    SetAlerts,
    ShowCell,
)
from conversations.secretary.alerts import catch_up, digests_due, on_submitted
from tests.review_helpers import answer_for, complete_and_submit, data
from tests.secretary_helpers import link, outbox, with_deputy


@pytest.fixture
async def people(repos, org):
    return await with_deputy(repos)


def _form(forms, member):
    return forms.get(forms.default_version, member.form)


async def _submit(chat_factory, repos, clock, forms, member):
    chat = chat_factory(await link(repos, clock, member), "telegram")
    await complete_and_submit(chat, _form(forms, member))
    return chat


async def test_submission_alerts_each_secretary_of_the_cell_and_nobody_else(
        repos, clock, forms, chat_factory, people):
    duc, ha = people["Trần Văn Đức"], people["Phạm Thu Hà"]
    for name in ("Trần Văn Đức", "Phạm Thu Hà", "Đặng Quốc Bảo", "Bùi Thị Mai"):
        await link(repos, clock, people[name])
    nhung = people["Nguyễn Thị Hồng Nhung"]
    await _submit(chat_factory, repos, clock, forms, nhung)

    alerts = await outbox(repos, "alert")
    assert sorted(m for m, _c, _r in alerts) == sorted([duc.id, ha.id])
    by_member = {m: (chat, reply) for m, chat, reply in alerts}
    chat_id, vi = by_member[duc.id]
    assert chat_id == f"u{duc.id}"
    assert vi.text.startswith("Đồng chí Nguyễn Thị Hồng Nhung đã nộp bản kiểm điểm lúc 09:00 "
                              "23/11/2026.")
    assert "Đề xuất xếp loại: Hoàn thành tốt nhiệm vụ." in vi.text
    review = await repos.reviews.of_member(nhung.id, 2026)
    assert [c.action for c in vi.flat_choices] == [SR.pack(ReadReview(review.id)),
                                                   SR.pack(ShowCell(nhung.cell_id, 0))]
    en = by_member[ha.id][1]  # the deputy reads English
    assert en.text.startswith("Comrade Nguyễn Thị Hồng Nhung submitted the self-review at "
                              "23 Nov 2026, 09:00.")
    assert await outbox(repos, "cell-complete") == []


async def test_cell_complete_exactly_once_even_after_return_and_resubmit(
        repos, clock, forms, chat_factory, people):
    duc = people["Trần Văn Đức"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    chats = {}
    for name in ("Nguyễn Thị Hồng Nhung", "Lê Minh Tuấn", "Phạm Thu Hà"):
        chats[name] = await _submit(chat_factory, repos, clock, forms, people[name])
        assert await outbox(repos, "cell-complete") == []  # the secretary has not submitted
    await complete_and_submit(secretary, _form(forms, duc))
    complete = await outbox(repos, "cell-complete")
    assert sorted(m for m, _c, _r in complete) == sorted([duc.id, people["Phạm Thu Hà"].id])
    assert "Chi bộ 1 đã nộp đủ: tất cả 4 đảng viên" in complete[0][2].text

    # the secretary's own submission does not alert the secretary
    alerted = [m for m, _c, r in await outbox(repos, "alert") if "Trần Văn Đức" in r.text]
    assert alerted == [people["Phạm Thu Hà"].id]

    # return Nhung's review, she resubmits: a new submission alert, no second "complete"
    nhung = people["Nguyễn Thị Hồng Nhung"]
    review = await repos.reviews.of_member(nhung.id, 2026)
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("Đề nghị bổ sung phần hạn chế.")
    clock.advance(hours=1)
    await chats["Nguyễn Thị Hồng Nhung"].press(data(Submit("summary")))
    await chats["Nguyễn Thị Hồng Nhung"].press(data(Confirm("summary")))
    resubmitted = [r.text for m, _c, r in await outbox(repos, "alert") if m == duc.id
                   and "Nguyễn Thị Hồng Nhung" in r.text]
    assert len(resubmitted) == 2
    assert "đã nộp lại bản kiểm điểm sau khi chỉnh sửa lúc 10:00 23/11/2026" in resubmitted[1]
    assert len(await outbox(repos, "cell-complete")) == 2  # still one per secretary


async def test_return_for_revision_round_trip_survives_a_restart(
        repos, clock, forms, chat_factory, people):
    duc, nhung = people["Trần Văn Đức"], people["Nguyễn Thị Hồng Nhung"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    member = await _submit(chat_factory, repos, clock, forms, nhung)
    review = await repos.reviews.of_member(nhung.id, 2026)

    await secretary.say("/progress")
    assert SR.pack(ReadReview(review.id)) in secretary.actions()
    await secretary.press(SR.pack(ReadReview(review.id)))
    assert "Đồng chí Nguyễn Thị Hồng Nhung\nBản kiểm điểm năm 2026" in secretary.text
    assert answer_for("A.I.1") in secretary.text
    await secretary.press(SR.pack(ReviewCopy(review.id)))
    assert secretary.last[0].document.filename.endswith("Nguyễn-Thị-Hồng-Nhung.docx")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    assert secretary.last[0].expects_text
    assert SR.pack(CancelReturn(review.id)) in secretary.actions()

    # a restart between the question and the answer: the pending comment is in the database
    restarted = Assistant(repos, forms, AssistantConfig(), clock)
    secretary.assistant = restarted
    clock.advance(minutes=5)
    await secretary.say("Đề nghị đồng chí bổ sung nguyên nhân của hạn chế.")
    assert "Đã trả lại bản kiểm điểm cho đồng chí Nguyễn Thị Hồng Nhung" in secretary.text
    returned = await repos.reviews.get(review.id)
    assert returned.status == "returned"
    assert returned.position == "summary"  # the dialogue resumes it at the summary
    assert returned.return_comment == "Đề nghị đồng chí bổ sung nguyên nhân của hạn chế."

    [(member_id, chat_id, told)] = await outbox(repos, "returned")
    assert (member_id, chat_id) == (nhung.id, f"u{nhung.id}")
    assert "«Đề nghị đồng chí bổ sung nguyên nhân của hạn chế.»" in told.text
    assert [c.action for c in told.flat_choices] == [MENU.pack(OpenReview())]

    # the next message of the secretary is a normal message again
    await secretary.say("xin chào")
    assert (await repos.reviews.get(review.id)).return_comment.startswith("Đề nghị đồng chí")

    member.assistant = restarted
    await member.press(MENU.pack(OpenReview()))
    assert "«Đề nghị đồng chí bổ sung nguyên nhân của hạn chế.»" in member.text
    await member.press(data(Goto("summary", "A.II.2")))
    await member.say("Nguyên nhân: chưa dành đủ thời gian nghiên cứu.")
    await member.press(data(Done("A.II.2")))
    await member.press(data(Submit("summary")))
    await member.press(data(Confirm("summary")))
    assert (await repos.reviews.get(review.id)).status == "submitted"
    alerts = [r.text for m, _c, r in await outbox(repos, "alert") if m == duc.id]
    assert len(alerts) == 2 and "nộp lại" in alerts[1]

    await secretary.press(SR.pack(AcceptReview(review.id)))
    assert (await repos.reviews.get(review.id)).status == "accepted"
    assert "Đã tiếp nhận bản kiểm điểm của đồng chí Nguyễn Thị Hồng Nhung." in secretary.text


async def test_cancelled_return_changes_nothing(repos, clock, forms, chat_factory, people):
    duc, nhung = people["Trần Văn Đức"], people["Nguyễn Thị Hồng Nhung"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await _submit(chat_factory, repos, clock, forms, nhung)
    review = await repos.reviews.of_member(nhung.id, 2026)
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.press(SR.pack(CancelReturn(review.id)))
    await secretary.say("Đây không phải ý kiến trả lại.")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    # another button: the question is dropped
    await secretary.press(SR.pack(ShowCell(nhung.cell_id, 0)))
    await secretary.say("Cũng không phải ý kiến trả lại.")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("/progress")  # a command too
    await secretary.say("Vẫn không phải.")
    assert (await repos.reviews.get(review.id)).status == "submitted"
    assert await outbox(repos, "returned") == []


async def test_digest_mode_no_immediate_alert_one_digest_at_the_hour(
        repos, clock, forms, chat_factory, people):
    duc = people["Trần Văn Đức"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await secretary.say("/alerts")
    await secretary.press(SR.pack(SetAlerts("digest")))
    assert SR.pack(DigestAt(17)) in secretary.actions()
    await secretary.press(SR.pack(DigestAt(17)))
    assert "17:00" in secretary.text

    await _submit(chat_factory, repos, clock, forms, people["Nguyễn Thị Hồng Nhung"])  # 09:00
    assert [m for m, _c, _r in await outbox(repos, "alert")] == [people["Phạm Thu Hà"].id]
    clock.advance(hours=7, minutes=59)  # 16:59 local
    assert await digests_due(repos, forms, clock()) == 0
    clock.advance(minutes=2)  # 17:01
    assert await digests_due(repos, forms, clock()) == 1
    assert await digests_due(repos, forms, clock()) == 0
    clock.advance(hours=3)
    assert await digests_due(repos, forms, clock()) == 0
    [(member_id, _chat, digest)] = await outbox(repos, "digest")
    assert member_id == duc.id
    assert "✓ Nguyễn Thị Hồng Nhung — 09:00 23/11/2026 — Hoàn thành tốt nhiệm vụ" in digest.text
    assert "Đã nộp 1/4." in digest.text
    row = await repos.outbox.get(f"digest:{duc.id}:2026-11-23")
    assert row.expires_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # the next digest

    # the next day's digest holds only what came after yesterday's
    clock.advance(hours=1)  # 21:01: belongs to tomorrow's digest
    await _submit(chat_factory, repos, clock, forms, people["Lê Minh Tuấn"])
    clock.advance(hours=20)  # 17:01 the next day
    assert await digests_due(repos, forms, clock()) == 1
    second = (await outbox(repos, "digest"))[1][2].text
    assert "Lê Minh Tuấn" in second and "Nguyễn Thị Hồng Nhung" not in second
    clock.advance(days=1)
    assert await digests_due(repos, forms, clock()) == 0  # a quiet day: no message


async def test_alerts_off_means_no_alert(repos, clock, forms, chat_factory, people):
    duc = people["Trần Văn Đức"]
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await secretary.press(SR.pack(SetAlerts("off")))
    assert "Đã tắt thông báo" in secretary.text
    await _submit(chat_factory, repos, clock, forms, people["Lê Minh Tuấn"])
    assert duc.id not in [m for m, _c, _r in await outbox(repos, "alert")]
    plain = chat_factory(await link(repos, clock, people["Lê Minh Tuấn"]), "telegram")
    await plain.say("/alerts")
    assert "chỉ dành cho bí thư" in plain.text


async def test_secretary_without_chat_is_recorded_unreachable(repos, clock, forms, chat_factory,
                                                              people):
    await _submit(chat_factory, repos, clock, forms, people["Lê Minh Tuấn"])
    rows = await repos.db.fetchall("SELECT status, error FROM outbox WHERE kind = 'alert'")
    assert {(r["status"], r["error"]) for r in rows} == {("unreachable", "not_linked")}
    assert len(rows) == 2


async def test_alerting_again_after_a_crash_adds_nothing(repos, clock, forms, chat_factory,
                                                         people):
    await link(repos, clock, people["Trần Văn Đức"])
    nhung = people["Nguyễn Thị Hồng Nhung"]
    await _submit(chat_factory, repos, clock, forms, nhung)
    before = await outbox(repos, "alert")
    review = await repos.reviews.of_member(nhung.id, 2026)
    clock.advance(minutes=3)
    await on_submitted(repos, forms, review, clock())  # e.g. replayed after a restart
    assert await outbox(repos, "alert") == before


async def test_start_up_catch_up_alerts_a_submission_a_crash_cut_off(
        repos, clock, forms, chat_factory, people):
    """The process died after saving the submission, before queuing its alerts."""
    duc = people["Trần Văn Đức"]
    await link(repos, clock, duc)
    nhung = people["Nguyễn Thị Hồng Nhung"]
    chat = chat_factory(await link(repos, clock, nhung), "telegram")
    await chat.say("/review")  # a draft, then submitted without the dialogue's alerting
    review = await repos.reviews.of_member(nhung.id, 2026)
    assert await repos.reviews.submit(review.id, clock())
    assert await outbox(repos, "alert") == []
    clock.advance(minutes=5)
    assert await catch_up(repos, forms, clock()) == 1
    alerts = await outbox(repos, "alert")
    assert sorted(m for m, _c, _r in alerts) == sorted([duc.id, people["Phạm Thu Hà"].id])
    await catch_up(repos, forms, clock())  # every start-up: still one alert
    assert await outbox(repos, "alert") == alerts
    clock.advance(days=3)  # older submissions are left alone
    assert await catch_up(repos, forms, clock()) == 0
