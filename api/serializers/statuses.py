"""Status entities, built for a whole page at once: a fixed number of queries, never one per status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from api.serializers.filters import filter_results
from api.serializers.polls import polls_for_statuses
from federation import urls
from models.accounts import Account
from models.db import database
from models.interactions import Bookmark, Favourite, Pin
from models.reads import columns, ids_sql, instance, instances, rows, table
from models.statuses import ConversationMute, MediaAttachment, Mention, Status, StatusTag, Tag, conversation_key


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


async def viewer_state(viewer_id: int, status_ids: Sequence[int]) -> tuple[dict[str, set[int]], set[str]]:
    """What the viewer did to these statuses, and the conversations they muted, in one round trip.

    Five small lookups on every page of every timeline; as one UNION ALL they cost one query.
    Only integers from our own rows are put into the SQL text, so nothing needs quoting.
    `muted` is the conversation mute (POST /statuses/:id/mute), not an account mute, as in Mastodon:
    all of the viewer's (few) mutes are read, and matched to the page's conversations by the caller.
    """
    viewer, in_ids = int(viewer_id), ",".join(str(int(i)) for i in status_ids)
    tables = {model: model._meta.db_table for model in (Favourite, Bookmark, Pin, Status, ConversationMute)}
    sql = " UNION ALL ".join(
        [
            *(
                f"SELECT '{kind}' AS kind, status_id AS sid, NULL AS uri FROM {tables[model]}"
                f" WHERE account_id = {viewer} AND status_id IN ({in_ids})"
                for kind, model in (("favourited", Favourite), ("bookmarked", Bookmark), ("pinned", Pin))
            ),
            f"SELECT 'reblogged', reblog_id, NULL FROM {tables[Status]}"
            f" WHERE account_id = {viewer} AND reblog_id IN ({in_ids})",
            f"SELECT 'muted', NULL, conversation_uri FROM {tables[ConversationMute]} WHERE account_id = {viewer}",
        ]
    )
    mine: dict[str, set[int]] = {"favourited": set(), "bookmarked": set(), "pinned": set(), "reblogged": set()}
    muted: set[str] = set()
    for row in await database().execute_query_dict(sql):
        if row["kind"] == "muted":
            muted.add(row["uri"])
        else:
            mine[row["kind"]].add(int(row["sid"]))
    return mine, muted


async def statuses_by_id(ids: Iterable[int]) -> list[Status]:
    """The statuses with these ids, in no particular order (missing ones left out)."""
    wanted = set(ids)
    return await instances(Status, f"SELECT * FROM {table(Status)} WHERE id IN ({ids_sql(wanted)})") if wanted else []


async def accounts_by_id(ids: Iterable[int]) -> list[Account]:
    wanted = set(ids)
    return await instances(Account, f"SELECT * FROM {table(Account)} WHERE id IN ({ids_sql(wanted)})") if wanted else []


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
        in_ids = ids_sql(ids)
        account_ids = {s.account_id for s in everything}

        mentions = [
            (row["status_id"], row["account_id"])
            for row in await rows(f"SELECT status_id, account_id FROM {table(Mention)} WHERE status_id IN ({in_ids})")
        ]
        account_ids |= {a for _, a in mentions}
        accounts = {a.id: a for a in await accounts_by_id(account_ids)}
        mentions_by_status: dict[int, list[Account]] = defaultdict(list)
        for status_id, account_id in mentions:
            if account_id in accounts:
                mentions_by_status[status_id].append(accounts[account_id])

        tags_by_status: dict[int, list[Tag]] = defaultdict(list)
        for row in await rows(
            f"SELECT l.status_id AS link_status_id, {columns(Tag, 't', 'tag_')} FROM {table(StatusTag)} l"
            f" JOIN {table(Tag)} t ON t.id = l.tag_id WHERE l.status_id IN ({in_ids})"
        ):
            tags_by_status[row["link_status_id"]].append(instance(Tag, row, "tag_"))
        media_by_status: dict[int, list[MediaAttachment]] = defaultdict(list)
        for media in await instances(
            MediaAttachment, f"SELECT * FROM {table(MediaAttachment)} WHERE status_id IN ({in_ids}) ORDER BY id"
        ):
            media_by_status[media.status_id].append(media)

        polls = await polls_for_statuses(ids, self.viewer)

        filtered = await filter_results(
            self.viewer,
            statuses,
            reblogged,
            {sid: [m.description for m in ms if m.description] for sid, ms in media_by_status.items()},
        )

        mine: dict[str, set[int]] = {"favourited": set(), "bookmarked": set(), "pinned": set(), "reblogged": set()}
        muted: set[str] = set()
        if self.viewer is not None:
            mine, muted = await viewer_state(self.viewer.id, ids)

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
                entity["favourited"] = status.id in mine["favourited"]
                entity["reblogged"] = status.id in mine["reblogged"]
                entity["bookmarked"] = status.id in mine["bookmarked"]
                entity["muted"] = conversation_key(status) in muted
                if status.account_id == self.viewer.id:
                    entity["pinned"] = status.id in mine["pinned"]
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
