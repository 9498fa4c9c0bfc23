"""Status entities, built for a whole page at once: a fixed number of queries, never one per status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from api.serializers.filters import filter_results
from api.serializers.polls import polls_for_statuses
from api.serializers.status_facts import status_facts
from federation import urls
from models.accounts import Account
from models.reads import ids_sql, instances, table
from models.statuses import MediaAttachment, Status, Tag, conversation_key


def media_entity(media: MediaAttachment, base: str) -> dict[str, Any]:
    url = f"{base}/media/{media.file}" if media.file else media.remote_url
    preview = f"{base}/media/{media.preview_file}" if media.preview_file else url
    return {
        "id": str(media.id),
        "type": media.type if media.type in ("image", "gifv", "video", "audio") else "unknown",
        "url": url,
        "preview_url": preview,
        "remote_url": media.remote_url or None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": media.meta or {},
        "description": media.description or None,
        "blurhash": media.blurhash,
    }


def tag_entity(tag: Tag, base: str) -> dict[str, Any]:
    return {"name": tag.display_name or tag.name, "url": urls.tag_page(base, tag.name)}


async def statuses_by_id(ids: Iterable[int]) -> list[Status]:
    """The statuses with these ids, in no particular order (missing ones left out)."""
    wanted = set(ids)
    return await instances(Status, f"SELECT * FROM {table(Status)} WHERE id IN ({ids_sql(wanted)})") if wanted else []


async def accounts_by_id(ids: Iterable[int]) -> list[Account]:
    wanted = set(ids)
    return await instances(Account, f"SELECT * FROM {table(Account)} WHERE id IN ({ids_sql(wanted)})") if wanted else []


def add_viewer_state(
    entity: dict[str, Any],
    status_id: int,
    author_id: int,
    conversation: str,
    viewer_id: int,
    marks: dict[str, set[int]],
    muted: set[str],
) -> None:
    """The fields only a logged-in viewer gets: what they did to the status; `pinned` on their own."""
    entity["favourited"] = status_id in marks["favourited"]
    entity["reblogged"] = status_id in marks["reblogged"]
    entity["bookmarked"] = status_id in marks["bookmarked"]
    entity["muted"] = conversation in muted
    if author_id == viewer_id:
        entity["pinned"] = status_id in marks["pinned"]


class StatusSerializer:
    """Loads everything a page of statuses needs in a few queries, then builds the entities."""

    def __init__(self, base: str, viewer: Account | None) -> None:
        self.base = base
        self.viewer = viewer

    async def many(self, statuses: Sequence[Status]) -> list[dict[str, Any]]:
        if not statuses:
            return []
        originals = [s for s in statuses if s.reblog_id]
        reblogged = {s.id: s for s in await statuses_by_id([s.reblog_id for s in originals])}
        everything = list(statuses) + list(reblogged.values())
        ids = [s.id for s in everything]
        account_ids = {s.account_id for s in everything}

        facts = await status_facts(ids, self.viewer.id if self.viewer is not None else None)
        account_ids |= {a for _, a in facts.mentions}
        accounts = {a.id: a for a in await accounts_by_id(account_ids)}
        mentions_by_status: dict[int, list[Account]] = defaultdict(list)
        for status_id, account_id in facts.mentions:
            if account_id in accounts:
                mentions_by_status[status_id].append(accounts[account_id])
        tags_by_status = facts.tags

        media_by_status: dict[int, list[MediaAttachment]] = defaultdict(list)
        if facts.with_media:
            for media in await instances(
                MediaAttachment,
                f"SELECT * FROM {table(MediaAttachment)} WHERE status_id IN ({ids_sql(facts.with_media)}) ORDER BY id",
            ):
                media_by_status[media.status_id].append(media)

        polls = await polls_for_statuses(list(facts.with_poll), self.viewer) if facts.with_poll else {}

        filtered: dict[int, list[dict[str, Any]]] = {}
        if facts.has_filters:
            filtered = await filter_results(
                self.viewer,
                statuses,
                reblogged,
                {sid: [m.description for m in ms if m.description] for sid, ms in media_by_status.items()},
            )
        mine, muted = facts.marks, facts.muted

        def build(status: Status) -> dict[str, Any]:
            author = accounts[status.account_id]
            entity: dict[str, Any] = {
                "id": str(status.id),
                "uri": status.uri,
                "url": status.url or None,
                "created_at": iso_ms(status.created_at),
                "account": account_entity(author, self.base),
                "content": status.content,
                "text": None,
                "visibility": status.visibility,
                "sensitive": status.sensitive,
                "spoiler_text": status.spoiler_text,
                "media_attachments": [media_entity(m, self.base) for m in media_by_status.get(status.id, [])],
                "application": {"name": status.application_name, "website": None} if status.application_name else None,
                "mentions": [
                    {"id": str(a.id), "username": a.username, "url": a.url or a.uri, "acct": a.acct()}
                    for a in mentions_by_status.get(status.id, [])
                ],
                "tags": [tag_entity(t, self.base) for t in tags_by_status.get(status.id, [])],
                "emojis": [],
                "reblogs_count": status.reblogs_count,
                "favourites_count": status.favourites_count,
                "replies_count": status.replies_count,
                "quotes_count": 0,
                "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
                "in_reply_to_account_id": str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None,
                "reblog": None,
                "poll": polls.get(status.id),
                "card": None,
                "language": status.language,
                "edited_at": iso_ms(status.edited_at),
                "filtered": filtered.get(status.id, []),
            }
            if self.viewer is not None:
                add_viewer_state(
                    entity, status.id, status.account_id, conversation_key(status), self.viewer.id, mine, muted
                )
            return entity

        result = []
        for status in statuses:
            entity = build(status)
            if status.reblog_id and status.reblog_id in reblogged:
                entity["reblog"] = build(reblogged[status.reblog_id])
                entity["content"] = ""
            result.append(entity)
        return result

    async def one(self, status: Status) -> dict[str, Any]:
        return (await self.many([status]))[0]
