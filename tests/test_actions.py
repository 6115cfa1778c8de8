"""The button codec: round trips, the 64-byte limit, and data that is not a button."""

from dataclasses import dataclass
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.core.actions import Action, ActionError, Codec


@dataclass(frozen=True)
class OpenReview(Action):
    prefix: ClassVar[str] = "t.open"
    review_id: int


@dataclass(frozen=True)
class GoTo(Action):
    prefix: ClassVar[str] = "t.goto"
    step: str
    page: int


CODEC = Codec(OpenReview, GoTo)


def test_round_trip():
    assert CODEC.pack(GoTo("A.II.1", 3)) == "t.goto:A.II.1:3"
    assert CODEC.parse("t.goto:A.II.1:3") == GoTo("A.II.1", 3)
    assert CODEC.parse_as("t.open:12", OpenReview) == OpenReview(12)
    assert CODEC.parse_as("t.open:12", GoTo) is None


@pytest.mark.parametrize("data", [
    "", "t.open", "t.open:", "t.open:²", "t.open:-1", "t.open:1:2",
    "t.open:99999999999999999999999", "t.goto::3", "t.goto:A:x", "unknown:1", "t.open:1\x00",
])
def test_malformed_data_is_none(data):
    assert CODEC.parse(data) is None


def test_too_long_is_refused_when_built():
    with pytest.raises(ActionError):
        CODEC.pack(GoTo("x" * 60, 1))
    with pytest.raises(ActionError):
        CODEC.pack(GoTo("a:b", 1))


@given(st.text())
def test_parse_never_raises(data):
    action = CODEC.parse(data)
    if action is not None:
        assert CODEC.parse(CODEC.pack(action)) == action
