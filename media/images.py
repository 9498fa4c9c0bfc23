"""Uploaded bytes turned into the pictures this node serves: checked, turned upright, stripped, bounded, previewed.

Pure functions of bytes (no files, no database). Everything is re-encoded rather than stored
as sent: that drops EXIF (GPS positions, camera serial numbers), comments and anything appended
to the file, and makes what /media serves the type the row names, whatever the upload claimed.
Mastodon strips the same way and keeps only the colour profile, which is kept here too.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import blurhash
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from media.errors import DimensionsRejected, MediaRejected, MediaTooLarge, UnreadableMedia, UnsupportedMedia

# Mastodon 4.3's MediaAttachment::IMAGE_LIMIT.
IMAGE_SIZE_LIMIT = 16 * 1024 * 1024
# Mastodon refuses larger images before decoding them (MAX_MATRIX_LIMIT, 7680x4320); it keeps decompression bombs out.
MATRIX_LIMIT = 7680 * 4320
# Originals are kept to 16 megapixels; larger ones are scaled down, keeping their aspect ratio.
MAX_PIXELS = 4096 * 4096
# The preview ("small" in Mastodon's meta) fits in this many pixels on its long side.
PREVIEW_SIDE = 640
# Animated GIF and WebP keep every frame, so all frames together are bounded (decoded, they are held in memory).
ANIMATION_PIXEL_LIMIT = 50_000_000
# Mastodon's BlurhashTranscoder uses 4x4 components. The hash keeps only the coarsest colours,
# so a copy of a few dozen pixels hashes as well as the whole picture, and much faster.
BLURHASH_COMPONENTS = (4, 4)
BLURHASH_SIDE = 32
JPEG_QUALITY = 90

# Pillow format -> (content type, file extension). The upload's own claim is never trusted.
FORMATS = {
    "JPEG": ("image/jpeg", "jpeg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    original: Encoded
    preview: Encoded
    blurhash: str


def process_upload(data: bytes, limit: int | None = None) -> ProcessedImage:
    """A media attachment's original (same format as sent), its preview and its blurhash."""
    source = _open(data, IMAGE_SIZE_LIMIT if limit is None else limit)
    with source:
        # Phone cameras write JPEGs with extra pictures in them (MPO); only the main one is kept.
        fmt = "JPEG" if source.format == "MPO" else str(source.format)
        if fmt in ("GIF", "WEBP") and getattr(source, "n_frames", 1) > 1:
            frames, durations = _frames(source)
            original = _encode_animation(frames, durations, fmt, source.info.get("loop", 0))
            first = frames[0]
        else:
            first = _upright(source)
            original = _encode(first, fmt, _icc(source, first))
    preview = _preview(first)
    return ProcessedImage(original, _encode(preview, _preview_format(preview)), _blurhash(preview))


def process_thumbnail(data: bytes, limit: int | None = None) -> Encoded:
    """A custom preview sent along with an upload (Mastodon's `thumbnail`): upright, stripped, preview-sized."""
    source = _open(data, IMAGE_SIZE_LIMIT if limit is None else limit)
    with source:
        preview = _preview(_upright(source))
    return _encode(preview, _preview_format(preview))


def process_profile_image(data: bytes, box: tuple[int, int], limit: int) -> Encoded:
    """An avatar or header: the first frame, upright, cropped down to `box` if larger; PNG if it has transparency."""
    source = _open(data, limit)
    with source:
        picture = _upright(source)
        icc = _icc(source, picture)
    if picture.width > box[0] or picture.height > box[1]:
        picture = ImageOps.fit(picture, box)
    return _encode(picture, "PNG" if picture.mode == "RGBA" else "JPEG", icc)


def _open(data: bytes, limit: int) -> Image.Image:
    """The upload opened for decoding, once it is known to be a whole image of an accepted format and size."""
    if len(data) > limit:
        raise MediaTooLarge(limit)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            if probe.width * probe.height > MATRIX_LIMIT:
                raise DimensionsRejected(probe.width, probe.height)
            # verify() reads the whole file and checks what it can (PNG checksums, truncation) without decoding.
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        image.load()
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia() from exc
    except Image.DecompressionBombError as exc:
        raise DimensionsRejected() from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableMedia() from exc
    return image


def _frames(source: Image.Image) -> tuple[list[Image.Image], list[int]]:
    scale = _scale(source.width, source.height)
    frames, durations = [], []
    try:
        if source.width * source.height * source.n_frames > ANIMATION_PIXEL_LIMIT:
            raise MediaRejected("has too many frames")
        for frame in ImageSequence.Iterator(source):
            picture = frame.convert("RGBA")
            if scale is not None:
                picture = picture.resize(scale, Image.Resampling.LANCZOS)
            frames.append(picture)
            durations.append(int(frame.info.get("duration", 100)))
    except _DECODE_ERRORS as exc:
        raise UnreadableMedia() from exc
    return frames, durations


def _upright(source: Image.Image) -> Image.Image:
    """The picture as it should be seen: EXIF orientation applied, plain RGB/RGBA/L, at most MAX_PIXELS."""
    try:
        picture = ImageOps.exif_transpose(source)
    except _DECODE_ERRORS as exc:
        raise UnreadableMedia() from exc
    if _has_alpha(picture):
        picture = picture.convert("RGBA")
    elif picture.mode not in ("RGB", "L"):
        picture = picture.convert("L" if picture.mode == "1" else "RGB")
    scale = _scale(picture.width, picture.height)
    if scale is not None:
        picture = picture.resize(scale, Image.Resampling.LANCZOS)
    # Nothing read from the upload's metadata may travel into the saved file.
    picture.info = {}
    return picture


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        picture.mode == "P" and "transparency" in picture.info
    )


def _scale(width: int, height: int) -> tuple[int, int] | None:
    if width * height <= MAX_PIXELS:
        return None
    factor = math.sqrt(MAX_PIXELS / (width * height))
    return max(1, math.floor(width * factor)), max(1, math.floor(height * factor))


def _colour_space(mode: str) -> str:
    if mode in ("1", "L", "LA", "La", "I", "I;16", "F"):
        return "grey"
    if mode in ("P", "PA", "RGB", "RGBA", "RGBa", "RGBX"):
        return "rgb"
    return mode


def _icc(source: Image.Image, picture: Image.Image) -> bytes | None:
    """The upload's colour profile, if it still describes the picture (not after CMYK or grey became RGB)."""
    profile = source.info.get("icc_profile")
    if profile and _colour_space(source.mode) == _colour_space(picture.mode) in ("grey", "rgb"):
        return profile
    return None


def _preview(picture: Image.Image) -> Image.Image:
    preview = picture.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    if preview.mode == "RGBA" and preview.getextrema()[3][0] == 255:
        preview = preview.convert("RGB")  # an alpha channel with nothing see-through: a JPEG preview will do
    return preview


def _preview_format(preview: Image.Image) -> str:
    return "PNG" if preview.mode == "RGBA" else "JPEG"


def _encode(picture: Image.Image, fmt: str, icc: bytes | None = None) -> Encoded:
    content_type, extension = FORMATS[fmt]
    options: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = JPEG_QUALITY
    if fmt == "JPEG" and picture.mode == "RGBA":
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return Encoded(out.getvalue(), content_type, extension, picture.width, picture.height)


def _encode_animation(frames: list[Image.Image], durations: list[int], fmt: str, loop: int) -> Encoded:
    content_type, extension = FORMATS[fmt]
    options: dict[str, Any] = {"quality": JPEG_QUALITY} if fmt == "WEBP" else {"disposal": 2}
    out = io.BytesIO()
    frames[0].save(
        out, fmt, save_all=True, append_images=frames[1:], duration=durations, loop=int(loop or 0), **options
    )
    return Encoded(out.getvalue(), content_type, extension, frames[0].width, frames[0].height)


def _blurhash(preview: Image.Image) -> str:
    small = preview.copy()
    small.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE))
    if small.mode == "RGBA":
        # Transparent parts hash as the white most clients put behind them, not as the black under the alpha.
        backdrop = Image.new("RGBA", small.size, (255, 255, 255, 255))
        small = Image.alpha_composite(backdrop, small)
    width, height = small.size
    raw = small.convert("RGB").tobytes()
    rows = [[raw[i : i + 3] for i in range(row * width * 3, (row + 1) * width * 3, 3)] for row in range(height)]
    return blurhash.encode(rows, *BLURHASH_COMPONENTS)
