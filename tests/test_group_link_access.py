"""A group chat linked to one cell moves only by that cell's secretaries or its
committee's admins."""

from conversations.core.replies import Incoming, Kind
from tests.conftest import COMMITTEE, record
from tests.secretary_helpers import link

GROUP = "-5001"


async def test_a_linked_group_is_not_taken_by_another_cell_or_committee(
    assistant, repos, clock, org,
):
    other = await repos.org.ensure_committee("Đảng ủy xã Bên Cạnh")
    await repos.org.apply_import(other.id, [
        record("Chi bộ Xóm 1", "Hà Văn Ngoài", "1970-01-01", "2B", "secretary")])
    outsider = (await repos.org.members_of_committee(other.id))[0]

    async def linkgroup(member):
        uid = await link(repos, clock, member)
        return (await assistant.handle(Incoming("telegram", uid, GROUP, Kind.TEXT,
                                                "/linkgroup", is_group=True)))[0].text

    async def linked_cell():
        return await repos.broadcasts.linked_cell("telegram", GROUP)

    duc, bao = org["Trần Văn Đức"], org["Đặng Quốc Bảo"]
    assert "Chi bộ 1" in await linkgroup(duc)
    for intruder in (outsider, bao):  # another committee's secretary; another cell's
        text = await linkgroup(intruder)
        assert "đã được liên kết với một chi bộ khác" in text
        assert await linked_cell() == duc.cell_id
    assert "Chi bộ 1" in await linkgroup(duc)  # the cell's own secretary may link again
    # an admin of the committee who is also a secretary may move it to her cell
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.apply_import(committee.id, [
        record("Chi bộ 2", "Đặng Quốc Bảo", "1975-09-09", "2A", "secretary", "admin")])
    assert "Chi bộ 2" in await linkgroup(bao)
    assert await linked_cell() == bao.cell_id
