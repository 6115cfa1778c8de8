"""Who may issue an invitation code for whom, tried by the wrong people on purpose, and
what the account a new code unlinks is told."""

from datetime import timedelta

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.onboarding.actions import INVITATIONS, ConfirmInvite, InviteMember
from conversations.onboarding.invitations import issue_invite, normalise_code
from tests.secretary_helpers import link, outbox, with_deputy


def _code_in(text: str) -> str | None:
    for line in text.splitlines():
        if ": " in line and (code := normalise_code(line.rsplit(": ", 1)[1])):
            return code
    return None


async def _nothing_issued(repos, clock, member) -> bool:
    return await repos.invites.usable_for_members([member.id], clock()) == {}


async def test_a_secretary_cannot_issue_codes_for_role_holders_or_other_cells(
    repos, clock, chat_factory, org,
):
    org = await with_deputy(repos)
    # Bảo: secretary of Chi bộ 2, where Mai is a committee admin; Hà: deputy of Chi bộ 1,
    # whose secretary is Đức
    bao = chat_factory(await link(repos, clock, org["Đặng Quốc Bảo"]), "telegram")
    deputy = chat_factory(await link(repos, clock, org["Phạm Thu Hà"]), "telegram")
    mai, duc = org["Bùi Thị Mai"], org["Trần Văn Đức"]

    await bao.say("/invite")
    # the admin of her cell is not offered
    assert INVITATIONS.pack(InviteMember(mai.id)) not in bao.actions()
    for chat, target in ((bao, mai), (deputy, duc), (bao, org["Nguyễn Thị Hồng Nhung"])):
        for forged in (INVITATIONS.pack(InviteMember(target.id)),
                       INVITATIONS.pack(ConfirmInvite(target.id))):
            replies = await chat.press(forged)
            assert len(replies) == 1 and _code_in(chat.text) is None, (forged, chat.text)
        assert await _nothing_issued(repos, clock, target)
    await bao.press(INVITATIONS.pack(InviteMember(mai.id)))
    assert "kiemdiem invites" in bao.text and "quản trị" in bao.text
    await deputy.press(INVITATIONS.pack(InviteMember(duc.id)))
    assert "kiemdiem invites" in deputy.text  # (in English for her)
    await bao.press(INVITATIONS.pack(InviteMember(org['Nguyễn Thị Hồng Nhung'].id)))
    assert "chi bộ của mình" in bao.text
    await bao.press("inv.ok:abc")
    assert bao.last and bao.last[0].text


async def test_an_admin_issues_codes_for_secretaries_of_the_committee(
    repos, clock, chat_factory, org,
):
    admin = chat_factory(await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    duc = org["Trần Văn Đức"]
    await admin.press(INVITATIONS.pack(InviteMember(duc.id)))
    code = _code_in(admin.text)
    assert code and (await repos.invites.get(code)).member_id == duc.id


async def test_relinking_a_linked_member_is_confirmed_and_the_old_account_is_told(
    repos, clock, chat_factory, org,
):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    old_phone = await link(repos, clock, nhung)
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.press(INVITATIONS.pack(InviteMember(nhung.id)))
    assert "đã gắn với một tài khoản" in secretary.text and _code_in(secretary.text) is None
    assert await _nothing_issued(repos, clock, nhung)
    assert INVITATIONS.pack(ConfirmInvite(nhung.id)) in secretary.actions()
    await secretary.press(INVITATIONS.pack(ConfirmInvite(nhung.id)))
    code = _code_in(secretary.text)
    assert code is not None

    newcomer = chat_factory("new-phone", "telegram")
    await newcomer.say(f"/start {code}")
    assert "Chào đồng chí Nguyễn Thị Hồng Nhung" in newcomer.text
    [(member_id, chat_id, notice)] = await outbox(repos, "unlinked")
    assert (member_id, chat_id) == (nhung.id, old_phone)
    assert "không còn gắn với đồng chí Nguyễn Thị Hồng Nhung" in notice.text
    assert "đồng chí Trần Văn Đức" in notice.text  # who issued the code


async def test_a_code_from_the_command_line_names_the_committee(repos, clock, chat_factory, org):
    tuan = org["Lê Minh Tuấn"]
    await link(repos, clock, tuan)
    code = (await issue_invite(repos, tuan.id, clock(), timedelta(days=30))).code
    await chat_factory("another", "telegram").say(code)
    [(_member, _chat, notice)] = await outbox(repos, "unlinked")
    assert "cấp ủy" in notice.text


async def test_a_flood_of_fresh_accounts_hits_the_channel_limit(
    repos, forms, clock, chat_factory, org,
):
    limit = AssistantConfig().channel_wrong_codes_per_minute
    tuan = org["Lê Minh Tuấn"]
    code = (await issue_invite(repos, tuan.id, clock(), timedelta(days=30))).code
    for n in range(100):  # 100 fresh accounts, 4 guesses each, within the same minute
        guesser = chat_factory(f"bot-{n}", "telegram")
        for guess in range(4):
            await guesser.say(f"/start {n:08d}{guess:04d}")
            assert guesser.last and guesser.last[0].text
    checked = await repos.db.fetchone("SELECT sum(failures) FROM invite_failures")
    assert checked[0] == limit  # every guess past the limit was refused unchecked
    assert "thử lại sau ít phút" in guesser.text

    member = chat_factory("tuan-phone", "telegram")
    await member.say(f"/start {code}")  # even a right code waits: the flood gains nothing
    assert "kể cả mã đúng" in member.text
    assert (await repos.invites.get(code)).used_at is None
    console = chat_factory("tuan-console", "console")  # another channel is not affected
    await console.say("AAAA-BBBB-CCCC")
    assert "Mã mời không đúng" in console.text

    # the limit survives a restart, and lifts after a few minutes
    restarted = Assistant(repos, forms, AssistantConfig(), clock)
    member.assistant = restarted
    await member.say(f"/start {code}")
    assert "kể cả mã đúng" in member.text
    clock.advance(seconds=AssistantConfig().channel_lock.total_seconds() + 1)
    await member.say(f"/start {code}")
    assert "Chào đồng chí Lê Minh Tuấn" in member.text


async def test_no_code_for_a_member_removed_from_the_list(repos, clock, chat_factory, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    await repos.org.remove_members([nhung.id], clock())
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    await secretary.say("/invite")
    assert INVITATIONS.pack(InviteMember(nhung.id)) not in secretary.actions()
    await secretary.press(INVITATIONS.pack(InviteMember(nhung.id)))  # a forged or stale button
    assert "không còn trong danh sách" in secretary.text
    assert await _nothing_issued(repos, clock, nhung)


async def test_a_typed_number_after_the_code_never_issues_another(repos, clock, chat_factory,
                                                                   org):
    """On a text-only channel the numbers name the choices last shown: after a code is
    given, "1" must not reach the list or the confirmation that came before it."""
    nhung = org["Nguyễn Thị Hồng Nhung"]
    await link(repos, clock, nhung)  # already linked: a new code needs confirming
    secretary = chat_factory(await link(repos, clock, org["Trần Văn Đức"], "console"),
                             "console")
    await secretary.say("/invite")
    listed = secretary.actions()
    await secretary.say(str(listed.index(INVITATIONS.pack(InviteMember(nhung.id))) + 1))
    assert INVITATIONS.pack(ConfirmInvite(nhung.id)) == secretary.actions()[0]
    await secretary.say("1")
    first = _code_in(secretary.text)
    assert first is not None
    await secretary.say("1")  # the same number again
    assert _code_in(secretary.text) is None
    assert INVITATIONS.pack(InviteMember(nhung.id)) in secretary.actions()  # the list again
    usable = await repos.invites.usable_for_members([nhung.id], clock())
    assert usable[nhung.id].code == normalise_code(first)
