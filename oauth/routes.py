"""OAuth 2 routes (filled in by the OAuth work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
