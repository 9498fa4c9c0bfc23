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
from dataclasses import dataclass
from typing import Any

from tortoise.fields import Field

from core.counters import HeldBumps, bump
from core.events import publish
from core.feeds import home_feed_rows, home_recipients
from federation.notes import status_values
from federation.parse import as_list, id_of, ids_of, tags_of, types_of, visibility_of
from federation.policy import host_of
from inbox.context import Received
from models.accounts import Account
from models.db import database
from models.statements import Script, Statement, run
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


@dataclass(frozen=True)
class _Post:
    """A plain post's row as written: `values` are its fields as `status_values` makes them."""

    values: dict[str, Any]
    author: Account
    reblog_id: None = None

    @property
    def id(self) -> int:
        return self.values["id"]

    @property
    def visibility(self) -> str:
        return self.values["visibility"]


@dataclass(frozen=True)
class PreparedPosts:
    """Plain posts made ready to write: their rows and who sees each (`prepare_plain_posts`)."""

    posts: list[_Post]
    recipients: list[list[int]]
    # The INSERT's values, every post's columns in turn.
    values: list[Any]


async def prepare_plain_posts(run: list[Received]) -> PreparedPosts:
    """The rows of the posts of `run` (each `is_plain`) and their readers, with no write.

    The Python half of applying them (the status rows, sanitised HTML, who sees each), done
    before the transaction: on SQLite a transaction holds the process's one connection, and
    every request's write waits for it, so it should hold it for the statements only.
    """
    posts = [_Post(status_values(r.object, r.actor, None, None), r.actor) for r in run]
    recipients = [await home_recipients(post, post.author, tag_ids=[]) for post in posts]
    return PreparedPosts(posts, recipients, [value for post in posts for value in _row(post)])


@dataclass(frozen=True)
class Stored:
    """What writing plain posts did: one flag per post (stored, or there already), and what is
    left to do for the posts it inserted: their authors' counters and their events."""

    flags: list[bool]
    # (author id, the post's created_at), one per post inserted, in order.
    counted: list[tuple[int, Any]]
    events: list[tuple[str, int, list[int]]]

    def bumps(self) -> HeldBumps:
        counters = HeldBumps()
        for author_id, created_at in self.counted:
            counters.add(Account, author_id, "statuses_count", 1, {"last_status_at": created_at})
        return counters


async def store_plain_posts(prepared: PreparedPosts) -> list[bool]:
    """Store the `prepared` posts, in order, with their home feed rows, counters and events.

    One flag per post: True when stored or already there (a redelivery), False when its
    time-ordered id was taken by another process meanwhile (models/ids.py): nothing of it was
    written, and it is to be tried again with a new id.
    """
    stored = await run(database(), write_plain_posts(prepared))
    for author_id, created_at in stored.counted:
        await bump(Account, author_id, "statuses_count", last_status_at=created_at)
    for event in stored.events:
        await publish(*event)
    return stored.flags


def write_plain_posts(prepared: PreparedPosts) -> Script[Stored]:
    """The statements that store the `prepared` posts and their home feed rows (models/statements.py).

    Counters and events are left to the caller (`Stored`), to write with its transaction's
    other counters and to publish after its commit.
    """
    posts = prepared.posts
    inserted = {row["id"] for row in (yield Statement(_insert_sql(len(posts)), prepared.values)) or ()}
    missing = [post.values["uri"] for post in posts if post.id not in inserted]
    present: set[str] = set()
    if missing:
        marks = ", ".join("?" * len(missing))
        found = yield Statement(f"SELECT uri FROM statuses WHERE uri IN ({marks})", missing)
        present = {row["uri"] for row in found or ()}
    entries: list[tuple[int, int]] = []
    counted: list[tuple[int, Any]] = []
    events: list[tuple[str, int, list[int]]] = []
    for post, recipients in zip(posts, prepared.recipients, strict=True):
        if post.id not in inserted:
            continue
        counted.append((post.author.id, post.values["created_at"]))
        entries += [(account_id, post.id) for account_id in recipients]
        events.append(("update", post.id, recipients))
    if entries:
        yield home_feed_rows(entries)
    return Stored([post.id in inserted or post.values["uri"] in present for post in posts], counted, events)


def _row(post: _Post) -> list[Any]:
    """What Tortoise writes for `Status(**post.values, account=post.author, in_reply_to=None)`, in `_columns` order.

    As Model.__init__ and the INSERT do it: a given value passes to_python_value, a missing
    one is the field's default, and each then to_db_value. Building the instance itself took
    a third of applying a plain post.
    """
    given = post.values | {"account_id": post.author.id}
    row = []
    for name, field in _columns():
        if name in given:
            value = given[name]
            if value is None and not field.null:
                raise ValueError(f"{name} is non nullable field, but null was passed")
            value = field.to_python_value(value) if name != "account_id" else value
        else:
            value = field.default() if callable(field.default) else field.default
        row.append(field.to_db_value(value, Status))
    return row


@functools.cache
def _columns() -> tuple[tuple[str, Field], ...]:
    # The columns Tortoise itself writes for a new status (every field; none is generated).
    fields = Status._meta.fields_map
    return tuple((name, fields[name]) for name in Status._meta.fields_db_projection)


@functools.cache
def _insert_sql(count: int) -> str:
    projection = Status._meta.fields_db_projection
    names = ", ".join(f'"{projection[name]}"' for name, _ in _columns())
    row = "(" + ", ".join("?" * len(_columns())) + ")"
    return f"INSERT INTO statuses ({names}) VALUES {', '.join([row] * count)} ON CONFLICT DO NOTHING RETURNING id"
