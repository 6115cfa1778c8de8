"""Zalo's 2,000-character messages: where long texts are cut, and how replies look."""

from hypothesis import given
from hypothesis import strategies as st

from conversations.core.replies import Choice, Document, Reply, rows
from handlers.text_render import render_text, split_text
from handlers.zalo import zalo_texts
from handlers.zalo_api import MAX_TEXT


def test_cut_between_paragraphs_when_one_ends_in_the_second_half():
    first = "Đoạn một. " * 130  # 1,300 characters
    second = "\n".join(["Dòng của đoạn hai."] * 40)  # 759 characters in 40 lines
    parts = split_text(first.strip() + "\n\n" + second, MAX_TEXT)
    assert parts == [first.strip(), second]  # not at the last line break that fits


def test_cut_after_a_sentence_rather_than_mid_sentence():
    sentence = "Đồng chí đã hoàn thành tốt nhiệm vụ được giao trong năm. "  # 57 characters
    parts = split_text(sentence * 40, MAX_TEXT)  # 2,280 characters, no line breaks
    assert len(parts) == 2
    assert all(part.endswith("năm.") for part in parts)
    assert parts[0] == (sentence * 35).strip()  # 35 × 57 = 1,995 ≤ 2,000


def test_cut_between_words_when_there_is_no_sentence_end():
    parts = split_text("chữ " * 600, MAX_TEXT)  # 2,400 characters, one long sentence
    assert [len(p) for p in parts] == [1999, 399]
    assert all(not p.startswith(" ") and p.split(" ")[-1] == "chữ" for p in parts)


def test_a_word_longer_than_the_limit_is_cut_where_it_must():
    assert split_text("x" * 4500, MAX_TEXT) == ["x" * 2000, "x" * 2000, "x" * 500]


@given(st.text(alphabet="ab .\n", max_size=400), st.integers(min_value=5, max_value=60))
def test_parts_fit_and_lose_nothing_but_whitespace(text, limit):
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_choices_are_numbered_as_on_the_console():
    reply = Reply("Đồng chí muốn làm gì?", rows(Choice("Bản kiểm điểm của tôi", "review"),
                                                 Choice("Trợ giúp", "help")))
    assert zalo_texts(reply, "vi") == render_text(reply)
    assert zalo_texts(reply, "vi") == [
        "Đồng chí muốn làm gì?\n\n  1. Bản kiểm điểm của tôi\n  2. Trợ giúp"]


def test_a_long_reply_is_split_and_its_choices_stay_at_the_end():
    reply = Reply("Nội dung dài. " * 200, rows(Choice("Xong", "rv:done:x", "xong")),
                  expects_text=True)
    texts = zalo_texts(reply, "vi")
    assert len(texts) == 2 and all(len(t) <= MAX_TEXT for t in texts)
    assert texts[-1].endswith("«xong» — Xong")


def test_formatted_broadcast_text_arrives_plain():
    reply = Reply("<b>Thông báo</b> họp chi bộ &amp; nộp bản kiểm điểm", html=True)
    assert zalo_texts(reply, "vi") == ["Thông báo họp chi bộ & nộp bản kiểm điểm"]


def test_a_document_becomes_a_sentence_saying_where_to_get_it():
    reply = Reply("Bản kiểm điểm của đồng chí:",
                  document=Document("ban-kiem-diem-2026.docx", b"PK\x03\x04"))
    vi = zalo_texts(reply, "vi")
    assert vi[0] == "Bản kiểm điểm của đồng chí:"
    assert vi[1] == ("Không thể gửi tệp «ban-kiem-diem-2026.docx» qua Zalo. Đồng chí có thể "
                     "nhận tệp này từ trợ lý trên Telegram, hoặc đề nghị bí thư chi bộ gửi "
                     "cho đồng chí.")
    assert "cannot be sent on Zalo" in zalo_texts(reply, "en")[1]
