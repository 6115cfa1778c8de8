"""The member's and the secretary's screens read as a person would read them: the right
person addressed, only the choices that will be accepted, plain words."""

from __future__ import annotations

from datetime import date

from bot.demo_reviews import sample_review
from conversations.review.actions import Done, Propose, Skip
from conversations.secretary.actions import SECRETARY as SR
from conversations.secretary.actions import ReadReview, ReturnReview, SetAlerts
from storage.campaigns import NewCampaign
from tests.review_helpers import answer_for, answer_questions, data, press
from tests.secretary_helpers import link

LEVELS = ("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
          "Không hoàn thành nhiệm vụ")


async def test_the_secretary_reads_the_questions_as_statements_about_the_member(
        repos, clock, forms, chat_factory, org):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    review = await sample_review(repos, forms, nhung, clock())
    secretary = chat_factory(await link(repos, clock, duc), "telegram")
    await secretary.press(SR.pack(ReadReview(review.id)))
    assert "Đồng chí Nguyễn Thị Hồng Nhung\nBản kiểm điểm năm 2026" in secretary.text
    assert "— Bị xử lý kỷ luật trong năm: Không" in secretary.text
    assert "đồng chí có" not in secretary.text  # nothing asked of the secretary himself


async def test_the_member_still_sees_his_own_answers_as_the_questions(
        repos, clock, forms, chat_factory, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    await sample_review(repos, forms, nhung, clock(), submit=False)
    member = chat_factory(await link(repos, clock, nhung), "telegram")
    await member.say("/review")
    assert "— Trong năm, đồng chí có bị xử lý kỷ luật không? Không" in member.text


async def _at_level_step(repos, clock, forms, chat_factory, org, *, scores: tuple[str, str],
                         disqualified: bool):
    """A member on the console (typed only) at the level step with these scores."""
    nhung = org["Nguyễn Thị Hồng Nhung"]
    form = forms.get(forms.default_version, nhung.form)
    member = chat_factory(await link(repos, clock, nhung, "console"), "console")
    await member.say("/review")
    given = iter(scores)
    for item in form.items:
        if item.kind == "score":
            await member.say(next(given))
        elif not item.required:
            await press(member, Skip(item.key))
        else:
            await member.say(answer_for(item.key))
            await press(member, Done(item.key))
    await answer_questions(member, form, "yes" if disqualified else "no")
    return member


async def test_a_yes_answer_leaves_only_the_lowest_level_to_choose(
        repos, clock, forms, chat_factory, org):
    member = await _at_level_step(repos, clock, forms, chat_factory, org,
                                  scores=("20", "50"), disqualified=True)
    shown = member.last[-1]
    assert [c.label for c in shown.flat_choices if c.label in LEVELS] == [LEVELS[-1]]
    assert ("nên đồng chí chỉ có thể tự nhận mức «Không hoàn thành nhiệm vụ»"
            in shown.text)
    assert "cao nhất là" not in shown.text
    await member.say("1")  # typed: the one level listed is taken, not refused
    review = await repos.reviews.of_member(org["Nguyễn Thị Hồng Nhung"].id, 2026)
    assert review.level == "not_done" and review.position == "summary"


async def test_the_score_leaves_the_levels_it_allows(repos, clock, forms, chat_factory, org):
    member = await _at_level_step(repos, clock, forms, chat_factory, org,
                                  scores=("20", "50"), disqualified=False)  # 70: «good» at most
    shown = member.last[-1]
    assert [c.label for c in shown.flat_choices if c.label in LEVELS] == list(LEVELS[1:])
    await press(member, Propose("level", "excellent"))  # an old button is still refused
    assert "Không thể đề xuất mức «Hoàn thành xuất sắc nhiệm vụ»" in member.text
    assert data(Propose("level", "excellent")) not in member.actions()


async def test_a_return_speaks_as_the_assistant_and_names_who_was_told(
        repos, clock, forms, chat_factory, org):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    await link(repos, clock, nhung)  # linked: the member is told in chat
    review = await sample_review(repos, forms, nhung, clock())
    secretary = chat_factory(await link(repos, clock, duc, "console"), "console")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    assert "Trợ lý sẽ cho đồng chí xem lại trước khi gửi" in secretary.text
    assert "tôi" not in secretary.text.lower().split()
    await secretary.say("Đề nghị bổ sung phần hạn chế.")
    await secretary.say("gửi")
    assert "Đồng chí Nguyễn Thị Hồng Nhung đã được thông báo." in secretary.text


async def test_a_lone_choice_asks_for_1_not_a_number_from_1_to_1(
        repos, clock, forms, chat_factory, org):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    review = await sample_review(repos, forms, nhung, clock())
    secretary = chat_factory(await link(repos, clock, duc, "console"), "console")
    await secretary.press(SR.pack(ReturnReview(review.id)))
    await secretary.say("Đề nghị bổ sung phần hạn chế.")
    await secretary.say("gửi")
    assert len(secretary.actions()) == 1  # «Progress of the cell»
    await secretary.say("5")
    assert secretary.text == "Đề nghị đồng chí gõ 1 để chọn."


async def test_help_names_proposals_once(repos, clock, chat_factory, org):
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"], "console"), "console")
    await secretary.say("/help")
    [line] = [ln for ln in secretary.text.splitlines() if ln.startswith("/proposals")]
    assert line == "/proposals — Bí thư chi bộ: mức xếp loại chi bộ đề xuất cho từng đảng viên"


async def test_the_example_score_fits_the_item(repos, clock, forms, chat_factory, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    form = forms.get(forms.default_version, nhung.form)
    _general, tasks = form.score_items
    member = chat_factory(await link(repos, clock, nhung, "console"), "console")
    await member.say("/review")
    await repos.reviews.save((await repos.reviews.of_member(nhung.id, 2026)).id, clock(),
                             position=tasks.key)
    await member.say("/review")
    await member.say("71")
    assert "từ 0 đến 70" in member.text and "ví dụ «63»" in member.text


async def test_the_secretary_is_sent_to_the_committee_to_correct_his_details(
        repos, clock, forms, chat_factory, org):
    duc, nhung = org["Trần Văn Đức"], org["Nguyễn Thị Hồng Nhung"]
    for person, asked in ((duc, "báo văn phòng đảng ủy"), (nhung, "báo bí thư chi bộ")):
        await sample_review(repos, forms, person, clock(), submit=False)
        chat = chat_factory(await link(repos, clock, person), "telegram")
        await chat.say("/review")  # at the summary: the header as printed
        assert f"Nếu thông tin nào chưa đúng, đề nghị đồng chí {asked} để sửa lại." in chat.text


async def test_alerts_offer_only_the_other_settings(repos, clock, chat_factory, org):
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.say("/alerts")  # alerted at each submission by default
    assert SR.pack(SetAlerts("each")) not in secretary.actions()
    assert {SR.pack(SetAlerts("digest")), SR.pack(SetAlerts("off"))} <= set(secretary.actions())
    await secretary.press(SR.pack(SetAlerts("off")))
    assert SR.pack(SetAlerts("off")) not in secretary.actions()


async def test_a_typed_digest_hour_is_taken(repos, clock, chat_factory, org):
    duc = org["Trần Văn Đức"]
    secretary = chat_factory(await link(repos, clock, duc, "console"), "console")
    await secretary.say("/alerts digest")
    assert "ví dụ gõ 8 để nhận lúc 08:00" in secretary.text
    await secretary.say("tám")
    assert "«tám» không phải là giờ" in secretary.text
    await secretary.say("8")
    assert "lúc 08:00" in secretary.text
    assert (await repos.secretaries.alert_prefs([duc.id]))[duc.id].digest_hour == 8
    await secretary.say("/alerts digest")
    await secretary.say("17")  # a listed hour, by its keyword
    assert (await repos.secretaries.alert_prefs([duc.id]))[duc.id].digest_hour == 17
    await secretary.say("/alerts digest")
    await secretary.say("20 giờ")
    pref = (await repos.secretaries.alert_prefs([duc.id]))[duc.id]
    assert (pref.mode, pref.digest_hour) == ("digest", 20)


async def test_progress_shows_the_days_left_and_the_submitted_in_the_order_they_came(
        repos, clock, forms, chat_factory, org):
    committee = await repos.org.committee(org["Trần Văn Đức"].committee_id)
    await repos.campaigns.create(NewCampaign(
        committee.id, "Kiểm điểm năm 2026", 2026, forms.default_version,
        date(2026, 11, 20), date(2026, 12, 3), date(2026, 12, 20),
    ), [(m.id, m.cell_id) for m in org.values()], clock())
    await sample_review(repos, forms, org["Nguyễn Thị Hồng Nhung"], clock())  # 09:00
    clock.advance(hours=1)
    await sample_review(repos, forms, org["Lê Minh Tuấn"], clock())  # 10:00, name first
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.say("/progress")
    assert "Hạn nộp: 23:59 03/12/2026 (còn 10 ngày)." in secretary.text
    submitted = [ln for ln in secretary.text.splitlines() if ln.startswith("✓")]
    assert submitted == ["✓ Nguyễn Thị Hồng Nhung — 09:00 23/11/2026",
                         "✓ Lê Minh Tuấn — 10:00 23/11/2026"]
    admin = chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    await admin.say("/progress")
    assert "hạn nộp 03/12/2026 (còn 10 ngày)" in admin.text
    clock.advance(days=10)  # 12:00 on 03/12, the last day
    await secretary.say("/progress")
    assert "Hạn nộp: 23:59 03/12/2026 (hôm nay)." in secretary.text
    clock.advance(days=1)
    await secretary.say("/progress")
    assert "Hạn nộp: 23:59 03/12/2026 (đã hết hạn)." in secretary.text


async def test_invite_says_who_is_not_listed_and_why(repos, clock, chat_factory, org):
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.say("/invite")
    assert ("Không có trong danh sách: Trần Văn Đức (chính đồng chí). Mã mời cho bí thư, "
            "phó bí thư và quản trị viên của cấp ủy do cấp ủy hoặc quản trị viên của cấp ủy "
            "cấp.") in secretary.text
    labels = [c.label for r in secretary.last for c in r.flat_choices]
    assert "Nguyễn Thị Hồng Nhung" in labels and "Trần Văn Đức" not in labels
    admin = chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    await admin.say("/invite")  # an admin may give codes to anyone: nobody is left out
    assert "Không có trong danh sách" not in admin.text
