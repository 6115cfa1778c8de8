"""Folding for matching and name order: the fast path gives what the rule says, for
Vietnamese and for any other text."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from conversations.core.text import fold, name_order


def _rule(text: str) -> str:
    """The rule itself: NFD, lower case, đ → d, every combining mark dropped."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def test_vietnamese_names_fold_to_plain_letters():
    assert fold(" Nguyễn Thị Hồng Nhung ") == "nguyen thi hong nhung"
    assert fold("ĐẶNG QUỐC BẢO") == "dang quoc bao"
    assert name_order("Trần Văn Đức") == ("duc", "tran van duc")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
       | st.lists(st.sampled_from("aăâeêioôơuưyđ AĐ\u0300\u0301\u0303\u0309\u0323\u034f"
                                  "\u05b0\u093c\u0e49\u20d0x"), max_size=20).map("".join))
def test_fold_is_the_rule_for_any_text(text):
    assert fold(text) == _rule(text)
