"""Remote posts: a Note (or Article, Page, Question) from another node stored as a Status."""

from __future__ import annotations

from typing import Any

from core.conversations import record_direct
from core.counters import bump
from core.feeds import announce_edit, fan_out
from core.html import sanitize
from core.notifications import notify
from core.statuses import apply_edit
from federation.actors import fetch_actor, fetch_document
from federation.errors import FetchError
from federation.parse import (
    attachments_of,
    id_of,
    ids_of,
    parse_datetime,
    tags_of,
    text_of,
    types_of,
    visibility_of,
)
from federation.policy import host_of
from federation.polls import store_question_poll
from models.accounts import Account
from models.base import utcnow
from models.ids import id_published
from models.statuses import MediaAttachment, Mention, Status, StatusTag, Tag
from node import Node

NOTE_TYPES = {"Note", "Article", "Page", "Question"}
MAX_ANCESTORS = 8


async def fetch_note(node: Node, uri: str, depth: int = 0) -> Status:
    """The Status for a post's id: known already, or fetched from its node (with its author)."""
    existing = await Status.get_or_none(uri=uri)
    if existing is not None:
        return existing
    document = await fetch_document(node, uri)
    if not types_of(document) & NOTE_TYPES:
        raise FetchError(f"{uri} is not a post")
    author_uri = id_of(document.get("attributedTo"))
    if not author_uri or host_of(author_uri) != host_of(uri):
        raise FetchError(f"{uri} is not attributed to an actor on its own host")
    author = await fetch_actor(node, author_uri)
    return await store_note(node, document, author, depth=depth + 1)


async def store_note(node: Node, document: dict[str, Any], author: Account, depth: int = 0) -> Status:
    """Create the Status for a Note, or return the one we already have. Notifies and fans out."""
    uri = document["id"]
    existing = await Status.get_or_none(uri=uri)
    if existing is not None:
        return existing
    parent: Status | None = None
    parent_uri = id_of(document.get("inReplyTo"))
    if parent_uri:
        parent = await Status.get_or_none(uri=parent_uri)
        if parent is None and depth < MAX_ANCESTORS:
            try:
                parent = await fetch_note(node, parent_uri, depth)
            except FetchError:
                parent = None  # the thread stays incomplete; the reply is still shown
    status = new_status(document, author, parent, parent_uri)
    await status.save()
    mentioned, tag_ids = await _link_mentions_and_tags(status, document)
    await _store_attachments(status, author, document)
    await store_question_poll(status, document)
    await bump(Account, author.id, "statuses_count", last_status_at=status.created_at)
    if parent is not None:
        await bump(Status, parent.id, "replies_count")
    await fan_out(status, author, tag_ids=tag_ids)
    await record_direct(status)
    for account in mentioned:
        await notify(account, author, "mention", status)
    return status


def new_status(document: dict[str, Any], author: Account, parent: Status | None, parent_uri: str | None) -> Status:
    """The unsaved Status for a received Note by `author`, answering `parent` (or the unknown `parent_uri`)."""
    return Status(**status_values(document, author, parent, parent_uri), account=author, in_reply_to=parent)


def status_values(
    document: dict[str, Any], author: Account, parent: Status | None, parent_uri: str | None
) -> dict[str, Any]:
    """The fields of `new_status` but its two relations (`account`, `in_reply_to`): for writing rows directly."""
    uri = document["id"]
    to, cc = ids_of(document.get("to")), ids_of(document.get("cc"))
    published = parse_datetime(document.get("published")) or utcnow()
    return {
        "id": id_published(published, utcnow()),
        "uri": uri,
        "url": id_of(document.get("url")) or uri,
        "local": False,
        "in_reply_to_uri": parent_uri,
        "in_reply_to_account_id": parent.account_id if parent else None,
        "content": sanitize(text_of(document.get("content")) or text_of(document.get("contentMap"))),
        "spoiler_text": text_of(document.get("summary"))[:1000],
        "sensitive": bool(document.get("sensitive", False)),
        "visibility": visibility_of(to, cc, author.followers_url),
        "language": _language(document),
        "conversation_uri": id_of(document.get("conversation")) or id_of(document.get("context")),
        "created_at": published,
        "to_json": to,
        "cc_json": cc,
    }


async def update_note(status: Status, document: dict[str, Any]) -> bool:
    """Apply an edit received in an Update, keeping the earlier version in the history.

    Returns False when only a poll's counts changed: Mastodon sends an Update(Question) for each
    batch of votes, and like Mastodon (ProcessStatusUpdateService) we record no edit for that.
    """
    content = sanitize(text_of(document.get("content")) or text_of(document.get("contentMap")))
    spoiler_text = text_of(document.get("summary"))[:1000]
    sensitive = bool(document.get("sensitive", False))
    poll = await store_question_poll(status, document)
    if poll is not None and (content, spoiler_text, sensitive) == (
        status.content,
        status.spoiler_text,
        status.sensitive,
    ):
        return False
    await apply_edit(status, content, spoiler_text, sensitive, parse_datetime(document.get("updated")) or utcnow())
    await StatusTag.filter(status_id=status.id).delete()
    await MediaAttachment.filter(status_id=status.id).delete()
    await _link_mentions_and_tags(status, document)
    await _store_attachments(status, await status.account, document)
    await announce_edit(status)
    return True


def _language(document: dict[str, Any]) -> str | None:
    content_map = document.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        language = next(iter(content_map))
        return language[:16] if language != "und" else None
    return None


async def _link_mentions_and_tags(status: Status, document: dict[str, Any]) -> tuple[list[Account], list[int]]:
    """Mentions of accounts we know (local ones always) and hashtags; returns the local mentioned and the tag ids."""
    mention_uris, hashtags = tags_of(document)
    accounts = await Account.filter(uri__in=mention_uris) if mention_uris else []
    if accounts:
        mentions = [Mention(status_id=status.id, account_id=a.id) for a in accounts]
        await Mention.bulk_create(mentions, ignore_conflicts=True)
    tag_ids = []
    for name in {h.lower(): h for h in reversed(hashtags)}.values():
        tag, _ = await Tag.get_or_create(name=name.lower(), defaults={"display_name": name})
        await StatusTag.get_or_create(status_id=status.id, tag_id=tag.id)
        tag_ids.append(tag.id)
    return [a for a in accounts if a.local], tag_ids


async def _store_attachments(status: Status, author: Account, document: dict[str, Any]) -> None:
    for values in attachments_of(document)[:8]:
        await MediaAttachment(account=author, status=status, **values).save()
