"""Who may see a status: `visible` (many statuses at once, as a thread's context asks) answers
exactly as `can_see` does one by one, for every visibility, mention, follow and block."""

from __future__ import annotations

from core.registration import create_local_account
from core.visibility import can_see, visible
from models.relationships import Block, Follow
from models.statuses import Mention, Status


async def test_visible_agrees_with_can_see_for_every_case(db):
    make = lambda name: create_local_account(db.base_url, name, "correct horse battery")  # noqa: E731
    viewer, friend, stranger, blocker, blocked = [
        await make(name) for name in ("viewer", "friend", "stranger", "blocker", "blocked")
    ]
    await Follow.create(account=viewer, target_account=friend)
    await Follow.create(account=viewer, target_account=blocker)
    await Block.create(account=blocker, target_account=viewer)
    await Block.create(account=viewer, target_account=blocked)

    statuses = []
    for author in (viewer, friend, stranger, blocker, blocked):
        for visibility in ("public", "unlisted", "private", "direct"):
            for mentions_viewer in (False, True):
                n = len(statuses)
                status = await Status.create(
                    uri=f"{db.base_url}/s/{n}", url=f"{db.base_url}/s/{n}", content="", text="",
                    account=author, visibility=visibility, to_json=[], cc_json=[],
                )  # fmt: skip
                if mentions_viewer:
                    await Mention.create(status=status, account=viewer)
                statuses.append(status)

    for who in (None, viewer, friend, stranger, blocked):
        one_by_one = [s.id for s in statuses if await can_see(s, who)]
        assert [s.id for s in await visible(statuses, who)] == one_by_one
    seen = {s.id for s in await visible(statuses, viewer)}
    # Spot checks that the cases differ at all: a friend's private post, not a stranger's; nothing of a blocker's.
    by = {(s.account_id, s.visibility, n % 2): s.id for n, s in enumerate(statuses)}
    assert by[(friend.id, "private", 0)] in seen and by[(stranger.id, "private", 0)] not in seen
    assert by[(stranger.id, "direct", 1)] in seen and by[(blocker.id, "public", 0)] not in seen
