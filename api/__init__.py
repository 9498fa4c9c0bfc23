"""The Mastodon client API. `routes` and `middleware` are mounted by server.create_app."""

from __future__ import annotations

from api.app import middleware, routes

__all__ = ["routes", "middleware"]
