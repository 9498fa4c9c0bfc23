"""Why an upload was refused, worded as Mastodon words it so clients show the message they know."""

from __future__ import annotations

MB = 1024 * 1024


class MediaRejected(Exception):
    """An upload this node will not store.

    `str(exc)` is the end of a Rails validation message ("content type is invalid"); `message()`
    is the whole of it as Mastodon answers with 422 ("Validation failed: File content type is invalid"),
    naming the parameter in `field` ("File", "Thumbnail", "Avatar").
    """

    def __init__(self, reason: str, field: str = "File") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field

    def message(self) -> str:
        return f"Validation failed: {self.field} {self.reason}"


class UnsupportedMedia(MediaRejected):
    """Not a picture in a format this node stores (Paperclip's content type validation)."""

    def __init__(self) -> None:
        super().__init__("content type is invalid")


class MediaTooLarge(MediaRejected):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file size must be less than {human_size(limit)}")


class UnreadableMedia(MediaRejected):
    """It claims to be an image of a known type but does not decode (truncated, corrupt).

    Mastodon's MediaController answers this case (Paperclip::Errors::NotIdentifiedByImageMagickError)
    with a message of its own, not a validation failure.
    """

    def __init__(self) -> None:
        super().__init__("could not be read as an image")

    def message(self) -> str:
        return f"{self.field} type of uploaded media could not be verified"


class DimensionsRejected(MediaRejected):
    """Too many pixels to even decode safely; Mastodon raises DimensionsValidationError with this text."""

    def __init__(self, width: int | None = None, height: int | None = None) -> None:
        size = f"{width}x{height}" if width and height else "Such large"
        super().__init__(f"{size} images are not supported")

    def message(self) -> str:
        return self.reason


def human_size(size: int) -> str:
    """Byte counts the way Rails' number_to_human_size writes round limits ("16 MB", "512 KB")."""
    for unit, factor in (("MB", MB), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} Bytes"
