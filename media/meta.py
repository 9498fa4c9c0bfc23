"""The `meta` of a MediaAttachment, in the shape Mastodon's entity shows and this node stores it."""

from __future__ import annotations

from typing import Any


def size_meta(width: int, height: int) -> dict[str, Any]:
    """One size entry ("original" or "small")."""
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height if height else 1.0}


def clamp_focus(x: float, y: float) -> dict[str, float]:
    """A focal point within the -1.0..1.0 square clients draw in (0,0 is the centre, y grows upwards)."""
    return {"x": max(-1.0, min(1.0, x)), "y": max(-1.0, min(1.0, y))}
