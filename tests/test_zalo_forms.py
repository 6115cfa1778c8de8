"""The whole member flow for each form (Mẫu 2A, 2B, 2C) on Zalo: linked with the code, every
item typed, the questions, the level, submit and confirm — over real HTTP to the fake Zalo
server, as a member with no buttons does it."""

from datetime import timedelta

import pytest

from conversations.onboarding.invitations import display_code, issue_invite
from tests.test_review_console import typed_review
from tests.test_zalo_end_to_end import running, zalo  # noqa: F401 (fixtures)
from tests.zalo_helpers import Person

BY_FORM = {"2A": "Trần Văn Đức", "2B": "Nguyễn Thị Hồng Nhung", "2C": "Lê Minh Tuấn"}


@pytest.mark.parametrize("code", sorted(BY_FORM))
async def test_a_whole_form_typed_on_zalo(code, zalo, running, org, repos, clock,  # noqa: F811
                                          forms):
    member = org[BY_FORM[code]]
    assert member.form == code
    invite = await issue_invite(repos, member.id, clock(), timedelta(days=30))
    person = Person(zalo, running, f"zalo-{code}")
    assert f"Chào đồng chí {member.full_name}." in await person.say(display_code(invite.code))
    for line in typed_review(code):
        answer = await person.say(line)
    assert "Đã nộp lúc" in answer
    review = await repos.reviews.of_member(member.id, 2026)
    form = forms.get(forms.default_version, code)
    assert review.status == "submitted" and review.level == "good"
    assert all(review.answers[item.key].text or review.answers[item.key].score is not None
               for item in form.items if item.required)
    # no public URL here: the bot says where the printable copy can be had
    assert "qua Zalo" in answer and ".docx" in answer
