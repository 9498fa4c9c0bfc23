"""The small facts a page of statuses needs, gathered in one round trip.

Mentions, hashtags, which statuses have media or a poll, what the viewer did to each status
(favourited, bookmarked, pinned, boosted), the conversations they muted and whether they have
filters: ten small look-ups on every page of every timeline. As one UNION ALL they cost one
query instead of ten (each query is a hop to the database thread or server and back, which
costs more than these index look-ups themselves); on SQLite's read connection, where there is
no hop, they run one by one (models.reads.union_rows). Media rows, polls and filters are then
read only for the pages that have any.

The page's ids and the viewer are bound parameters, so each of the few texts is prepared once.
`muted` is the conversation mute (POST /statuses/:id/mute), not an account mute, as in Mastodon:
all of the viewer's (few) mutes are read, and matched to the page's conversations by the caller.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.filters import Filter
from models.interactions import Bookmark, Favourite, Pin
from models.polls import Poll
from models.reads import backend, ids_value, in_ids, table, union_rows
from models.statuses import ConversationMute, MediaAttachment, Mention, Status, StatusTag, Tag

VIEWER_MARKS = ("favourited", "bookmarked", "pinned", "reblogged")


@dataclass
class StatusFacts:
    mentions: list[tuple[int, int]] = field(default_factory=list)  # (status id, account id)
    tags: dict[int, list[Tag]] = field(default_factory=lambda: defaultdict(list))
    with_media: set[int] = field(default_factory=set)
    with_poll: set[int] = field(default_factory=set)
    marks: dict[str, set[int]] = field(default_factory=lambda: {mark: set() for mark in VIEWER_MARKS})
    muted: set[str] = field(default_factory=set)
    has_filters: bool = False


def _select(kind: str, sid: str, ref: str, name: str, display: str, rest: str) -> str:
    # Every branch names its columns: whichever comes first names the result's.
    return f"SELECT '{kind}' AS kind, {sid} AS sid, {ref} AS ref, {name} AS name, {display} AS display {rest}"


# What each part's `?` parameters are, in order: the page's ids, the viewer's id, the lowest
# and highest of the page's ids.
IDS, VIEWER, LOW, HIGH = "ids", "viewer", "low", "high"


@functools.cache
def _parts(dialect: str, viewer: bool, content: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each part's SQL and the names of its parameters."""
    ids = in_ids(dialect)
    parts: list[tuple[str, tuple[str, ...]]] = []
    if content:
        content_parts = [
            _select(
                "mention",
                "status_id",
                "account_id",
                "NULL",
                "NULL",
                f"FROM {table(Mention)} WHERE status_id {ids}",
            ),
            _select(
                "tag",
                "l.status_id",
                "t.id",
                "t.name",
                "t.display_name",
                f"FROM {table(StatusTag)} l JOIN {table(Tag)} t ON t.id = l.tag_id WHERE l.status_id {ids}",
            ),
            _select(
                "media",
                "status_id",
                "NULL",
                "NULL",
                "NULL",
                f"FROM {table(MediaAttachment)} WHERE status_id {ids}",
            ),
            _select("poll", "status_id", "NULL", "NULL", "NULL", f"FROM {table(Poll)} WHERE status_id {ids}"),
        ]
        parts = [(sql, (IDS,)) for sql in content_parts]
    if viewer:
        parts += _viewer_parts()
    return tuple(parts)


def _viewer_parts() -> list[tuple[str, tuple[str, ...]]]:
    # Favourites, bookmarks and pins by the range of the page's ids, in one statement with the
    # viewer's muted conversations and filters: an index range scan on (account_id, status_id)
    # finds the viewer's few rows in the page's span (status_facts keeps those of the page),
    # where 40 look-ups from a bound list cost about 17 us a table on SQLite against about 4 us
    # for all three ranges. (A look-up by the list inside a compound statement is slower still.)
    # The viewer's boosts likewise, by the range of what they boost, in an index of boosts by
    # booster (statuses_boosts_by_account, models/migrations/reference_indexes.py): by the
    # list, 40 look-ups were two thirds of the marks' time on SQLite.
    boosts = f"FROM {table(Status)} WHERE account_id = ? AND reblog_id BETWEEN ? AND ? AND reblog_id IS NOT NULL"
    ranged = " UNION ALL ".join(
        [
            *(
                _select(mark, "status_id", "NULL", "NULL", "NULL", f"FROM {table(model)} WHERE account_id = ? {_SPAN}")
                for mark, model in (("favourited", Favourite), ("bookmarked", Bookmark), ("pinned", Pin))
            ),
            _select("reblogged", "reblog_id", "NULL", "NULL", "NULL", boosts),
            *_viewer_state(),
        ]
    )
    return [(ranged, (VIEWER, LOW, HIGH) * 4 + (VIEWER, VIEWER))]


_SPAN = "AND status_id BETWEEN ? AND ?"


def _viewer_state() -> list[str]:
    return [
        _select(
            "muted",
            "NULL",
            "NULL",
            "conversation_uri",
            "NULL",
            f"FROM {table(ConversationMute)} WHERE account_id = ?",
        ),
        # One row at most: whether the viewer has any filter at all (most have none).
        _select(
            "filters",
            "NULL",
            "NULL",
            "NULL",
            "NULL",
            f"FROM {table(Filter)} WHERE id IN (SELECT id FROM {table(Filter)} WHERE account_id = ? LIMIT 1)",
        ),
    ]


async def status_facts(status_ids: Sequence[int], viewer_id: int | None, content: bool = True) -> StatusFacts:
    """`content=False`: only the viewer's part (marks, muted conversations, filters), for cached entities."""
    facts = StatusFacts()
    if not status_ids or (not content and viewer_id is None):
        return facts
    dialect = backend()
    values: dict[str, Any] = {
        VIEWER: None if viewer_id is None else int(viewer_id),
        LOW: int(min(status_ids)),
        HIGH: int(max(status_ids)),
    }
    if content:  # the viewer's part is all ranges: the id list is bound only for the content's look-ups
        values[IDS] = ids_value(status_ids, dialect)
    on_page = {int(i) for i in status_ids}
    parts = _parts(dialect, viewer_id is not None, content)
    for row in await union_rows([(sql, [values[name] for name in names]) for sql, names in parts]):
        kind = row["kind"]
        if kind == "mention":
            facts.mentions.append((int(row["sid"]), int(row["ref"])))
        elif kind == "tag":
            tag = Tag._init_from_db(id=row["ref"], name=row["name"], display_name=row["display"])
            facts.tags[int(row["sid"])].append(tag)
        elif kind == "media":
            facts.with_media.add(int(row["sid"]))
        elif kind == "poll":
            facts.with_poll.add(int(row["sid"]))
        elif kind == "muted":
            facts.muted.add(row["name"])
        elif kind == "filters":
            facts.has_filters = True
        elif (sid := int(row["sid"])) in on_page:  # a mark found by the page's span may be off the page
            facts.marks[kind].add(sid)
    return facts
