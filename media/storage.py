"""Media files under the node's media directory, served as /media/<name>.

Names are made here, never taken from a client, and are unguessable: an upload that is not
attached to a post yet, or is attached to a followers-only one, is not found by counting ids.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def new_name(folder: str, extension: str, stem: str | None = None) -> str:
    return f"{folder}/{stem or secrets.token_hex(16)}.{extension}"


def write(media_dir: Path, name: str, data: bytes) -> None:
    """Write the file whole or not at all: a reader of /media never sees half of it."""
    target = media_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def remove(media_dir: Path, names: Iterable[str]) -> None:
    for name in names:
        if name:
            (media_dir / name).unlink(missing_ok=True)


def url(base: str, name: str) -> str:
    return f"{base}/media/{name}"
