"""Who may see a status (core.visibility): every visibility, mention, follow and block, checked
for a whole list at once (as a thread's context asks) and for each status alone (can_see)."""

from __future__ import annotations

from core.registration import create_local_account
from core.visibility import can_see, visible
from models.relationships import Block, Follow
from models.statuses import Mention, Status

VISIBILITIES = ("public", "unlisted", "private", "direct")


async def test_who_sees_which_status(db):
    names = ("viewer", "friend", "stranger", "blocker", "blocked")
    people = {name: await create_local_account(db.base_url, name, "correct horse battery") for name in names}
    viewer = people["viewer"]
    await Follow.create(account=viewer, target_account=people["friend"])
    await Follow.create(account=viewer, target_account=people["blocker"])  # a follow a block overrides
    await Block.create(account=people["blocker"], target_account=viewer)
    await Block.create(account=viewer, target_account=people["blocked"])

    statuses, made = [], {}
    for author in names:
        for visibility in VISIBILITIES:
            for mentions_viewer in (False, True):
                n = len(statuses)
                status = await Status.create(
                    uri=f"{db.base_url}/s/{n}", url=f"{db.base_url}/s/{n}", content="", text="",
                    account=people[author], visibility=visibility, to_json=[], cc_json=[],
                )  # fmt: skip
                if mentions_viewer:
                    await Mention.create(status=status, account=viewer)
                statuses.append(status)
                made[(author, visibility, mentions_viewer)] = status.id

    def ids(*cases: tuple[str, str, bool]) -> list[int]:
        return sorted(made[case] for case in cases)

    both = (False, True)
    expected = {
        # Anyone: the open posts of everyone.
        None: ids(*((a, v, m) for a in names for v in ("public", "unlisted") for m in both)),
        # The viewer: all their own; nothing of whom they block or who blocks them; the open posts
        # of the others, a friend's private ones, and whatever mentions them.
        viewer: ids(
            *((a, v, m) for a in ("viewer",) for v in VISIBILITIES for m in both),
            *((a, v, m) for a in ("friend", "stranger") for v in ("public", "unlisted") for m in both),
            *(("friend", "private", m) for m in both),
            ("friend", "direct", True),
            ("stranger", "private", True),
            ("stranger", "direct", True),
        ),
        # Whom the viewer blocks sees nothing of the viewer's, and no one else's closed posts.
        people["blocked"]: ids(
            *((a, v, m) for a in ("friend", "stranger", "blocker") for v in ("public", "unlisted") for m in both),
            *((a, v, m) for a in ("blocked",) for v in VISIBILITIES for m in both),
        ),
    }
    for who, wanted in expected.items():
        assert sorted(s.id for s in await visible(statuses, who)) == wanted
        assert sorted([s.id for s in statuses if await can_see(s, who)]) == wanted
    # In the order given.
    assert [s.id for s in await visible(statuses[::-1], viewer)] == sorted(expected[viewer], reverse=True)
