"""Plain posts applied as they arrive, in the same transaction that stores them as inbox items.

Most of what a node receives is a plain post (inbox/plain_posts.py) by an actor it knows.
Queued, each cost a second round: the worker claimed its row, parsed its body again, loaded its
actor, applied it, and marked it done, each a statement and, on SQLite, a wait for the one
connection. The inbox's group writer (inbox/store.py) instead applies the plain posts of a
group itself: prepared before its transaction, written in it together with the group's rows
(the applied ones stored as done), published after the commit. A 202 then means the post is
in its readers' home feeds. Whatever is not plain, or is by an actor not known and fresh (the
worker may have to fetch it), is queued as before, as is the whole group should applying it
fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.events import Event, publish_all
from core.feeds import find_audiences, known_audiences
from federation.actors import known_actors
from inbox.context import Received
from inbox.plain_posts import PreparedPosts, prepare_plain_posts, write_plain_posts
from inbox.processing import takes_plain_path
from models.accounts import Account
from models.reads import rows
from models.statements import Script, Statement
from node import Node


@dataclass(frozen=True)
class Candidate:
    """A received Create that may be a plain post: its activity and who sent it."""

    node: Node
    activity_id: str
    actor_uri: str
    activity: dict[str, Any]


@dataclass
class Plan:
    """The plain posts of a group, prepared: `positions` are their places in the group."""

    positions: list[int]
    prepared: PreparedPosts
    events: list[Event] = field(default_factory=list)

    def script(self, rows: Callable[[dict[int, bool]], Statement]) -> Script[dict[int, bool]]:
        """The statements that store the posts, their counters and then the group's inbox rows
        (`rows`, given whether each planned post was stored, by position), as one transaction.

        A post not stored met a time-ordered id taken meanwhile (models/ids.py): it is to be
        queued, and the worker tries it again with a new id.
        """
        stored = yield from write_plain_posts(self.prepared)
        yield from stored.bumps().statements()
        applied = dict(zip(self.positions, stored.flags, strict=True))
        yield rows(applied)
        self.events = list(stored.events)
        return applied

    async def publish(self) -> None:
        """After the commit: the new posts' events."""
        await publish_all(self.events)


# How long the actors read for one group serve the next: a busy inbox hears from the same
# actors group after group, and reading their rows (all of every account's columns, made into
# models) was a tenth of accepting a post. A change to an actor's row shows in its posts this
# much later at most; what they are read for here (its id, addresses and freshness) seldom
# changes, and its counters are written by increments, never from these instances.
RECENT_SECONDS = 1.0
RECENT_MOST = 4096


class RecentActors:
    """The known actors (federation.actors.known_actors) read within the last RECENT_SECONDS,
    for one group writer; the instances are only read, never saved. Those older are dropped as
    new ones are read, so it holds about the actors of the last few seconds (at most RECENT_MOST)."""

    def __init__(self, seconds: float = RECENT_SECONDS) -> None:
        self.seconds = seconds
        self._kept: dict[str, tuple[float, Account]] = {}
        self._pruned_at = 0.0

    async def known(self, uris: Iterable[str]) -> dict[str, Account]:
        now = asyncio.get_running_loop().time()
        found: dict[str, Account] = {}
        wanted = []
        for uri in set(uris):
            kept = self._kept.get(uri)
            if kept is not None and now - kept[0] < self.seconds:
                found[uri] = kept[1]
            else:
                wanted.append(uri)
        if wanted:
            if now - self._pruned_at > self.seconds:
                self._kept = {uri: kept for uri, kept in self._kept.items() if now - kept[0] < self.seconds}
                self._pruned_at = now
            for uri, account in (await known_actors(wanted)).items():
                if len(self._kept) < RECENT_MOST:
                    self._kept[uri] = (now, account)
                found[uri] = account
        return found

    def __len__(self) -> int:
        return len(self._kept)


async def plan(candidates: Sequence[Candidate | None], recent: RecentActors) -> Plan | None:
    """The plain posts among `candidates` (one per item of a group, None for the others) made
    ready to write; None when there are none. `recent`: the actors of the last groups.

    An activity received before is left to the queue, which skips it: applied again, it would
    bring back a post deleted since.
    """
    seen = await _received_before([c.activity_id for c in candidates if c is not None])
    candidates = [c if c is not None and c.activity_id not in seen else None for c in candidates]
    actors = await recent.known(c.actor_uri for c in candidates if c is not None)
    positions: list[int] = []
    ready: list[Received] = []
    for position, candidate in enumerate(candidates):
        actor = actors.get(candidate.actor_uri) if candidate is not None else None
        if actor is None:
            continue
        received = Received(candidate.node, actor, candidate.activity)
        if takes_plain_path(received):
            positions.append(position)
            ready.append(received)
    if not ready:
        return None
    with known_audiences(await find_audiences(r.actor.id for r in ready)):
        prepared = await prepare_plain_posts(ready)
    return Plan(positions, prepared)


async def _received_before(activity_ids: list[str]) -> set[str]:
    if not activity_ids:
        return set()
    marks = ", ".join("?" * len(activity_ids))
    found = await rows(f"SELECT activity_id FROM inbox_items WHERE activity_id IN ({marks})", activity_ids)
    return {row["activity_id"] for row in found}
