"""A thread's ancestors come from one recursive query: oldest first, at most ANCESTORS_LIMIT of
them, and a loop in the chain (remote posts can reply to each other) ends at the first repeat."""

from __future__ import annotations

from api.statuses import ANCESTORS_LIMIT, _ancestors, _descendants
from core.registration import create_local_account
from models.statuses import Status


async def _thread(db, author, length: int) -> list[Status]:
    chain: list[Status] = []
    for n in range(length):
        chain.append(
            await Status.create(
                uri=f"{db.base_url}/s/{n}",
                url=f"{db.base_url}/s/{n}",
                content="",
                text="",
                account=author,
                visibility="public",
                to_json=[],
                cc_json=[],
                in_reply_to=chain[-1] if chain else None,
            )  # fmt: skip
        )
    return chain


async def test_ancestors_run_oldest_first_up_to_the_limit(db):
    alice = await create_local_account(db.base_url, "alice", "correct horse battery")
    chain = await _thread(db, alice, ANCESTORS_LIMIT + 5)
    assert [s.id for s in await _ancestors(chain[3], alice)] == [s.id for s in chain[:3]]
    assert [s.id for s in await _ancestors(chain[-1], None)] == [s.id for s in chain[-1 - ANCESTORS_LIMIT : -1]]
    assert [s.id for s in await _descendants(chain[-4], alice)] == [s.id for s in chain[-3:]]


async def test_a_loop_in_the_chain_ends_at_the_first_repeat(db):
    alice = await create_local_account(db.base_url, "alice", "correct horse battery")
    first, second, third = await _thread(db, alice, 3)
    await Status.filter(id=first.id).update(in_reply_to_id=third.id)  # first answers third: a loop
    assert [s.id for s in await _ancestors(third, alice)] == [first.id, second.id]
