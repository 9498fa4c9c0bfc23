"""Reading ActivityStreams documents from other servers into plain values.

ActivityStreams lets most properties be a value, a list, an object or a link; these helpers
give the one form the rest of the code expects.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from media.meta import clamp_focus, size_meta

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Both short forms of the public collection occur in the wild (JSON-LD compaction).
PUBLIC_ALIASES = {PUBLIC, "as:Public", "Public"}
MAX_URL = 1024  # what MediaAttachment.remote_url holds
BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of an object or link given inline or as a bare string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("id") or value.get("href")
        return inner if isinstance(inner, str) else None
    if isinstance(value, list) and value:
        return id_of(value[0])
    return None


def ids_of(value: Any) -> list[str]:
    return [i for i in (id_of(v) for v in as_list(value)) if i]


def types_of(document: dict[str, Any]) -> set[str]:
    return {t for t in as_list(document.get("type")) if isinstance(t, str)}


def text_of(value: Any) -> str:
    """A natural-language value, which may come as a string or a per-language map."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        return str(value.get("und") or value.get("en") or next(iter(value.values())))
    return ""


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_public(to: list[str], cc: list[str]) -> bool:
    return any(a in PUBLIC_ALIASES for a in to)


def visibility_of(to: list[str], cc: list[str], followers_url: str) -> str:
    """Mastodon's visibility from the addressing of a Note (how Mastodon itself reads it)."""
    if any(a in PUBLIC_ALIASES for a in to):
        return "public"
    if any(a in PUBLIC_ALIASES for a in cc):
        return "unlisted"
    if followers_url and followers_url in to + cc:
        return "private"
    return "direct"


def actor_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Person (or Service, Group, Application) document an Account keeps."""
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    key = document.get("publicKey")
    if isinstance(key, list):
        key = key[0] if key else None
    key = key if isinstance(key, dict) else {}
    icon = document.get("icon")
    image = document.get("image")
    fields = [
        {"name": text_of(a.get("name")), "value": text_of(a.get("value"))}
        for a in as_list(document.get("attachment"))
        if isinstance(a, dict) and a.get("type") == "PropertyValue"
    ]
    actor_type = next(
        iter(types_of(document) & {"Person", "Service", "Group", "Application", "Organization"}), "Person"
    )
    return {
        "uri": document["id"],
        "username": str(document.get("preferredUsername") or ""),
        "actor_type": actor_type,
        "display_name": text_of(document.get("name"))[:255],
        "note": text_of(document.get("summary")),
        "url": id_of(document.get("url")) or document["id"],
        "inbox_url": id_of(document.get("inbox")) or "",
        "shared_inbox_url": id_of(endpoints.get("sharedInbox")) or "",
        "outbox_url": id_of(document.get("outbox")) or "",
        "followers_url": id_of(document.get("followers")) or "",
        "following_url": id_of(document.get("following")) or "",
        "featured_url": id_of(document.get("featured")) or "",
        "key_id": str(key.get("id") or ""),
        "public_key_pem": str(key.get("publicKeyPem") or ""),
        "locked": bool(document.get("manuallyApprovesFollowers", False)),
        "discoverable": bool(document.get("discoverable", False)),
        "bot": actor_type in ("Service", "Application"),
        "avatar_remote_url": id_of(icon.get("url") if isinstance(icon, dict) else icon) or "",
        "header_remote_url": id_of(image.get("url") if isinstance(image, dict) else image) or "",
        "fields_json": fields[:16],
        "created_at": parse_datetime(document.get("published")),
    }


def tags_of(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(mentioned actor ids, hashtag names without '#' as written) from a Note's tag list."""
    mentions, hashtags = [], []
    for tag in as_list(document.get("tag")):
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Mention" and isinstance(tag.get("href"), str):
            mentions.append(tag["href"])
        elif tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str):
            name = tag["name"].lstrip("#").strip()
            if name:
                hashtags.append(name)
    return mentions, hashtags


def attachments_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A Note's attachments as MediaAttachment values; the files stay on the author's server (remote_url)."""
    found = []
    for item in as_list(document.get("attachment")):
        if not isinstance(item, dict) or item.get("type") not in ("Document", "Image", "Video", "Audio"):
            continue
        url = id_of(item.get("url"))
        if not url or len(url) > MAX_URL:
            continue
        media_type = str(item.get("mediaType") or "")[:128]
        kind = media_type.split("/", 1)[0] if "/" in media_type else "image"
        found.append(
            {
                "remote_url": url,
                "content_type": media_type,
                "type": {"image": "image", "video": "video", "audio": "audio"}.get(kind, "unknown"),
                # Mastodon keeps 1500 characters of a remote description (MediaAttachment::MAX_DESCRIPTION_LENGTH).
                "description": text_of(item.get("name"))[:1500],
                "blurhash": _blurhash(item.get("blurhash")),
                "meta": _media_meta(item),
            }
        )
    return found


def _blurhash(value: Any) -> str | None:
    """A well-formed hash of at most 5x5 components, as Mastodon's MediaAttachmentParser accepts; else None."""
    if not isinstance(value, str) or len(value) < 6 or not set(value) <= set(BASE83):
        return None
    size_flag = BASE83.index(value[0])
    x, y = size_flag % 9 + 1, size_flag // 9 + 1
    if x > 5 or y > 5 or len(value) != 4 + 2 * x * y:
        return None
    return value


def _media_meta(item: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    width, height = item.get("width"), item.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        meta["original"] = size_meta(width, height)
    focal = item.get("focalPoint")
    if (
        isinstance(focal, list)
        and len(focal) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in focal)
    ):
        meta["focus"] = clamp_focus(float(focal[0]), float(focal[1]))
    return meta


# The Flurfunk work terms (federation/documents.py CONTEXT) and the WorkProfile attribute and size of each.
_WORK_TEXT = {"department": ("department", 255), "jobTitle": ("title", 255), "workLocation": ("location", 255)}


def work_profile_of(document: dict[str, Any]) -> dict[str, Any] | None:
    """An actor's structured work properties as WorkProfile values; None when it publishes none.

    Read by their compacted names: every Flurfunk node writes them with its context. A manager
    must be an actor id on an http(s) URL; skills are capped as local ones are (50 of 100 characters).
    """
    values: dict[str, Any] = {}
    for term, (attribute, limit) in _WORK_TEXT.items():
        text = text_of(document.get(term)).strip()
        if text:
            values[attribute] = text[:limit]
    phone = text_of(document.get("telephone")).strip()
    if phone:
        values["phone"] = phone[:64]
    skills = [s.strip()[:100] for s in as_list(document.get("skills")) if isinstance(s, str) and s.strip()]
    if skills:
        values["skills"] = skills[:50]
    manager = id_of(document.get("manager"))
    if manager and manager.startswith(("https://", "http://")) and len(manager) <= 512:
        values["manager_uri"] = manager
    return values or None
