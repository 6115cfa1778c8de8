"""The self-review dialogue on a real SQLite file: forms 2A, 2B, 2C end to end."""

import io
from datetime import date

import pytest
from docx import Document as open_docx

from conversations.assistant import Assistant
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.core.context import AssistantConfig
from conversations.review.actions import (
    Back,
    Confirm,
    Copy,
    Done,
    Goto,
    Propose,
    Replace,
    Skip,
    Submit,
    ToSummary,
    View,
    YesNo,
)
from storage.db import open_database
from storage.repos import Repos
from tests.conftest import COMMITTEE, record
from tests.review_helpers import (
    SCORES,
    answer_for,
    answer_items,
    answer_questions,
    complete_and_submit,
    data,
)

PEOPLE = {
    "2A": record("Chi bộ 1", "Trần Văn Đức", "1968-03-12", "2A", "secretary",
                 party_post="Bí thư Chi bộ", other_posts="Phó Chủ tịch UBND phường",
                 workplace="UBND phường"),
    "2B": record("Chi bộ 1", "Nguyễn Thị Hồng Nhung", "1985-07-02", "2B",
                 workplace="Trạm Y tế phường"),
    "2C": record("Chi bộ 1", "Lê Minh Tuấn", "1950-11-20", "2C", workplace="Hưu trí"),
    "other": record("Chi bộ 2", "Ngô Văn Hải", "1963-04-18", "2C"),
    "exempted": record("Chi bộ 1", "Võ Thị Lan", "1958-02-28", "2C", status="exempted"),
    "new": record("Chi bộ 1", "Hoàng Văn Nam", "2001-06-10", "2C", status="probationary",
                  admitted_on=date(2026, 8, 15)),
    "probation": record("Chi bộ 1", "Trịnh Thị Ngọc Ánh", "1995-05-05", "2B",
                        status="probationary", admitted_on=date(2025, 11, 1)),
}


@pytest.fixture
async def people(repos, clock):
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.set_place(committee.id, "Phường Thử Nghiệm")
    await repos.org.apply_import(committee.id, list(PEOPLE.values()))
    by_name = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    return {key: by_name[r.full_name] for key, r in PEOPLE.items()}


@pytest.fixture
def member_chat(people, repos, clock, chat_factory):
    async def make(key: str, channel: str = "telegram"):
        chat = chat_factory(f"{channel}-{key}", channel)
        account = await repos.accounts.ensure(channel, chat.user_id, chat.user_id, clock())
        await repos.accounts.bind(account.id, people[key].id, clock())
        return chat
    return make


def _docx_text(content: bytes) -> str:
    doc = open_docx(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("code", ["2A", "2B", "2C"])
async def test_each_form_end_to_end_with_printable_copy(code, member_chat, forms, repos, people):
    chat = await member_chat(code)
    form = forms.get(forms.default_version, code)
    await complete_and_submit(chat, form)
    review = await repos.reviews.of_member(people[code].id, 2026)
    assert review.status == "submitted" and review.level == "good"
    assert review.form_code == code and review.form_version == form.version
    document = next(r.document for r in chat.last if r.document)
    assert document.filename.endswith(".docx")
    text = _docx_text(document.content)
    assert "BẢN KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI CÁ NHÂN" in text
    assert "Năm 2026" in text
    assert form.subtitle("vi") in text
    assert people[code].full_name in text
    assert "NGƯỜI TỰ KIỂM ĐIỂM" in text
    assert "Phường Thử Nghiệm, ngày 23 tháng 11 năm 2026" in text
    for item in form.items:
        if item.kind == "text" and item.required:
            assert answer_for(item.key) in text
    for section in form.sections:
        assert section.title("vi") in text
    assert "Tổng điểm: 85/100" in text
    assert "☒ Hoàn thành tốt nhiệm vụ" in text
    assert "☐ Hoàn thành xuất sắc nhiệm vụ" in text
    if code == "2A":
        assert "Phó Chủ tịch UBND phường" in text  # the leader's posts are in the header
    # /copy sends the same document again
    await chat.say("/copy")
    assert chat.last[0].document is not None


async def test_several_messages_join_and_over_long_is_refused(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    await chat.say("/review")
    first = forms.get(forms.default_version, "2B").items[0]
    await chat.say("Dòng thứ nhất.")
    await chat.say("Dòng thứ hai.")
    assert "Đã lưu" in chat.text
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.answers[first.key].text == "Dòng thứ nhất.\nDòng thứ hai."
    await chat.say("x" * 10_001)
    assert "10.000" in chat.text  # the limit is stated, in Vietnamese number format
    again = await repos.reviews.of_member(people["2B"].id, 2026)
    assert again.answers[first.key].text == "Dòng thứ nhất.\nDòng thứ hai."
    await chat.sticker()
    assert "chỉ đọc được tin nhắn dạng chữ" in chat.text
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).answers == again.answers


async def test_required_item_cannot_be_left_empty_and_optional_can_be_skipped(
    member_chat, forms, repos, people
):
    chat = await member_chat("2C")
    form = forms.get(forms.default_version, "2C")
    await chat.say("/review")
    await chat.press(data(Done(form.items[0].key)))
    assert "bắt buộc" in chat.text
    review = await repos.reviews.of_member(people["2C"].id, 2026)
    assert review.position == form.items[0].key
    optional = [i for i in form.items if not i.required]
    assert optional, "forms have optional items (IV, V)"
    await chat.press(data(Skip(form.items[0].key)))  # a required item cannot be skipped
    assert (await repos.reviews.of_member(people["2C"].id, 2026)).position == form.items[0].key


async def test_scores_are_validated_and_level_capped(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    text_items = list(form.text_items)  # text and list items
    for item in text_items:
        if item.required:
            await chat.say("Có nội dung.")
            await chat.press(data(Done(item.key)))
        else:
            await chat.press(data(Skip(item.key)))
    general = form.score_items[0]
    for bad in ("31", "abc", "-1", "27.5", "", "1e2"):
        await chat.say(bad or " ")
        assert "số nguyên từ 0 đến 30" in chat.text
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).position == general.key
    await chat.say("29")
    await chat.say("71")
    assert "từ 0 đến 70" in chat.text
    await chat.say("62")  # 91: excellent by the score
    await answer_questions(chat, form, "no")
    assert "91/100" in chat.text and "Hoàn thành xuất sắc nhiệm vụ" in chat.text
    # back to the questions: one "yes" caps the proposal
    await chat.press(data(Back("level")))
    await chat.press(data(YesNo(f"dq.{form.disqualifiers[-1].key}", "yes")))
    await chat.press(data(Propose("level", "good")))
    assert "không thể đề xuất" in chat.text.lower() or "Không thể" in chat.text
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).level is None
    await chat.press(data(Propose("level", "not_done")))
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.level == "not_done" and review.position == "summary"


async def test_level_above_the_score_is_refused_with_the_reason(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    await answer_items(chat, form)  # 85 points
    await answer_questions(chat, form)
    await chat.press(data(Propose("level", "excellent")))
    assert "85" in chat.text and "Hoàn thành tốt nhiệm vụ" in chat.text
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).level is None
    await chat.press(data(Propose("level", "done")))  # lower than the score allows is fine
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).level == "done"


async def test_back_edit_and_changing_a_score_clears_the_level(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    first, second = form.items[0], form.items[1]
    await chat.say("Bản đầu.")
    await chat.press(data(Done(first.key)))
    await chat.press(data(Back(second.key)))
    assert "Bản đầu." in chat.text  # the recorded text is shown
    await chat.press(data(Replace(first.key)))
    await chat.say("Bản sửa.")  # the first message after «Replace» replaces
    await chat.press(data(Done(first.key)))
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.answers[first.key].text == "Bản sửa."
    await answer_items(chat, form)  # from item 1 again: overwrites, fine
    await answer_questions(chat, form)
    await chat.press(data(Propose("level", "good")))
    # from the summary, edit the task score: the level must be chosen again
    await chat.press(data(Goto("summary", form.score_items[1].key)))
    await chat.say("30")  # 57 now
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.level is None and review.position == "level"
    await chat.press(data(Propose("level", "good")))
    assert "không thể" in chat.text.lower()
    await chat.press(data(Propose("level", "done")))
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.position == "summary" and review.level == "done"


async def test_submitted_review_is_locked_until_returned(member_chat, forms, repos, people, clock):
    chat = await member_chat("2C")
    form = forms.get(forms.default_version, "2C")
    await complete_and_submit(chat, form)
    review = await repos.reviews.of_member(people["2C"].id, 2026)
    await chat.say("Thêm nội dung sau khi nộp")
    await chat.press(data(Goto("summary", form.items[0].key)))
    await chat.say("/review")
    assert "đã khóa" in chat.text
    assert await repos.reviews.of_member(people["2C"].id, 2026) == review
    # the secretary returns it: the member sees the comment and can edit and resubmit
    assert await repos.reviews.return_for_revision(review.id, "Bổ sung mục hạn chế.", clock(),
                                                 position="summary")
    await chat.say("/review")
    assert "Bổ sung mục hạn chế." in chat.text
    await chat.press(data(Goto("summary", form.items[0].key)))
    await chat.press(data(Replace(form.items[0].key)))
    await chat.say("Nội dung bổ sung.")
    await chat.press(data(Done(form.items[0].key)))
    assert (await repos.reviews.get(review.id)).position == "summary"
    await chat.press(data(Submit("summary")))
    await chat.press(data(Confirm("summary")))
    review = await repos.reviews.get(review.id)
    assert review.status == "submitted"
    assert review.answers[form.items[0].key].text == "Nội dung bổ sung."


async def test_submit_refused_while_something_is_missing(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    await chat.say("/review")
    await chat.press(data(ToSummary(forms.get(forms.default_version, "2B").items[0].key)))
    assert "Còn thiếu" in chat.text
    await chat.press(data(Confirm("summary")))
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).status == "draft"


async def test_stale_button_answers_with_the_current_step(member_chat, forms, repos, people):
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    await chat.say("Nội dung.")
    await chat.press(data(Done(form.items[0].key)))
    await chat.press(data(Done(form.items[0].key)))  # the old button again
    assert "bước trước" in chat.text
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).position == form.items[1].key
    for crafted in ("rv.lvl:level:excellent", "rv.goto:x:y", "rv:", "rv:done", "rv:::::",
                    "rv.done", "rv.done:A.I.1:x", "rv.lvl:level", "rv.pick:A.I.1:²"):
        await chat.press(crafted)
        assert chat.last
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.level is None and review.position == form.items[1].key


async def test_one_member_cannot_touch_another_members_draft(member_chat, forms, repos, people):
    nhung = await member_chat("2B")
    await nhung.say("/review")
    await nhung.say("Của đồng chí Nhung.")
    hai = await member_chat("other")
    form_2c = forms.get(forms.default_version, "2C")
    await hai.press(data(Done(form_2c.items[0].key)))  # only ever acts on his own review
    await hai.say("Của đồng chí Hải.")
    mine = await repos.reviews.of_member(people["2B"].id, 2026)
    assert mine.answers[mine.position].text == "Của đồng chí Nhung."
    stranger = await member_chat("2C")
    await stranger.press(data(View("summary")))
    assert "Của đồng chí Nhung." not in stranger.text


@pytest.mark.parametrize("key,expected", [
    ("exempted", "miễn"), ("new", "chưa đủ sáu tháng"),
])
async def test_members_not_reviewed_are_told_politely(key, expected, member_chat, repos, people):
    chat = await member_chat(key)
    await chat.say("/review")
    assert expected in chat.text
    assert await repos.reviews.of_member(people[key].id, 2026) is None


async def test_probationary_members_are_reviewed(member_chat, repos, people):
    chat = await member_chat("probation")
    await chat.say("/review")
    assert await repos.reviews.of_member(people["probation"].id, 2026) is not None


async def test_restart_resumes_at_the_same_item_with_every_answer(
    tmp_path, forms, clock, people, member_chat, db
):
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    for item in form.items[:3]:
        await chat.say(answer_for(item.key))
        await chat.press(data(Done(item.key)))
    await chat.say("Đang viết dở mục 4.")
    # a new process on the same file: new connection, new assistant
    fresh_db = await open_database(db.path)
    try:
        fresh = Assistant(Repos.of(fresh_db), forms, AssistantConfig(), clock)
        chat.assistant = fresh
        await chat.say("/review")
        assert "Mục 4/" in chat.text
        assert "Đang viết dở mục 4." in chat.text
        await chat.say("Viết tiếp.")  # still appending to the same item
        review = await Repos.of(fresh_db).reviews.of_member(people["2B"].id, 2026)
        assert review.answers[form.items[3].key].text == "Đang viết dở mục 4.\nViết tiếp."
        for item in form.items[:3]:
            assert review.answers[item.key].text == answer_for(item.key)
    finally:
        await fresh_db.close()


async def test_text_channel_keywords_and_numbers(member_chat, forms, repos, people):
    chat = await member_chat("2B", channel="console")
    form = forms.get(forms.default_version, "2B")
    await chat.say("/review")
    await chat.say("1")  # at a text item a number is asked about, saved only when confirmed
    assert "Nothing was saved" in chat.text or "chưa được lưu" in chat.text
    await chat.say("lưu")
    await chat.say("xong")
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.answers[form.items[0].key].text == "1"
    assert review.position == form.items[1].key
    await chat.sticker()  # a notice without choices: the keywords shown before still work
    await chat.say("quay lại")
    review = await repos.reviews.of_member(people["2B"].id, 2026)
    assert review.position == form.items[0].key
    assert form.items[1].key not in review.answers
    assert SCORES  # the helper's scores are what other tests rely on


@pytest.mark.parametrize("key,expected", [
    ("exempted", "miễn"), ("new", "chưa đủ sáu tháng"),
])
async def test_members_not_reviewed_asking_for_a_copy_are_told_why(key, expected, member_chat,
                                                                   people):
    chat = await member_chat(key, channel="console")
    await chat.say("/copy")
    assert expected in chat.text and "/review" not in chat.text


async def test_header_and_deadline_before_submitting(member_chat, forms, repos, people, clock):
    """Name, date of birth, posts, workplace, cell at the start and in the summary; the
    cell's deadline with the days left while the campaign is open."""
    committee = await repos.org.committee_by_name(COMMITTEE)
    await create_campaign(repos, forms, committee, CampaignRequest(
        name="Kiểm điểm năm 2026", cells_deadline=date(2026, 11, 30),
        committee_deadline=date(2026, 12, 5)), clock())
    chat = await member_chat("2A", channel="console")
    await chat.say("/review")
    header = ["- Họ và tên: Trần Văn Đức", "- Ngày sinh: 12/03/1968",
              "- Chức vụ Đảng: Bí thư Chi bộ", "- Chức vụ chính quyền, đoàn thể: Phó Chủ tịch "
              "UBND phường", "- Đơn vị công tác: UBND phường", "- Chi bộ: Chi bộ 1",
              "báo văn phòng đảng ủy để sửa lại"]  # he is the cell secretary
    assert all(line in chat.text for line in header), chat.text
    assert "Hạn nộp bản kiểm điểm của chi bộ đồng chí là ngày 30/11/2026, còn 7 ngày." in chat.text
    await chat.say("/review")  # resuming: the deadline again
    assert "còn 7 ngày" in chat.text
    await chat.say("danh sách")
    await chat.say(str(len(forms.get(forms.default_version, "2A").items) + 3))  # the summary
    assert all(line in chat.text for line in header)


async def test_with_buttons_an_item_from_the_list_goes_on_and_a_draft_prints(member_chat, forms,
                                                                              repos, people):
    """The typed fixes, pressed: «Done» on an item opened from the list goes to the next
    gap (not to the rating); the summary's draft button sends the .docx marked «BẢN NHÁP»."""
    chat = await member_chat("2B")
    form = forms.get(forms.default_version, "2B")
    first, second = form.items[:2]
    await chat.say("/review")
    await chat.say(answer_for(first.key))
    await chat.press(data(Done(first.key)))
    await chat.press(data(Goto(second.key, first.key)))
    await chat.press(data(Done(first.key)))
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).position == second.key
    await chat.press(data(ToSummary(second.key)))
    await chat.press(data(Copy("summary")))
    draft = next(reply.document for reply in chat.last if reply.document)
    assert "BẢN NHÁP" in _docx_text(draft.content)
    assert (await repos.reviews.of_member(people["2B"].id, 2026)).status == "draft"
