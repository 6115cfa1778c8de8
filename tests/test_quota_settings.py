"""The «xuất sắc» quota as settings (KIEMDIEM_QUOTA_SHARE, KIEMDIEM_QUOTA_BASE), and the
quota the dialogue then checks, said in people."""

from fractions import Fraction

import pytest

from bot.cli import main
from bot.config import SETTINGS, ConfigError, Settings
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.forms.rating import Quota
from conversations.ratings.actions import AgreeAll, ProposeLevel
from tests.conftest import Chat
from tests.rating_helpers import NO_REVIEW, chain_org, pack
from tests.secretary_helpers import link


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


@pytest.mark.parametrize(("share", "expected"), [
    ("25%", Fraction(1, 4)), ("0.2", Fraction(1, 5)), ("1/3", Fraction(1, 3)),
    (" 20 % ", Fraction(1, 5))])
def test_share_and_base_from_the_environment(share, expected):
    settings = Settings.load(None, environ={"KIEMDIEM_QUOTA_SHARE": share,
                                            "KIEMDIEM_QUOTA_BASE": "good_or_better"})
    assert settings.quota == Quota(expected, "good_or_better")


def test_the_default_is_a_fifth_of_those_rated_good():
    assert Settings.load(None, environ={}).quota == Quota(Fraction(1, 5), "good")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("KIEMDIEM_QUOTA_SHARE", "abc", "write e.g. 20% or 0.2"),
    ("KIEMDIEM_QUOTA_SHARE", "0", "more than 0%"),
    ("KIEMDIEM_QUOTA_SHARE", "120%", "at most 100%"),
    ("KIEMDIEM_QUOTA_BASE", "all", "use one of good, good_or_better")])
def test_a_bad_quota_setting_is_named(key, value, message, capsys, monkeypatch):
    with pytest.raises(ConfigError) as raised:
        Settings.load(None, environ={key: value})
    assert message in str(raised.value)
    monkeypatch.setenv(key, value)
    assert main(["config", "check"]) == 2
    assert key in capsys.readouterr().err


async def test_the_dialogue_checks_the_configured_quota(repos, forms, clock, org):
    people = await chain_org(repos, forms, clock)
    half = Assistant(repos, forms, AssistantConfig(quota=Quota(Fraction(1, 2),
                                                               "good_or_better")), clock)
    secretary = Chat(half, await link(repos, clock, people["Trần Văn Đức"]), "telegram")
    cell_id = people["Trần Văn Đức"].cell_id
    await secretary.press(pack(AgreeAll(cell_id)))
    await secretary.press(pack(ProposeLevel(people[NO_REVIEW].id, "done")))
    # 1 «xuất sắc» + 8 «tốt» = 9; half of them: at most 4 comrades
    assert ("«Hoàn thành xuất sắc nhiệm vụ»: 1 đồng chí; theo tỷ lệ được tối đa 4 đồng chí "
            "(50% của 9 đồng chí xếp loại «Hoàn thành tốt nhiệm vụ» trở lên).") in secretary.text
