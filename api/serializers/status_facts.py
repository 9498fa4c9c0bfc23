"""The small facts a page of statuses needs, gathered in one round trip.

Mentions, hashtags, which statuses have media or a poll, what the viewer did to each status
(favourited, bookmarked, pinned, boosted), the conversations they muted and whether they have
filters: ten small look-ups on every page of every timeline. As one UNION ALL they cost one
query instead of ten (each query is a hop to the database thread or server and back, which
costs more than these index look-ups themselves). Media rows, polls and filters are then read
only for the pages that have any.

Only integers from our own rows are put into the SQL text, so nothing needs quoting.
`muted` is the conversation mute (POST /statuses/:id/mute), not an account mute, as in Mastodon:
all of the viewer's (few) mutes are read, and matched to the page's conversations by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.filters import Filter
from models.interactions import Bookmark, Favourite, Pin
from models.polls import Poll
from models.reads import ids_sql, rows, table
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


def _sql(in_ids: str, viewer: int | None, content: bool) -> str:
    parts = []
    if content:
        parts += [
            _select(
                "mention",
                "status_id",
                "account_id",
                "NULL",
                "NULL",
                f"FROM {table(Mention)} WHERE status_id IN ({in_ids})",
            ),
            _select(
                "tag",
                "l.status_id",
                "t.id",
                "t.name",
                "t.display_name",
                f"FROM {table(StatusTag)} l JOIN {table(Tag)} t ON t.id = l.tag_id WHERE l.status_id IN ({in_ids})",
            ),
            _select(
                "media",
                "status_id",
                "NULL",
                "NULL",
                "NULL",
                f"FROM {table(MediaAttachment)} WHERE status_id IN ({in_ids})",
            ),
            _select("poll", "status_id", "NULL", "NULL", "NULL", f"FROM {table(Poll)} WHERE status_id IN ({in_ids})"),
        ]
    if viewer is not None:
        parts += [
            *(
                _select(
                    mark,
                    "status_id",
                    "NULL",
                    "NULL",
                    "NULL",
                    f"FROM {table(model)} WHERE account_id = {viewer} AND status_id IN ({in_ids})",
                )
                for mark, model in (("favourited", Favourite), ("bookmarked", Bookmark), ("pinned", Pin))
            ),
            _select(
                "reblogged",
                "reblog_id",
                "NULL",
                "NULL",
                "NULL",
                f"FROM {table(Status)} WHERE account_id = {viewer} AND reblog_id IN ({in_ids})",
            ),
            _select(
                "muted",
                "NULL",
                "NULL",
                "conversation_uri",
                "NULL",
                f"FROM {table(ConversationMute)} WHERE account_id = {viewer}",
            ),
            # One row at most: whether the viewer has any filter at all (most have none).
            _select(
                "filters",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
                f"FROM {table(Filter)} WHERE id IN"
                f" (SELECT id FROM {table(Filter)} WHERE account_id = {viewer} LIMIT 1)",
            ),
        ]
    return " UNION ALL ".join(parts)


async def status_facts(status_ids: Sequence[int], viewer_id: int | None, content: bool = True) -> StatusFacts:
    """`content=False`: only the viewer's part (marks, muted conversations, filters), for cached entities."""
    facts = StatusFacts()
    if not status_ids or (not content and viewer_id is None):
        return facts
    for row in await rows(_sql(ids_sql(status_ids), None if viewer_id is None else int(viewer_id), content)):
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
        else:
            facts.marks[kind].add(int(row["sid"]))
    return facts
