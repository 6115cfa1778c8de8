"""ReviewRepo on a real file: a move alone is one statement, and still respects the lock."""

import asyncio

from storage.reviews import Answer


async def test_moves_and_answers_change_only_drafts(repos, org, clock):
    member = org["Lê Minh Tuấn"]
    review = await repos.reviews.start(member.id, 2026, "hd43-2025", "2C", "A.I.1", clock())
    await repos.reviews.save(review.id, clock(), answer=("A.I.1", Answer("Viết.")),
                             appending=True)
    await repos.reviews.save(review.id, clock(), position="A.I.2", appending=False)
    fresh = await repos.reviews.get(review.id)
    assert (fresh.position, fresh.appending, fresh.answers) == (
        "A.I.2", False, {"A.I.1": Answer("Viết.")})
    assert await repos.reviews.of_member(member.id, 2026) == fresh
    assert await repos.reviews.submit(review.id, clock())
    await repos.reviews.save(review.id, clock(), position="A.I.3")
    await repos.reviews.save(review.id, clock(), answer=("A.I.2", Answer("Muộn.")))
    locked = await repos.reviews.get(review.id)
    assert locked.position == "A.I.2" and "A.I.2" not in locked.answers


async def test_a_move_waits_for_an_open_transaction(db, repos, org, clock):
    """A single-statement write never joins (and is never rolled back with) another one."""
    member = org["Lê Minh Tuấn"]
    review = await repos.reviews.start(member.id, 2026, "hd43-2025", "2C", "A.I.1", clock())
    entered, release = asyncio.Event(), asyncio.Event()

    async def failing_transaction():
        try:
            async with db.transaction() as conn:
                await conn.execute("UPDATE reviews SET level = 'good' WHERE id = ?",
                                   (review.id,))
                entered.set()
                await release.wait()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    other = asyncio.create_task(failing_transaction())
    await entered.wait()
    move = asyncio.create_task(repos.reviews.save(review.id, clock(), position="A.I.2"))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(other, move)
    fresh = await repos.reviews.get(review.id)
    assert fresh.position == "A.I.2" and fresh.level is None
