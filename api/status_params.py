"""What a client sends to post or edit a status: parsed from a form or JSON, checked as Mastodon checks it.

Everything here is validated before anything is written, so a rejected request leaves no half-made status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from api.errors import unprocessable
from api.params import Params
from core.polls import PollSpec
from core.text import MENTION, URL
from models.accounts import Account
from models.statuses import VISIBILITIES, MediaAttachment

MAX_MEDIA = 4
# Mastodon's defaults, announced in /api/v1/instance as configuration.polls (api/instance.py POLL_LIMITS).
POLL_MAX_OPTIONS = 4
POLL_MAX_CHARS = 50
POLL_MIN_EXPIRATION = 300
POLL_MAX_EXPIRATION = 2_629_746
# Mastodon counts every link as 23 characters, whatever its length (StatusLengthValidator).
URL_PLACEHOLDER = "x" * 23
LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})?$")


def counted_length(text: str) -> int:
    """The length Mastodon counts: links as 23 characters, remote mentions by their username only."""
    text = URL.sub(URL_PLACEHOLDER, text)
    text = MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(text)


def check_text(text: str, spoiler_text: str, has_media: bool, max_chars: int) -> None:
    if not text.strip() and not has_media:
        raise unprocessable("Text can't be blank")
    if counted_length(text) + counted_length(spoiler_text) > max_chars:
        raise unprocessable(f"Text character limit of {max_chars} exceeded")


def check_visibility(value: str) -> str:
    if value not in VISIBILITIES:
        raise unprocessable("Visibility is not included in the list")
    return value


def language_of(value: str | None, fallback: str | None) -> str | None:
    """Mastodon drops a language it does not recognise and uses the user's default instead."""
    if value and LANGUAGE.match(value):
        return value.lower().replace("_", "-")
    return fallback


def media_ids(raw: Sequence[str]) -> list[int]:
    if len(raw) > MAX_MEDIA:
        raise unprocessable(f"Cannot attach more than {MAX_MEDIA} files")
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(int(value))
        except ValueError as exc:
            raise unprocessable(f"Media {value} not found or already attached to another post") from exc
    return list(dict.fromkeys(ids))


async def attachable_media(account: Account, ids: Sequence[int], status_id: int | None = None) -> list[MediaAttachment]:
    """The caller's own media that are free (or already on the status being edited), in the order given."""
    if not ids:
        return []
    rows = {
        m.id: m
        for m in await MediaAttachment.filter(account_id=account.id, id__in=list(ids))
        if m.status_id is None or m.status_id == status_id
    }
    missing = [str(i) for i in ids if i not in rows]
    if missing:
        raise unprocessable(f"Media {', '.join(missing)} not found or already attached to another post")
    found = [rows[i] for i in ids]
    if len(found) > 1 and any(m.type in ("video", "gifv") for m in found):
        raise unprocessable("Cannot attach a video to a post that already contains images")
    return found


def _poll_values(params: Params) -> dict[str, Any] | None:
    """The poll hash from JSON ({"poll": {...}}) or a form (poll[options][]=..., nested by api.params)."""
    nested = params.values.get("poll")
    return nested if isinstance(nested, dict) and nested else None


def poll_spec(params: Params, has_media: bool) -> PollSpec | None:
    """A new status's poll, checked as Mastodon's PollValidator and PostStatusService check it."""
    values = _poll_values(params)
    if values is None:
        return None
    poll = Params(values)
    if has_media:
        # PostStatusService#validate_media!: a poll and attachments never go together.
        raise unprocessable(f"Cannot attach more than {MAX_MEDIA} files")
    options = [o.strip() for o in poll.many("options")]
    if len(options) < 2:
        raise unprocessable("Poll options must have more than one item")
    if len(options) > POLL_MAX_OPTIONS:
        raise unprocessable(f"Poll options can't contain more than {POLL_MAX_OPTIONS} items")
    if any(not o for o in options) or any(len(o) > POLL_MAX_CHARS for o in options):
        raise unprocessable(f"Poll options cannot be longer than {POLL_MAX_CHARS} characters each")
    if len(set(options)) != len(options):
        raise unprocessable("Poll options contain duplicate items")
    try:
        expires_in = int(str(poll.text("expires_in") or ""))
    except ValueError as exc:
        raise unprocessable("Poll expires at can't be blank") from exc
    if expires_in < POLL_MIN_EXPIRATION:
        raise unprocessable("Poll expires at is too soon")
    if expires_in > POLL_MAX_EXPIRATION:
        raise unprocessable("Poll expires at is too far into the future")
    return PollSpec(options, expires_in, poll.flag("multiple"), poll.flag("hide_totals"))
