"""Typed only (the console, Zalo): a stray word inside a numbered step of a task keeps the
person in that task, and never becomes an answer elsewhere (the own review)."""

from tests.typed_helpers import choose as _choose
from tests.typed_helpers import console as _console

ASK_NUMBER = "Đề nghị đồng chí trả lời bằng số thứ tự từ 1 đến {n} (hoặc gửi /help)."


async def test_a_stray_word_in_the_broadcast_draft_keeps_the_draft(
        repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/broadcast")
    await admin.say("Họp chi bộ ngày mai")
    labels = [c.label for c in admin.last[-1].flat_choices]
    for stray in ("Họp chi bộ ngày mai", "gửi"):
        await admin.say(stray)
        assert admin.text == ASK_NUMBER.format(n=len(labels))
    await admin.say(str(labels.index("Chỉ các bí thư chi bộ") + 1))
    assert "Họp chi bộ ngày mai" in admin.text  # the draft is still there, to confirm


async def test_typed_channels_are_not_asked_for_a_document_they_cannot_send(
        repos, clock, chat_factory, org):
    admin = await _console(repos, clock, chat_factory, org["Bùi Thị Mai"])
    await admin.say("/broadcast")
    await admin.say("Họp chi bộ ngày mai")
    assert "không gửi được tệp" in admin.text
    assert "Gửi thông báo tới ai?" in admin.text
    await _choose(admin, "Một số chi bộ")
    assert "gõ số" in admin.text and "bấm" not in admin.text
    await admin.say("1")
    await _choose(admin, "Tiếp tục")
    assert "Họp chi bộ ngày mai" in admin.text


async def test_a_stray_word_at_a_ballot_keeps_the_ballot_and_not_the_review(
        repos, clock, chat_factory, org):
    duc = await _console(repos, clock, chat_factory, org["Trần Văn Đức"])
    nhung = await _console(repos, clock, chat_factory, org["Nguyễn Thị Hồng Nhung"])
    await duc.say("/vote")
    await _choose(duc, "Mở")
    await nhung.say("/vote")
    assert "(1/2)" in nhung.text
    await nhung.say("Tốt")
    assert nhung.text.startswith("Đề nghị đồng chí trả lời bằng số thứ tự từ 1 đến")
    await nhung.say("1")
    assert "(2/2)" in nhung.text  # the ballot went on, no review opened


async def test_a_typed_level_at_proposals_is_not_saved_into_the_secretary_s_review(
        repos, clock, chat_factory, org):
    duc = await _console(repos, clock, chat_factory, org["Trần Văn Đức"])
    await duc.say("/review")
    await duc.say("/proposals")
    await duc.say("Làm tốt")
    assert duc.text.startswith("Đề nghị đồng chí trả lời bằng số thứ tự từ 1 đến")
    await duc.say("/review")
    assert "Làm tốt" not in duc.text
