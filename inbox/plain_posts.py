"""Plain posts applied many at a time: the common case of the inbox in two statements.

Most of what arrives is a Create of a Note by its own author that answers nobody, mentions
and tags nobody, and carries no media and no poll. For such a post `store_note` only inserts
the status, adds it to its readers' home feeds, counts it and announces it; done one by one,
that was about ten round trips per post (existence check, insert, savepoint, feed rows), on
SQLite each a hand-over to aiosqlite's thread. Here the statuses of a run of them are one
`INSERT … ON CONFLICT DO NOTHING RETURNING id`, their home feed rows one more statement, and
who sees them, the events and the counters are decided by the same code as for one post
(`new_status`, `home_recipients`, `bump`), so the results are those of `store_note`.
Everything else takes the full path.
"""

from __future__ import annotations

import functools

from core.counters import bump
from core.events import publish
from core.feeds import add_to_home_feeds, home_recipients
from federation.notes import new_status
from federation.parse import as_list, id_of, ids_of, tags_of, types_of, visibility_of
from federation.policy import host_of
from inbox.context import Received
from models.accounts import Account
from models.db import database, placeholders
from models.statuses import Status

# Note, Article and Page are stored alike; a Question has a poll.
_PLAIN_TYPES = {"Note", "Article", "Page"}


def is_plain(r: Received) -> bool:
    """Whether `r` is a Create that `store_plain_posts` applies exactly as `on_create` would."""
    obj = r.object
    if r.activity["type"] != "Create" or not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return False
    kinds = types_of(obj)
    if not kinds & _PLAIN_TYPES or "Question" in kinds:
        return False
    # Refused by on_create when not by its author from the author's host; a reply may fetch its
    # parent, and a poll vote is a reply too.
    if id_of(obj.get("attributedTo")) != r.actor.uri or host_of(obj["id"]) != host_of(r.actor.uri):
        return False
    if id_of(obj.get("inReplyTo")) or as_list(obj.get("attachment")) or tags_of(obj) != ([], []):
        return False
    # A direct post starts or joins a conversation (core.conversations.record_direct).
    to, cc = ids_of(obj.get("to")), ids_of(obj.get("cc"))
    return visibility_of(to, cc, r.actor.followers_url) != "direct"


async def store_plain_posts(run: list[Received]) -> list[bool]:
    """Store the posts of `run` (each `is_plain`), in order, with their home feed rows and events.

    One flag per post: True when stored or already there (a redelivery), False when its
    time-ordered id was taken by another process meanwhile (models/ids.py): nothing of it was
    written, and it is to be tried again with a new id.
    """
    statuses = [new_status(r.object, r.actor, None, None) for r in run]
    inserted = await _insert(statuses)
    missing = [status.uri for status in statuses if status.id not in inserted]
    present = set(await Status.filter(uri__in=missing).values_list("uri", flat=True)) if missing else set()
    entries: list[tuple[int, int]] = []
    announced: list[tuple[int, list[int]]] = []
    for r, status in zip(run, statuses, strict=True):
        if status.id not in inserted:
            continue
        await bump(Account, r.actor.id, "statuses_count", last_status_at=status.created_at)
        recipients = await home_recipients(status, r.actor, tag_ids=[])
        entries += [(account_id, status.id) for account_id in recipients]
        announced.append((status.id, recipients))
    if entries:
        await add_to_home_feeds(entries)
    for status_id, recipients in announced:
        await publish("update", status_id, recipients)
    return [status.id in inserted or status.uri in present for status in statuses]


async def _insert(statuses: list[Status]) -> set[int]:
    """Insert the rows of `statuses` that take neither a known uri nor a taken id; returns the ids inserted."""
    db = database()
    columns = _columns()
    fields = Status._meta.fields_map
    values = [fields[name].to_db_value(getattr(status, name), status) for status in statuses for name in columns]
    rows = await db.execute_query_dict(_insert_sql(len(statuses), db.capabilities.dialect), values)
    return {row["id"] for row in rows}


@functools.cache
def _columns() -> tuple[str, ...]:
    # The columns Tortoise itself writes for a new status (every field; none is generated).
    return tuple(Status._meta.fields_db_projection)


@functools.cache
def _insert_sql(count: int, dialect: str) -> str:
    projection = Status._meta.fields_db_projection
    names = ", ".join(f'"{projection[name]}"' for name in _columns())
    row = "(" + ", ".join("?" * len(_columns())) + ")"
    sql = f"INSERT INTO statuses ({names}) VALUES {', '.join([row] * count)} ON CONFLICT DO NOTHING RETURNING id"
    return placeholders(sql, dialect)
