"""The self-review typed, as a member on the console or Zalo would: no buttons at all."""

from __future__ import annotations

import io

import pytest
from docx import Document as open_docx

from tests.review_helpers import answer_for, type_items

NHUNG = "Nguyễn Thị Hồng Nhung"  # Mẫu 2B in the sample organisation


@pytest.fixture
async def typist(chat_factory, repos, clock, org, forms):
    """A 2B member on the console, and a way to read her draft back."""
    chat = chat_factory("console-typist")
    account = await repos.accounts.ensure("console", chat.user_id, chat.user_id, clock())
    member = org[NHUNG]
    await repos.accounts.bind(account.id, member.id, clock())

    async def draft():
        return await repos.reviews.of_member(member.id, 2026)
    chat.draft = draft
    chat.form = forms.get(forms.default_version, "2B")
    return chat


async def test_an_item_opened_from_the_list_goes_on_to_the_next_gap(typist):
    """`danh sách`, an item, `xong` went to the rating with items 3–9 empty."""
    form = typist.form
    first, second, third = form.items[:3]
    await typist.say("/review")
    await typist.say(answer_for(first.key))
    await typist.say("xong")
    await typist.say("danh sách")
    await typist.say("1")  # item 1 again, from the list
    await typist.say("xong")
    review = await typist.draft()
    assert review.position == second.key, typist.text
    assert "Theo thang điểm" not in typist.text
    await typist.say(answer_for(second.key))
    await typist.say("xong")
    assert (await typist.draft()).position == third.key


async def test_the_summary_continues_with_the_first_gap_then_the_next(typist):
    form = typist.form
    await typist.say("/review")
    await typist.say(answer_for(form.items[0].key))
    await typist.say("xong")
    await typist.say("danh sách")
    await typist.say(str(len(form.items) + 3))  # «Review everything and submit»
    assert "Còn thiếu" in typist.text or "Still" in typist.text, typist.text
    await typist.say("1")  # «Continue with the first missing item»
    assert (await typist.draft()).position == form.items[1].key
    await typist.say(answer_for(form.items[1].key))
    await typist.say("xong")
    assert (await typist.draft()).position == form.items[2].key


async def _first_answer_then(typist, reply: str):
    """Item 1 written, then `reply`: the draft, whose item 1 still holds only the text."""
    first = typist.form.items[0].key
    await typist.say("/review")
    await typist.say(answer_for(first))
    await typist.say(reply)
    review = await typist.draft()
    assert review.answers[first].text == answer_for(first)
    return review


@pytest.mark.parametrize("reply", ["1", "ok", "hoàn thành", "👍", "99", "Có", "được"])
async def test_a_stray_reply_in_a_text_item_is_asked_about_not_saved(typist, reply):
    form = typist.form
    review = await _first_answer_then(typist, reply)
    if reply == "ok":  # a done-word
        assert review.position == form.items[1].key
        return
    assert review.position == form.items[0].key
    assert f"Đồng chí muốn lưu «{reply}» làm nội dung mục này" in typist.text
    await typist.say("lưu")  # it was meant after all
    review = await typist.draft()
    assert review.answers[form.items[0].key].text == f"{answer_for(form.items[0].key)}\n{reply}"


@pytest.mark.parametrize("word", ["xong", "Xong.", "xong rồi", "Đã xong", "hết", "OK"])
async def test_done_words_as_people_type_them(typist, word):
    form = typist.form
    review = await _first_answer_then(typist, word)
    assert review.position == form.items[1].key


async def test_a_long_answer_is_content_even_when_it_is_made_of_keywords(typist):
    form = typist.form
    long_one = "Xong. " * 12  # longer than any control word: not folded, not «done»
    await typist.say("/review")
    await typist.say(answer_for(form.items[0].key))
    await typist.say(long_one)
    review = await typist.draft()
    assert review.position == form.items[0].key
    assert review.answers[form.items[0].key].text == f"{answer_for(form.items[0].key)}\n" \
        + long_one.strip()
    await typist.say("   Xong.   ")  # a done-word with room around it still is one
    assert (await typist.draft()).position == form.items[1].key


async def test_a_done_word_on_an_empty_required_item_is_refused_not_saved(typist):
    await typist.say("/review")
    await typist.say("Xong.")
    review = await typist.draft()
    assert review.answers == {} and review.position == typist.form.items[0].key
    assert "Mục này bắt buộc" in typist.text


@pytest.mark.parametrize(("typed", "stored"), [("ko", "no"), ("k", "no"), ("Không.", "no"),
                                               ("có", "yes"), ("C", "yes")])
async def test_questions_take_the_short_words_people_type(typist, typed, stored):
    await type_items(typist, typist.form)
    first = f"dq.{typist.form.disqualifiers[0].key}"
    await typist.say(typed)
    review = await typist.draft()
    assert review.answers[first].text == stored


async def test_a_wrong_yes_is_named_and_every_question_reachable_from_the_summary(typist):
    form = typist.form
    await type_items(typist, typist.form)
    await typist.say("không")
    await typist.say("có")  # question 2 answered «Có» by mistake
    await typist.say("không")
    await typist.say("không")
    assert "câu hỏi 2 («Trong năm, đồng chí có bị xử lý kỷ luật không?»)" in typist.text
    await typist.say("1")  # the only level allowed
    await typist.say("danh sách")
    await typist.say(str(len(form.items) + 1))  # «Questions before the rating»
    for word in ("không", "không", "không"):
        await typist.say(word)
    review = await typist.draft()
    assert review.answers[f"dq.{form.disqualifiers[1].key}"].text == "no"
    assert review.position == f"dq.{form.disqualifiers[3].key}"
    await typist.say("không")
    assert "Theo thang điểm" in typist.text and "câu hỏi 2" not in typist.text
    await typist.say("1")  # «Hoàn thành tốt nhiệm vụ», now the best level listed
    review = await typist.draft()
    assert review.level == "good" and review.position == "summary"


async def test_the_list_reads_well_when_typed(typist):
    form = typist.form
    await type_items(typist, typist.form)
    for _question in form.disqualifiers:
        await typist.say("không")
    await typist.say("2")
    await typist.say("danh sách")
    listing = typist.last[-1]
    labels = [choice.label for choice in listing.flat_choices]
    for n, label in enumerate(labels[: len(form.items)], start=1):
        assert not label.lstrip("✓ ").startswith(f"{n}. ")  # the channel numbers them
        title = form.items[n - 1].title("vi")
        shown = label.removeprefix("✓ ").removesuffix("…")
        assert title.startswith(shown) and (shown == title or title[len(shown)] in " ,;:")
    assert labels[len(form.items)].startswith("✓ ")      # the questions, answered
    assert labels[len(form.items) + 1].startswith("✓ ")  # the level, chosen


@pytest.mark.parametrize("way_back", [("danh sách", "1"), ("quay lại",)])
async def test_a_reopened_item_is_added_to_or_replaced_never_silently(typist, way_back):
    """From the list or with «quay lại»: a message adds to the text; «viết lại» replaces."""
    first = typist.form.items[0].key
    earlier = answer_for(first)
    await typist.say("/review")
    await typist.say(earlier)
    await typist.say("xong")
    for word in way_back:
        await typist.say(word)
    offered = {choice.keyword for reply in typist.last for choice in reply.flat_choices}
    assert {"viết lại", "xong"} <= offered and "gõ «viết lại»" in typist.text
    await typist.say("Bổ sung: tham gia đầy đủ các buổi sinh hoạt chi bộ.")
    assert "ghi thêm vào nội dung trước đó" in typist.text
    await typist.say("xong")
    review = await typist.draft()
    assert review.answers[first].text == (
        f"{earlier}\nBổ sung: tham gia đầy đủ các buổi sinh hoạt chi bộ.")
    for word in way_back:
        await typist.say(word)
    await typist.say("viết lại")
    assert (await typist.draft()).answers[first] == review.answers[first]  # kept until sent
    await typist.say("Nội dung viết lại hoàn toàn.")
    assert "thay cho nội dung cũ" in typist.text
    await typist.say("xong")
    assert (await typist.draft()).answers[first].text == "Nội dung viết lại hoàn toàn."
    for word in way_back:
        await typist.say(word)
    await typist.say("xong")  # kept as it is
    assert (await typist.draft()).answers[first].text == "Nội dung viết lại hoàn toàn."


async def test_scores_as_people_type_them(typist):
    form = typist.form
    await typist.say("/review")
    for item in form.text_items:
        await typist.say(answer_for(item.key) if item.required else "bỏ qua")
        if item.required:
            await typist.say("xong")
    general, tasks = form.score_items
    await typist.say("27,5")  # this form scores in whole points: refused, saying how
    assert "Điểm phải là số nguyên từ 0 đến 30" in typist.text
    assert "ví dụ «27» hoặc «27 điểm»" in typist.text
    assert general.key not in (await typist.draft()).answers
    await typist.say("27 điểm")
    await typist.say("65đ")
    review = await typist.draft()
    assert (review.answers[general.key].score, review.answers[tasks.key].score) == (27, 65)


async def test_typed_channels_are_told_to_type_not_to_press(typist, member_chat_telegram):
    await typist.say("/review")
    assert "gõ «xong»" in typist.text and "bấm" not in typist.text
    await typist.say(answer_for(typist.form.items[0].key))
    assert "hoặc gõ «xong»" in typist.text
    await member_chat_telegram.say("/review")
    assert "bấm «Xong»" in member_chat_telegram.text


@pytest.fixture
async def member_chat_telegram(chat_factory, repos, clock, org):
    chat = chat_factory("telegram-tuan", "telegram")
    account = await repos.accounts.ensure("telegram", chat.user_id, chat.user_id, clock())
    await repos.accounts.bind(account.id, org["Lê Minh Tuấn"].id, clock())
    return chat


async def test_a_printable_draft_from_the_summary(typist):
    """Older members read on paper: the draft as a .docx marked «BẢN NHÁP», not signed."""
    await type_items(typist, typist.form)
    for _question in typist.form.disqualifiers:
        await typist.say("không")
    await typist.say("2")  # the level: now at the summary
    await typist.say("bản nháp")
    draft = next(reply.document for reply in typist.last if reply.document)
    assert draft.filename.startswith("ban-nhap-kiem-diem-2026")
    doc = open_docx(io.BytesIO(draft.content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "BẢN NHÁP – KHÔNG DÙNG ĐỂ KÝ, NỘP" in paragraphs
    assert doc.sections[0].header.paragraphs[0].text == "BẢN NHÁP – KHÔNG DÙNG ĐỂ KÝ, NỘP"
    assert answer_for(typist.form.items[0].key) in paragraphs
    signature = [p.text for t in doc.tables for c in t.rows[0].cells for p in c.paragraphs]
    assert "NGƯỜI TỰ KIỂM ĐIỂM" not in signature
    review = await typist.draft()
    assert review.status == "draft" and review.position == "summary"
    await typist.say("/copy")  # the same draft
    assert any(reply.document for reply in typist.last) and "BẢN NHÁP" in typist.text
