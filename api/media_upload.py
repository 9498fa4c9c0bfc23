"""Uploaded files in client API requests, read within a limit; avatars and headers stored through the media pipeline.

Avatars and headers are checked, turned upright and stripped of metadata exactly like media
attachments (media/images.py); only their size differs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.datastructures import UploadFile

from media import storage
from media.errors import MediaRejected, MediaTooLarge
from media.images import process_profile_image

# Kept for callers that catch the old name.
ImageRejected = MediaRejected

# Mastodon 4.3 with libvips takes avatars and headers up to 8 MB.
MAX_BYTES = 8 * 1024 * 1024
# Mastodon crops avatars to 400x400 and headers to 1500x500.
BOXES = {"avatar": (400, 400), "header": (1500, 500)}


async def read_file(upload: UploadFile, limit: int, field: str = "File") -> bytes:
    """The uploaded bytes; refused as soon as there are more than `limit`, without reading the rest."""
    data = await upload.read(limit + 1)
    await upload.close()
    if len(data) > limit:
        exc = MediaTooLarge(limit)
        exc.field = field
        raise exc
    return data


async def read_upload(upload: UploadFile) -> bytes:
    """An avatar or header upload's bytes."""
    return await read_file(upload, MAX_BYTES)


async def store_profile_image(media_dir: Path, kind: str, data: bytes) -> str:
    """Process and store an avatar or header; returns its path under the media directory."""
    try:
        encoded = await asyncio.to_thread(process_profile_image, data, BOXES[kind], MAX_BYTES)
    except MediaRejected as exc:
        exc.field = kind.capitalize()
        raise
    name = storage.new_name(f"accounts/{kind}s", encoded.extension)
    await asyncio.to_thread(storage.write, media_dir, name, encoded.data)
    return name


def discard(media_dir: Path, name: str) -> None:
    """Remove a replaced profile image; the name came from store_profile_image, never from a client."""
    storage.remove(media_dir, [name])
