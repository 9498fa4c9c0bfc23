"""This node's objects as ActivityStreams documents, in the shape Mastodon sends and expects.

Pure functions: models in (with the relations they need already loaded), dicts out.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from core.accounts import avatar_url, header_url
from federation import urls
from federation.parse import PUBLIC
from models.accounts import Account
from models.directory import WorkProfile
from models.polls import Poll
from models.statuses import MediaAttachment, Status

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
FLURFUNK_NS = "https://flurfunk.example/ns#"
# The extension terms Mastodon uses (app/lib/activitypub/adapter.rb), so Mastodon and
# GoToSocial read manuallyApprovesFollowers, discoverable, sensitive and friends as intended.
CONTEXT: list[Any] = [
    AS_CONTEXT,
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "votersCount": "toot:votersCount",
        "indexable": "toot:indexable",
        "blurhash": "toot:blurhash",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        # Work profiles (README: "The Flurfunk vocabulary"). `workLocation` and `jobTitle` keep clear
        # of ActivityStreams' own `location` (a Place) and of any `title`.
        "flurfunk": FLURFUNK_NS,
        "department": "flurfunk:department",
        "jobTitle": "flurfunk:jobTitle",
        "workLocation": "flurfunk:workLocation",
        "telephone": "flurfunk:telephone",
        "skills": {"@id": "flurfunk:skills", "@container": "@set"},
        "manager": {"@id": "flurfunk:manager", "@type": "@id"},
    },
]
# The structured work properties of an actor and the WorkProfile attribute each one holds.
WORK_PROPERTIES = {
    "department": "department",
    "jobTitle": "title",
    "workLocation": "location",
    "telephone": "phone",
    "skills": "skills",
    "manager": "manager_uri",
}


def iso(dt: Any) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(dt: Any) -> str:
    """With milliseconds: posts published within one second keep their order on the nodes that
    receive or fetch them (models/ids.id_published gives a whole second the arrival's millisecond)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def person(account: Account, base: str, work: WorkProfile | None = None) -> dict[str, Any]:
    """The actor document; `work` adds the structured work properties (its fields are attachments already)."""
    if account.actor_type == "Application":
        return _instance_actor(account, base)
    name = account.username
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": account.uri,
        "type": "Person",
        "preferredUsername": name,
        "name": account.display_name or name,
        "summary": account.note,
        "url": urls.profile_page(base, name),
        "inbox": account.inbox_url,
        "outbox": account.outbox_url,
        "followers": account.followers_url,
        "following": account.following_url,
        "featured": account.featured_url,
        "endpoints": {"sharedInbox": account.shared_inbox_url},
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "published": iso(account.created_at),
        "icon": _image(avatar_url(account, base)),
        "image": _image(header_url(account, base)),
        "attachment": [
            {"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
            for f in account.fields_json
        ],
        "tag": [],
        "publicKey": {"id": account.key_id, "owner": account.uri, "publicKeyPem": account.public_key_pem},
    }
    if work is not None:
        document.update(work_properties(work))
    return document


def work_properties(work: WorkProfile) -> dict[str, Any]:
    """The non-empty work properties, under the Flurfunk terms of CONTEXT."""
    found: dict[str, Any] = {}
    for term, attribute in WORK_PROPERTIES.items():
        value = getattr(work, attribute)
        if value:
            found[term] = list(value) if term == "skills" else value
    return found


def _image(url: str) -> dict[str, Any]:
    # Stored images are named for the format they were re-encoded to (media/images.py), so the
    # name tells the type: a JPEG avatar is announced as image/jpeg, not as a PNG.
    return {"type": "Image", "mediaType": mimetypes.guess_type(url)[0] or "image/png", "url": url}


def _instance_actor(account: Account, base: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": account.uri,
        "type": "Application",
        "preferredUsername": account.username,
        "url": account.url,
        "inbox": account.inbox_url,
        "outbox": account.outbox_url,
        "endpoints": {"sharedInbox": account.shared_inbox_url},
        "manuallyApprovesFollowers": True,
        "publicKey": {"id": account.key_id, "owner": account.uri, "publicKeyPem": account.public_key_pem},
    }


def addressing(status: Status, author: Account, mentioned: list[Account]) -> tuple[list[str], list[str]]:
    """to and cc for a status, as Mastodon addresses each visibility."""
    mention_uris = [a.uri for a in mentioned]
    followers = author.followers_url
    if status.visibility == "public":
        return [PUBLIC], [followers, *mention_uris]
    if status.visibility == "unlisted":
        return [followers], [PUBLIC, *mention_uris]
    if status.visibility == "private":
        return [followers], mention_uris
    return mention_uris, []


def media_document(media: MediaAttachment, base: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": "Document",
        "mediaType": media.content_type or "image/jpeg",
        "url": f"{base}/media/{media.file}" if media.file else media.remote_url,
        "name": media.description or None,
        "blurhash": media.blurhash,
    }
    original = (media.meta or {}).get("original") or {}
    for key in ("width", "height"):
        if key in original:
            document[key] = original[key]
    focus = (media.meta or {}).get("focus")
    if focus:
        document["focalPoint"] = [focus.get("x", 0.0), focus.get("y", 0.0)]
    return document


def note(
    status: Status,
    author: Account,
    mentioned: list[Account],
    hashtags: list[str],
    media: list[MediaAttachment],
    in_reply_to_uri: str | None,
    base: str,
    poll: Poll | None = None,
) -> dict[str, Any]:
    to, cc = addressing(status, author, mentioned)
    tags: list[dict[str, Any]] = [
        {"type": "Mention", "href": a.uri, "name": f"@{a.acct() if a.domain else a.username + '@' + _host(base)}"}
        for a in mentioned
    ]
    tags += [{"type": "Hashtag", "href": urls.tag_page(base, t.lower()), "name": f"#{t}"} for t in hashtags]
    document: dict[str, Any] = {
        "id": status.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "content": status.content,
        "published": iso_ms(status.created_at),
        "url": status.url,
        "to": to,
        "cc": cc,
        "inReplyTo": in_reply_to_uri,
        "sensitive": status.sensitive,
        "summary": status.spoiler_text or None,
        "tag": tags,
        "attachment": [media_document(m, base) for m in media],
        "replies": {"id": status.uri + "/replies", "type": "Collection", "totalItems": status.replies_count},
    }
    if status.language:
        document["contentMap"] = {status.language: status.content}
    if status.edited_at:
        document["updated"] = iso(status.edited_at)
    if status.conversation_uri:
        document["conversation"] = status.conversation_uri
    if poll is not None:
        document.update(question_fields(poll))
    return document


def question_fields(poll: Poll) -> dict[str, Any]:
    """What turns a Note into a poll, as Mastodon's NoteSerializer writes it."""
    options = [
        {"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": votes}}
        for title, votes in zip(poll.options, poll.tallies, strict=False)
    ]
    fields: dict[str, Any] = {
        "type": "Question",
        "anyOf" if poll.multiple else "oneOf": options,
        "votersCount": poll.voters_count,
    }
    if poll.expires_at is not None:
        fields["endTime"] = iso(poll.expires_at)
        if poll.expired():
            fields["closed"] = iso(poll.expires_at)
    return fields


def _host(base: str) -> str:
    return base.split("://", 1)[1]


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, **{k: v for k, v in document.items() if k != "@context"}}


def activity(
    kind: str,
    activity_id: str,
    actor: Account,
    obj: Any,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    published: Any = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {"@context": CONTEXT, "id": activity_id, "type": kind, "actor": actor.uri}
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if k != "@context"}
    document["object"] = obj
    if to is not None:
        document["to"] = to
    if cc is not None:
        document["cc"] = cc
    if published is not None:
        document["published"] = iso(published)
    return document


def tombstone(uri: str) -> dict[str, Any]:
    return {"id": uri, "type": "Tombstone", "atomUri": uri}


def ordered_collection(collection_id: str, total: int, first: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        document["first"] = first
    return document


def ordered_collection_page(
    page_id: str, part_of: str, items: list[Any], next_page: str | None, prev_page: str | None, total: int
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "totalItems": total,
        "orderedItems": items,
    }
    if next_page:
        document["next"] = next_page
    if prev_page:
        document["prev"] = prev_page
    return document
