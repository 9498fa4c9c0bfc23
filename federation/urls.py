"""Where this node's ActivityPub objects live. One place, so ids never drift apart."""

from __future__ import annotations

from models.ids import new_id

INSTANCE_ACTOR_USERNAME = "instance.actor"


def actor(base: str, username: str) -> str:
    return f"{base}/users/{username}"


def key_id(base: str, username: str) -> str:
    return actor(base, username) + "#main-key"


def inbox(base: str, username: str) -> str:
    return actor(base, username) + "/inbox"


def shared_inbox(base: str) -> str:
    return f"{base}/inbox"


def outbox(base: str, username: str) -> str:
    return actor(base, username) + "/outbox"


def followers(base: str, username: str) -> str:
    return actor(base, username) + "/followers"


def following(base: str, username: str) -> str:
    return actor(base, username) + "/following"


def featured(base: str, username: str) -> str:
    return actor(base, username) + "/collections/featured"


def profile_page(base: str, username: str) -> str:
    return f"{base}/@{username}"


def status(base: str, username: str, status_id: int) -> str:
    return actor(base, username) + f"/statuses/{status_id}"


def status_page(base: str, username: str, status_id: int) -> str:
    return f"{base}/@{username}/{status_id}"


def activity(base: str, username: str, kind: str, local_id: int | str) -> str:
    """Ids for activities that are not objects of their own (Follow, Like, Undo...)."""
    return actor(base, username) + f"#{kind}/{local_id}"


def new_activity(base: str, username: str, kind: str) -> str:
    """A fresh id for an activity of `kind` ("follows", "likes", "undo"...) by a local account."""
    return activity(base, username, kind, new_id())


def tag_page(base: str, name: str) -> str:
    return f"{base}/tags/{name}"


def report(base: str, report_id: int) -> str:
    """The id of the Flag that forwards a report to another node."""
    return f"{base}/reports/{report_id}"
