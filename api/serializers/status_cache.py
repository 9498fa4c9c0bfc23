"""Rendered status entities, kept per process and reused while their render versions stay the same.

Building a page of 40 entities (loading the rows as models, then the dicts) was most of a home
timeline page's time, and the same statuses are read again and again by everyone who follows
their authors. What a status looks like to everyone is kept here under its key: the render
versions (models/migrations/render_versions.py) of the status, its author and, for a boost, the
boosted status and its author, which the database bumps on every change that shows. A page then
costs three queries: the feed page's keys, the viewer's marks (favourited, boosted, bookmarked,
pinned, muted conversations) and, when the page has polls, the polls (whose counts, `expired`
and `own_votes` depend on the moment and the viewer). Entities whose key moved are rendered
again by StatusSerializer and replace the old ones. Timeline pages are written from each kept
entity's JSON (encoded once) and the few fields that differ per request (cached_page_json);
notifications, which embed the entities, use the dicts (cached_page).

Viewers with filters take the full path: which filters match is worked out from the models.
Left out of the key: the mentioned accounts' names, which only change when a remote account is
renamed; such a mention shows the old name until its status changes or leaves the cache.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from api.serializers.polls import polls_for_statuses
from api.serializers.render_changes import RenderChanges
from api.serializers.status_facts import StatusFacts, status_facts
from api.serializers.statuses import StatusSerializer, add_viewer_state, statuses_by_id
from core.lru import LRU
from models.accounts import Account
from models.interactions import HomeFeedEntry
from models.reads import backend, ids_value, in_ids, table, tuples
from models.statuses import Status, conversation_key

# About 6.5 KB each in memory with its JSON: 2,048 entities (some 13 MB) hold the newest posts of a busy node.
DEFAULT_SIZE = 2048


# What a page fills in per request: the viewer's marks and, where there is one, the poll
# (counts, `expired` and `own_votes` change with time and viewer) and the boosted status
# (from its own kept parts).
VIEWER_FIELDS = frozenset({"favourited", "reblogged", "bookmarked", "muted", "pinned"})


def head_json(entity: dict[str, Any], boosted: bool) -> bytes:
    """The entity's JSON, encoded once when kept, without its closing brace and without what a
    page fills in: the viewer's fields, a poll, and (`boosted`) the boosted status."""
    left_out = {*VIEWER_FIELDS, *(["poll"] if entity["poll"] is not None else []), *(["reblog"] if boosted else [])}
    return orjson.dumps({name: value for name, value in entity.items() if name not in left_out})[:-1]


@dataclass(frozen=True, slots=True)
class Rendered:
    key: tuple[Any, ...]
    entity: dict[str, Any]  # as an anonymous viewer sees it
    # (status id, author id, conversation) of the status and, for a boost, of the boosted one.
    own: tuple[int, int, str]
    boosted: tuple[int, int, str] | None
    head: bytes  # head_json(entity), and of the boosted entity for a boost
    boosted_head: bytes | None
    generation: int = 0  # RenderChanges.generation when its key was read
    with_poll: tuple[int, ...] = ()  # the ids of its statuses (itself, the boosted one) that have a poll


class RenderedStatuses:
    """A bounded map of status id → Rendered, the least recently used dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: LRU[int, Rendered] = LRU(size)
        self.changes = RenderChanges()

    def get(self, status_id: int, key: tuple[Any, ...]) -> Rendered | None:
        """The entity rendered under exactly this key, if kept."""
        entry = self._entries.get(status_id)
        return entry if entry is not None and entry.key == key else None

    def fresh(self, status_ids: Collection[int]) -> tuple[dict[int, Rendered], list[int]]:
        """The entities kept for these statuses in which nothing changed since (as far as
        `changes` has seen), by id, and the ids of the others. Run for every row of every page."""
        changes = self.changes
        generation, statuses, accounts = changes.generation, changes.statuses, changes.accounts
        quiet = not statuses and not accounts
        found: dict[int, Rendered] = {}
        missing: list[int] = []
        for status_id, entry in zip(status_ids, self._entries.get_each(status_ids), strict=True):
            if entry is None or entry.generation != generation:
                missing.append(status_id)
                continue
            if not quiet:
                version, author_version, _, boosted_version, boosted_author_version = entry.key
                boosted = entry.boosted
                if (
                    statuses.get(status_id, version) > version
                    or accounts.get(entry.own[1], author_version) > author_version
                    or boosted is not None
                    and (
                        statuses.get(boosted[0], boosted_version) > boosted_version
                        or accounts.get(boosted[1], boosted_author_version) > boosted_author_version
                    )
                ):
                    missing.append(status_id)
                    continue
            found[status_id] = entry
        return found, missing

    def put(self, status_id: int, entry: Rendered) -> None:
        self._entries.put(status_id, entry)

    def __len__(self) -> int:
        return len(self._entries)


_KEY_COLUMNS = "SELECT s.id, s.render_version, a.render_version, s.reblog_id, o.render_version, oa.render_version"


@functools.cache
def _keys_of_sql(dialect: str) -> str:
    s, a = table(Status), table(Account)
    return (
        f"{_KEY_COLUMNS} FROM {s} s JOIN {a} a ON a.id = s.account_id"
        f" LEFT JOIN {s} o ON o.id = s.reblog_id LEFT JOIN {a} oa ON oa.id = o.account_id"
        f" WHERE s.id {in_ids(dialect)}"
    )


@dataclass(frozen=True, slots=True)
class PageKeys:
    """Which statuses a page shows: the SQL of their keys (`sql`, `params`) and either their ids
    or the SQL that selects the ids alone (`ids_sql`, same parameters), for when the keys of
    kept entities need not be read (api/serializers/render_changes.py)."""

    sql: str
    params: Sequence[Any]
    ids: Collection[int] | None = None
    ids_sql: str = ""

    async def status_ids(self) -> Collection[int]:
        return self.ids if self.ids is not None else [row[0] for row in await tuples(self.ids_sql, self.params)]


def keys_of(status_ids: Collection[int]) -> PageKeys:
    """The keys of these statuses: the ids are bound, so the text is the same for every page."""
    dialect = backend()
    return PageKeys(_keys_of_sql(dialect), [ids_value(status_ids, dialect)], ids=status_ids)


def home_keys(bounds: str, params: Sequence[Any]) -> PageKeys:
    """The keys of a page of the viewer's home feed (`params`: the viewer's id, then the bounds'),
    with `bounds` from api.pagination.page_sql on `h.status_id`: a join from the feed, about a
    quarter cheaper than `IN`."""
    s, a = table(Status), table(Account)
    feed = f"FROM {table(HomeFeedEntry)} h"
    return PageKeys(
        f"{_KEY_COLUMNS} {feed} JOIN {s} s ON s.id = h.status_id JOIN {a} a ON a.id = s.account_id"
        f" LEFT JOIN {s} o ON o.id = s.reblog_id LEFT JOIN {a} oa ON oa.id = o.account_id"
        f" WHERE h.account_id = ?{bounds}",
        params,
        ids_sql=f"SELECT h.status_id {feed} WHERE h.account_id = ?{bounds}",
    )


@dataclass
class _Page:
    entries: list[Rendered]  # newest first
    facts: StatusFacts
    polls: dict[int, dict[str, Any]]


async def _keyed(
    cache: RenderedStatuses, page: PageKeys, watching: bool
) -> tuple[dict[int, tuple[Any, ...]], dict[int, Rendered], bool]:
    """The page's keys by status id (Rendered.key), its kept entries that are still fresh, and
    whether entries rendered now may be kept.

    Where the changes are watched, kept entries are judged by them and only the keys of the
    others are read; elsewhere every key is read and compared."""
    if watching:
        found, missing = cache.fresh(await page.status_ids())
        keys = {status_id: entry.key for status_id, entry in found.items()}
        if missing:
            unkept = keys_of(missing)
            keys.update((row[0], tuple(row[1:])) for row in await tuples(unkept.sql, unkept.params))
        return keys, found, True
    keys = {row[0]: tuple(row[1:]) for row in await tuples(page.sql, page.params)}
    found = {}
    for status_id, key in keys.items():
        entry = cache.get(status_id, key)
        if entry is not None:
            found[status_id] = entry
    # On SQLite without watching, the read went through a transaction's connection, which sees
    # its own uncommitted writes: what it renders is not kept.
    return keys, found, backend() != "sqlite"


async def _page(cache: RenderedStatuses, base: str, viewer: Account | None, page_keys: PageKeys) -> _Page | None:
    """The kept entries of the statuses of `page_keys` (keys_of, home_keys). None for a viewer with filters."""
    watching = cache.changes.catch_up()
    generation = cache.changes.generation
    keys, found, keep = await _keyed(cache, page_keys, watching)
    if not keys:
        return _Page([], StatusFacts(), {})
    # The viewer's part first: a viewer with filters gets the full rendering, so nothing is rendered twice.
    # (A key's third part is the id of the status it boosts.)
    marked = [*keys, *(key[2] for key in keys.values() if key[2] is not None)]
    facts = await status_facts(marked, viewer.id if viewer is not None else None, content=False)
    if facts.has_filters:
        return None
    missing = [status_id for status_id in keys if status_id not in found]
    if missing:
        # A change seen while these were rendered (or watching begun again) makes them unsafe to keep.
        rendered = await _render(base, missing, keys, generation)
        keep = keep and cache.changes.generation == generation
        for entry in rendered:
            if keep:
                cache.put(entry.own[0], entry)
            found[entry.own[0]] = entry
    entries = [found[status_id] for status_id in sorted(found, reverse=True)]
    with_poll = [status_id for entry in entries for status_id in entry.with_poll]
    polls = await polls_for_statuses(with_poll, viewer) if with_poll else {}
    return _Page(entries, facts, polls)


async def cached_page(
    cache: RenderedStatuses, base: str, viewer: Account | None, status_ids: Collection[int]
) -> list[dict[str, Any]] | None:
    """The entities of these statuses, newest first, as `viewer` (None: anyone) sees them.

    None when the viewer has filters: the caller renders the page in full then.
    """
    page = await _page(cache, base, viewer, keys_of(status_ids))
    if page is None:
        return None

    def personal(entity: dict[str, Any], own: tuple[int, int, str]) -> dict[str, Any]:
        entity = dict(entity)
        if entity["poll"] is not None:
            entity["poll"] = page.polls.get(own[0], entity["poll"])
        if viewer is not None:
            add_viewer_state(entity, own[0], own[1], own[2], viewer.id, page.facts.marks, page.facts.muted)
        return entity

    body = []
    for entry in page.entries:
        entity = personal(entry.entity, entry.own)
        if entry.boosted is not None and entity["reblog"] is not None:
            entity["reblog"] = personal(entity["reblog"], entry.boosted)
        body.append(entity)
    return body


async def cached_page_json(
    cache: RenderedStatuses, base: str, viewer: Account | None, page_keys: PageKeys
) -> tuple[bytes, list[int]] | None:
    """As cached_page for the statuses of `page_keys`, but the page's JSON and its status ids, newest first.

    Each entity is its kept head (encoded once) and its PERSONAL fields, so the 80 KB of a
    full page are neither copied as dicts nor encoded again per request. The same fields
    (key order aside) as cached_page's entities, which tests/api/test_timelines_stay_fresh.py checks.
    """
    page = await _page(cache, base, viewer, page_keys)
    if page is None:
        return None
    out: list[bytes] = [b"["]
    # Most pages: a viewer who marked none of them, and most entries: no poll, no boost.
    unmarked = viewer is not None and not page.facts.muted and not any(page.facts.marks.values())
    viewer_id = viewer.id if viewer is not None else None
    for entry in page.entries:
        if unmarked and entry.boosted is None and not entry.with_poll:
            out.append(entry.head)
            out.append(_NOTHING_MARKED)
            if entry.own[1] == viewer_id:
                out.append(_NOT_PINNED)
            out.append(b"},")
            continue
        _personal_json(out, entry.head, entry.entity, entry.own, page, viewer)
        if entry.boosted is not None and entry.boosted_head is not None:
            out.append(b',"reblog":')
            _personal_json(out, entry.boosted_head, entry.entity["reblog"], entry.boosted, page, viewer)
            out.append(b"}")
        out.append(b"},")
    if len(out) > 1:
        out[-1] = b"}"
    out.append(b"]")
    return b"".join(out), [entry.own[0] for entry in page.entries]


def _flags(*names: str) -> dict[tuple[bool, ...], bytes]:
    """The JSON of every combination of these boolean fields, keyed by their values."""
    return {
        values: b"".join(
            f',"{name}":{"true" if value else "false"}'.encode() for name, value in zip(names, values, strict=True)
        )
        for values in itertools.product((False, True), repeat=len(names))
    }


_MARKS = _flags("favourited", "reblogged", "bookmarked", "muted")
_PINNED = _flags("pinned")
_NOTHING_MARKED, _NOT_PINNED = _MARKS[False, False, False, False], _PINNED[(False,)]


def _personal_json(
    out: list[bytes],
    head: bytes,
    entity: dict[str, Any],
    own: tuple[int, int, str],
    page: _Page,
    viewer: Account | None,
) -> None:
    """Append `head`, the poll and the viewer's fields as add_viewer_state fills them in (no closing brace)."""
    out.append(head)
    poll = entity["poll"]
    if poll is not None:
        out.append(b',"poll":' + orjson.dumps(page.polls.get(own[0], poll)))
    if viewer is not None:
        status_id, marks = own[0], page.facts.marks
        out.append(
            _MARKS[
                status_id in marks["favourited"],
                status_id in marks["reblogged"],
                status_id in marks["bookmarked"],
                own[2] in page.facts.muted,
            ]
        )
        if own[1] == viewer.id:
            out.append(_PINNED[(status_id in marks["pinned"],)])


async def status_entities(
    cache: RenderedStatuses, base: str, viewer: Account | None, status_ids: Collection[int]
) -> dict[int, dict[str, Any]]:
    """The entities of these statuses by id, reused where unchanged (missing statuses left out)."""
    if not status_ids:
        return {}
    entities = await cached_page(cache, base, viewer, status_ids)
    if entities is None:  # the viewer has filters
        entities = await StatusSerializer(base, viewer).many(await statuses_by_id(status_ids))
    return {int(entity["id"]): entity for entity in entities}


async def _render(
    base: str, status_ids: list[int], keys: dict[int, tuple[Any, ...]], generation: int
) -> list[Rendered]:
    statuses = await statuses_by_id(status_ids)
    originals = {s.id: s for s in await statuses_by_id({s.reblog_id for s in statuses if s.reblog_id})}
    entities = await StatusSerializer(base, None).many(statuses)
    rendered = []
    for status, entity in zip(statuses, entities, strict=True):
        original = originals.get(status.reblog_id) if status.reblog_id else None
        inner = entity["reblog"] if original is not None else None
        rendered.append(
            Rendered(
                key=keys[status.id],
                entity=entity,
                own=(status.id, status.account_id, conversation_key(status)),
                boosted=(original.id, original.account_id, conversation_key(original)) if original else None,
                head=head_json(entity, boosted=inner is not None),
                boosted_head=head_json(inner, boosted=False) if inner is not None else None,
                generation=generation,
                with_poll=tuple(int(e["id"]) for e in (entity, entity["reblog"]) if e and e["poll"] is not None),
            )
        )
    return rendered
