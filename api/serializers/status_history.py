"""StatusEdit and StatusSource entities: the versions of an edited status, and what its author typed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from api.serializers.statuses import media_entity
from models.accounts import Account
from models.statuses import MediaAttachment, Status, StatusEdit


def status_edits(
    status: Status, author: Account, edits: Sequence[StatusEdit], media: Sequence[MediaAttachment], base: str
) -> list[dict[str, Any]]:
    """Oldest version first. A status never edited has one version, itself, as in Mastodon.

    Only the current version lists the media: earlier versions do not record theirs.
    """
    account = account_entity(author, base)
    versions: list[dict[str, Any]] = [
        {
            "content": edit.content,
            "spoiler_text": edit.spoiler_text,
            "sensitive": edit.sensitive,
            "created_at": iso_ms(edit.created_at),
            "account": account,
            "poll": None,
            "media_attachments": [],
            "emojis": [],
        }
        for edit in edits
    ]
    if not versions:
        versions.append(
            {
                "content": status.content,
                "spoiler_text": status.spoiler_text,
                "sensitive": status.sensitive,
                "created_at": iso_ms(status.created_at),
                "account": account,
                "poll": None,
                "media_attachments": [],
                "emojis": [],
            }
        )
    versions[-1]["media_attachments"] = [media_entity(m, base) for m in media]
    return versions


def status_source(status: Status) -> dict[str, Any]:
    return {"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text}
