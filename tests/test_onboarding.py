"""Invitations end to end through the dialogue, on a real SQLite file."""

from datetime import timedelta

from conversations.core.menus import (
    MENU,
    ChooseLanguage,
    OpenInvitations,
    OpenReview,
    SetLanguage,
    ShowHelp,
)
from conversations.onboarding.actions import INVITATIONS as INV
from conversations.onboarding.actions import InviteMember
from conversations.onboarding.invitations import display_code, issue_invite, normalise_code


async def _code_for(repos, member, clock, ttl=timedelta(days=30)) -> str:
    return (await issue_invite(repos, member.id, clock(), ttl)).code


async def test_unknown_person_gets_the_explanation_and_nothing_else(org, chat_factory):
    stranger = chat_factory("stranger", channel="telegram")
    for attempt in ("/start", "xin chào", "/help", "/invite", "invite:1"):
        replies = await (stranger.press(attempt) if ":" in attempt else stranger.say(attempt))
        assert len(replies) == 1
        assert "chưa được gắn với đảng viên nào" in replies[0].text
        assert not replies[0].choices
    await stranger.sticker()
    assert "mã mời" in stranger.text


async def test_start_with_code_binds_the_account(org, repos, clock, chat_factory):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    code = await _code_for(repos, nhung, clock)
    chat = chat_factory("tg-1", channel="telegram")
    await chat.say(f"/start {code}")
    assert "Chào đồng chí Nguyễn Thị Hồng Nhung." in chat.text
    assert "Chi bộ 1" in chat.text
    account = await repos.accounts.get("telegram", "tg-1")
    assert account.member_id == nhung.id
    # plain text with separators and lower case works too, for a second channel
    other = chat_factory("console-1")
    await other.say(display_code(code).lower())
    assert "đã được sử dụng" in other.text  # one-time: reuse is refused
    assert (await repos.accounts.get("console", "console-1")).member_id is None


async def test_code_expires(org, repos, clock, chat_factory):
    code = await _code_for(repos, org["Lê Minh Tuấn"], clock, ttl=timedelta(days=30))
    clock.advance(days=30, seconds=1)
    chat = chat_factory("tg-2", channel="telegram")
    await chat.say(f"/start {code}")
    assert "đã hết hạn" in chat.text
    assert (await repos.accounts.get("telegram", "tg-2")).member_id is None


async def test_new_code_replaces_unused_old_one(org, repos, clock, chat_factory):
    tuan = org["Lê Minh Tuấn"]
    old = await _code_for(repos, tuan, clock)
    new = await _code_for(repos, tuan, clock)
    chat = chat_factory("tg-3", channel="telegram")
    await chat.say(old)
    assert "đã được thay bằng mã mới" in chat.text
    await chat.say(new)
    assert "Chào đồng chí Lê Minh Tuấn" in chat.text


async def test_wrong_codes_are_slowed_down_and_remembered(org, repos, clock, chat_factory):
    code = await _code_for(repos, org["Lê Minh Tuấn"], clock)
    guesser = chat_factory("tg-guess", channel="telegram")
    for _ in range(4):
        await guesser.say("/start AAAABBBBCCCC")
        assert "Mã mời không đúng" in guesser.text
    await guesser.say("/start AAAABBBBCCCD")  # the fifth wrong code locks
    assert "nhập sai mã mời quá nhiều lần" in guesser.text
    # even the right code is refused while locked, so guessing gains nothing
    await guesser.say(f"/start {code}")
    assert "quá nhiều lần" in guesser.text
    assert (await repos.accounts.get("telegram", "tg-guess")).member_id is None
    clock.advance(minutes=1, seconds=1)
    await guesser.say("/start AAAABBBBCCCE")  # another wrong one: the lock doubles
    until = await repos.invites.locked_until("telegram", "tg-guess", clock())
    assert until - clock() == timedelta(minutes=2)
    clock.advance(minutes=2, seconds=1)
    await guesser.say(code)
    assert "Chào đồng chí Lê Minh Tuấn" in guesser.text
    assert await repos.invites.locked_until("telegram", "tg-guess", clock()) is None


async def test_account_of_one_member_cannot_take_another_members_code(
    org, repos, clock, chat_factory
):
    chat = chat_factory("tg-4", channel="telegram")
    await chat.say(f"/start {await _code_for(repos, org['Lê Minh Tuấn'], clock)}")
    other_code = await _code_for(repos, org["Nguyễn Thị Hồng Nhung"], clock)
    await chat.say(f"/start {other_code}")
    assert "đã được gắn với một đảng viên khác" in chat.text
    assert (await repos.invites.get(other_code)).used_at is None


async def test_new_phone_releases_the_old_account(org, repos, clock, chat_factory):
    tuan = org["Lê Minh Tuấn"]
    await chat_factory("old-phone", "telegram").say(await _code_for(repos, tuan, clock))
    await chat_factory("new-phone", "telegram").say(await _code_for(repos, tuan, clock))
    accounts = await repos.accounts.of_member(tuan.id)
    assert [a.external_id for a in accounts] == ["new-phone"]


async def _bound_chat(org, repos, clock, chat_factory, name, user_id):
    chat = chat_factory(user_id, "telegram")
    await chat.say(f"/start {await _code_for(repos, org[name], clock)}")
    return chat


async def test_secretary_issues_a_fresh_code_for_own_cell_only(org, repos, clock, chat_factory):
    secretary = await _bound_chat(org, repos, clock, chat_factory, "Trần Văn Đức", "sec-1")
    assert MENU.pack(OpenInvitations()) in secretary.actions()
    await secretary.say("/invite")
    actions = secretary.actions()
    nhung, bao = org["Nguyễn Thị Hồng Nhung"], org["Đặng Quốc Bảo"]
    assert INV.pack(InviteMember(nhung.id)) in actions
    assert INV.pack(InviteMember(bao.id)) not in actions  # another cell is not listed
    await secretary.press(INV.pack(InviteMember(nhung.id)))
    code = normalise_code(secretary.text.split(": ")[1].split("\n")[0])
    assert code and (await repos.invites.get(code)).member_id == nhung.id
    # a crafted button for a member of another cell is refused and issues nothing
    before = await repos.invites.usable_for_members([bao.id], clock())
    await secretary.press(INV.pack(InviteMember(bao.id)))
    assert "chi bộ của mình" in secretary.text
    assert await repos.invites.usable_for_members([bao.id], clock()) == before


async def test_plain_member_cannot_issue_codes(org, repos, clock, chat_factory):
    member = await _bound_chat(org, repos, clock, chat_factory, "Lê Minh Tuấn", "m-1")
    assert MENU.pack(OpenInvitations()) not in member.actions()
    await member.say("/invite")
    assert "dành cho bí thư" in member.text
    await member.press(INV.pack(InviteMember(org['Nguyễn Thị Hồng Nhung'].id)))
    assert "chi bộ của mình" in member.text
    assert await repos.invites.usable_for_members([org["Nguyễn Thị Hồng Nhung"].id], clock()) == {}


async def test_stale_or_crafted_buttons_answer_politely(org, repos, clock, chat_factory):
    member = await _bound_chat(org, repos, clock, chat_factory, "Lê Minh Tuấn", "m-2")
    for data in ("nonsense", "invite-page:x", "lang:xx", "", "a" * 500):
        replies = await member.press(data)
        assert replies and all(r.text for r in replies)


async def test_language_switch_per_user(org, repos, clock, chat_factory):
    member = await _bound_chat(org, repos, clock, chat_factory, "Lê Minh Tuấn", "m-3")
    await member.say("/language")
    assert member.actions() == [MENU.pack(SetLanguage("vi")), MENU.pack(SetLanguage("en"))]
    await member.press(MENU.pack(SetLanguage("en")))
    assert "Language set to English." in member.text
    assert (await repos.org.member(org["Lê Minh Tuấn"].id)).language == "en"
    await member.say("/help")
    assert "Commands:" in member.text
    # another member is still in Vietnamese
    other = await _bound_chat(org, repos, clock, chat_factory, "Nguyễn Thị Hồng Nhung", "m-4")
    await other.say("/help")
    assert "Các lệnh:" in other.text
    await member.say("/language vi")
    assert "Đã chuyển sang tiếng Việt." in member.text


async def test_text_channel_numbers_pick_choices(org, repos, clock, chat_factory):
    chat = chat_factory("console-x")  # console: no buttons
    await chat.say(await _code_for(repos, org["Lê Minh Tuấn"], clock))
    assert chat.actions() == [MENU.pack(a) for a in (OpenReview(), ChooseLanguage(), ShowHelp())]
    await chat.say("3")
    assert "Các lệnh:" in chat.text
    await chat.say("/start")
    await chat.say("7")
    assert "từ 1 đến 3" in chat.text
