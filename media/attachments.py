"""Media attachments of local users: an upload becomes processed files plus a MediaAttachment row, or nothing."""

from __future__ import annotations

import asyncio
import math
import secrets
from pathlib import Path
from typing import Any

from media import storage
from media.errors import MediaRejected
from media.images import Encoded, process_thumbnail, process_upload
from media.meta import clamp_focus, size_meta
from models.accounts import Account
from models.statuses import MediaAttachment

# Mastodon's MediaAttachment::MAX_DESCRIPTION_LENGTH (also in the instance's configuration).
DESCRIPTION_LIMIT = 1500
ORIGINALS = "media_attachments/original"
PREVIEWS = "media_attachments/small"


def check_description(text: str) -> str:
    if len(text) > DESCRIPTION_LIMIT:
        raise MediaRejected(f"is too long (maximum is {DESCRIPTION_LIMIT} characters)", field="Description")
    return text


def parse_focus(value: str) -> dict[str, float]:
    """Mastodon's `focus` parameter, "x,y", as meta's focus.

    Mastodon reads each part with Ruby's to_f, so junk counts as 0.0 rather than being refused;
    values beyond the -1.0..1.0 range clients draw in are brought back to its edge.
    """
    x, y = (_to_f(part) for part in (value.split(",") + ["", ""])[:2])
    return clamp_focus(x, y)


def _to_f(text: str) -> float:
    try:
        number = float(text.strip())
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


async def create_attachment(
    media_dir: Path,
    account: Account,
    data: bytes,
    *,
    description: str = "",
    focus: dict[str, float] | None = None,
    thumbnail: bytes | None = None,
) -> MediaAttachment:
    """Check and process the upload, store its files and record it; on any failure nothing stays behind."""
    description = check_description(description)
    processed = await asyncio.to_thread(process_upload, data)
    custom = await _thumbnail(thumbnail) if thumbnail is not None else None
    preview = custom or processed.preview
    stem = secrets.token_hex(16)
    original_name = storage.new_name(ORIGINALS, processed.original.extension, stem)
    preview_name = storage.new_name(PREVIEWS, preview.extension, stem)
    meta: dict[str, Any] = {
        "original": size_meta(processed.original.width, processed.original.height),
        "small": size_meta(preview.width, preview.height),
    }
    if focus is not None:
        meta["focus"] = focus
    written: list[str] = []
    try:
        for name, encoded in ((original_name, processed.original), (preview_name, preview)):
            await asyncio.to_thread(storage.write, media_dir, name, encoded.data)
            written.append(name)
        return await MediaAttachment.create(
            account=account,
            type="image",
            file=original_name,
            preview_file=preview_name,
            content_type=processed.original.content_type,
            description=description,
            blurhash=processed.blurhash,
            meta=meta,
        )
    except BaseException:
        storage.remove(media_dir, written)
        raise


async def update_attachment(
    media_dir: Path,
    media: MediaAttachment,
    *,
    description: str | None = None,
    focus: dict[str, float] | None = None,
    thumbnail: bytes | None = None,
) -> MediaAttachment:
    """Change what Mastodon lets a client change before posting: description, focal point, custom preview."""
    updated: list[str] = []
    if description is not None:
        media.description = check_description(description)
        updated.append("description")
    replaced = ""
    if thumbnail is not None:
        preview = await _thumbnail(thumbnail)
        name = storage.new_name(PREVIEWS, preview.extension)
        await asyncio.to_thread(storage.write, media_dir, name, preview.data)
        replaced, media.preview_file = media.preview_file, name
        media.meta = {**(media.meta or {}), "small": size_meta(preview.width, preview.height)}
        updated += ["preview_file", "meta"]
    if focus is not None:
        media.meta = {**(media.meta or {}), "focus": focus}
        updated.append("meta")
    if updated:
        try:
            await media.save(update_fields=list(dict.fromkeys(updated)))
        except BaseException:
            if replaced:
                storage.remove(media_dir, [media.preview_file])
            raise
        storage.remove(media_dir, [replaced])
    return media


async def delete_attachment(media_dir: Path, media: MediaAttachment) -> None:
    """Remove media not (or no longer) part of a post: the row first, then its files."""
    await media.delete()
    storage.remove(media_dir, [name for name in (media.file, media.preview_file) if name])


async def _thumbnail(data: bytes) -> Encoded:
    try:
        return await asyncio.to_thread(process_thumbnail, data)
    except MediaRejected as exc:
        exc.field = "Thumbnail"
        raise
