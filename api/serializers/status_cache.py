"""Rendered status entities, kept per process and reused while their render versions stay the same.

Building a page of 40 entities (loading the rows as models, then the dicts) was most of a home
timeline page's time, and the same statuses are read again and again by everyone who follows
their authors. What a status looks like to everyone is kept here under its key: the render
versions (models/migrations/render_versions.py) of the status, its author and, for a boost, the
boosted status and its author, which the database bumps on every change that shows. A page then
costs three queries: the feed page's keys, the viewer's marks (favourited, boosted, bookmarked,
pinned, muted conversations) and, when the page has polls, the polls (whose counts, `expired`
and `own_votes` depend on the moment and the viewer). Entities whose key moved are rendered
again by StatusSerializer and replace the old ones.

Viewers with filters take the full path: which filters match is worked out from the models.
Left out of the key: the mentioned accounts' names, which only change when a remote account is
renamed; such a mention shows the old name until its status changes or leaves the cache.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from api.serializers.polls import polls_for_statuses
from api.serializers.status_facts import status_facts
from api.serializers.statuses import StatusSerializer, add_viewer_state, statuses_by_id
from core.lru import LRU
from models.accounts import Account
from models.reads import ids_sql, rows, table
from models.statuses import Status, conversation_key

# About 5 KB each in memory: 2,048 entities (some 10 MB) hold the newest posts of a busy node.
DEFAULT_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Rendered:
    key: tuple[Any, ...]
    entity: dict[str, Any]  # as an anonymous viewer sees it
    # (status id, author id, conversation) of the status and, for a boost, of the boosted one.
    own: tuple[int, int, str]
    boosted: tuple[int, int, str] | None


class RenderedStatuses:
    """A bounded map of status id → Rendered, the least recently used dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: LRU[int, Rendered] = LRU(size)

    def get(self, status_id: int, key: tuple[Any, ...]) -> Rendered | None:
        """The entity rendered under exactly this key, if kept."""
        entry = self._entries.get(status_id)
        return entry if entry is not None and entry.key == key else None

    def put(self, status_id: int, entry: Rendered) -> None:
        self._entries.put(status_id, entry)

    def __len__(self) -> int:
        return len(self._entries)


def keys_sql(statuses_sql: str) -> str:
    """Each status's key, for the statuses whose ids `statuses_sql` selects."""
    s, a = table(Status), table(Account)
    return (
        "SELECT s.id, s.render_version AS v, a.render_version AS av, s.reblog_id AS rid,"
        " o.render_version AS ov, oa.render_version AS oav"
        f" FROM {s} s JOIN {a} a ON a.id = s.account_id"
        f" LEFT JOIN {s} o ON o.id = s.reblog_id LEFT JOIN {a} oa ON oa.id = o.account_id"
        f" WHERE s.id IN ({statuses_sql})"
    )


async def cached_page(
    cache: RenderedStatuses, base: str, viewer: Account | None, statuses_sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]] | None:
    """The entities of the statuses `statuses_sql` selects, newest first, as `viewer` (None: anyone) sees them.

    `statuses_sql` is a subquery of status ids, or a list of them (models.reads.ids_sql).
    None when the viewer has filters: the caller renders the page in full then.
    """
    keyed = sorted(await rows(keys_sql(statuses_sql), params), key=lambda row: row["id"], reverse=True)
    if not keyed:
        return []
    keys = {row["id"]: (row["v"], row["av"], row["rid"], row["ov"], row["oav"]) for row in keyed}
    # The viewer's part first: a viewer with filters gets the full rendering, so nothing is rendered twice.
    marked = [*keys, *(row["rid"] for row in keyed if row["rid"] is not None)]
    facts = await status_facts(marked, viewer.id if viewer is not None else None, content=False)
    if facts.has_filters:
        return None
    found = {status_id: cache.get(status_id, key) for status_id, key in keys.items()}
    missing = [status_id for status_id, entry in found.items() if entry is None]
    if missing:
        for entry in await _render(base, missing, keys):
            cache.put(int(entry.entity["id"]), entry)
            found[int(entry.entity["id"])] = entry

    entries = [found[row["id"]] for row in keyed if found.get(row["id"]) is not None]
    with_poll = [
        int(entity["id"])
        for entry in entries
        for entity in (entry.entity, entry.entity["reblog"])
        if entity is not None and entity["poll"] is not None
    ]
    polls = await polls_for_statuses(with_poll, viewer) if with_poll else {}

    def personal(entity: dict[str, Any], own: tuple[int, int, str]) -> dict[str, Any]:
        entity = dict(entity)
        if entity["poll"] is not None:
            entity["poll"] = polls.get(own[0], entity["poll"])
        if viewer is not None:
            add_viewer_state(entity, own[0], own[1], own[2], viewer.id, facts.marks, facts.muted)
        return entity

    page = []
    for entry in entries:
        entity = personal(entry.entity, entry.own)
        if entry.boosted is not None and entity["reblog"] is not None:
            entity["reblog"] = personal(entity["reblog"], entry.boosted)
        page.append(entity)
    return page


async def status_entities(
    cache: RenderedStatuses, base: str, viewer: Account | None, status_ids: Collection[int]
) -> dict[int, dict[str, Any]]:
    """The entities of these statuses by id, reused where unchanged (missing statuses left out)."""
    if not status_ids:
        return {}
    entities = await cached_page(cache, base, viewer, ids_sql(status_ids))
    if entities is None:  # the viewer has filters
        entities = await StatusSerializer(base, viewer).many(await statuses_by_id(status_ids))
    return {int(entity["id"]): entity for entity in entities}


async def _render(base: str, status_ids: list[int], keys: dict[int, tuple[Any, ...]]) -> list[Rendered]:
    statuses = await statuses_by_id(status_ids)
    originals = {s.id: s for s in await statuses_by_id({s.reblog_id for s in statuses if s.reblog_id})}
    entities = await StatusSerializer(base, None).many(statuses)
    rendered = []
    for status, entity in zip(statuses, entities, strict=True):
        original = originals.get(status.reblog_id) if status.reblog_id else None
        rendered.append(
            Rendered(
                key=keys[status.id],
                entity=entity,
                own=(status.id, status.account_id, conversation_key(status)),
                boosted=(original.id, original.account_id, conversation_key(original)) if original else None,
            )
        )
    return rendered
