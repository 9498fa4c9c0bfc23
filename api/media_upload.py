"""Avatar and header uploads: checked to be real images, re-encoded, stored under the media directory.

Re-encoding (rather than storing what was sent) drops EXIF metadata such as locations and
makes sure that what /media serves is a PNG or JPEG and nothing else, whatever the upload claimed.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile

MAX_BYTES = 8 * 1024 * 1024
# Mastodon refuses images above 7680x4320 pixels (MAX_MATRIX_LIMIT); it also keeps decompression bombs out.
MAX_PIXELS = 7680 * 4320
ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# Mastodon crops avatars to 400x400 and headers to 1500x500.
BOXES = {"avatar": (400, 400), "header": (1500, 500)}


class ImageRejected(Exception):
    """The upload is not an image this node stores."""


def reencode(data: bytes, box: tuple[int, int]) -> tuple[bytes, str]:
    """The image in `data`, cropped down to `box` if larger, as (bytes, extension): PNG when it has transparency."""
    if len(data) > MAX_BYTES:
        raise ImageRejected("is too big")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("has contents that are not what they are reported to be")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("is too big")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            picture = ImageOps.exif_transpose(image)
            if picture.width > box[0] or picture.height > box[1]:
                picture = ImageOps.fit(picture, box)
            transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            out = io.BytesIO()
            if transparent:
                picture.convert("RGBA").save(out, "PNG", optimize=True)
                return out.getvalue(), "png"
            picture.convert("RGB").save(out, "JPEG", quality=90)
            return out.getvalue(), "jpeg"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected("has contents that are not what they are reported to be") from exc


async def read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_BYTES + 1)
    await upload.close()
    if len(data) > MAX_BYTES:
        raise ImageRejected("is too big")
    return data


async def store_profile_image(media_dir: Path, kind: str, data: bytes) -> str:
    """Re-encode and store an avatar or header; returns its path under the media directory."""
    encoded, extension = await asyncio.to_thread(reencode, data, BOXES[kind])
    name = f"accounts/{kind}s/{secrets.token_hex(16)}.{extension}"
    target = media_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(target.write_bytes, encoded)
    return name


def discard(media_dir: Path, name: str) -> None:
    """Remove a replaced profile image; the name came from store_profile_image, never from a client."""
    if name:
        (media_dir / name).unlink(missing_ok=True)
