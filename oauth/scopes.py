"""The OAuth scopes Mastodon 4.3 knows, and checking what an app or a token may ask for."""

from __future__ import annotations

from api.auth import has_scope

# Doorkeeper's default_scopes + optional_scopes in Mastodon 4.3 (config/initializers/doorkeeper.rb).
DEFAULT_SCOPES = "read"
ALL_SCOPES: tuple[str, ...] = (
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
)
_KNOWN = frozenset(ALL_SCOPES)


class ScopeError(Exception):
    """A scope string names something unknown or more than the app registered."""


def parse(value: object, default: str = DEFAULT_SCOPES) -> list[str]:
    """Scopes from a space-separated string (or '+'-joined, as some clients send) or a list; unknown ones raise."""
    if isinstance(value, list | tuple):
        words = [str(item) for item in value]
    else:
        words = str(value or "").replace("+", " ").split()
    if not words:
        words = default.split()
    unknown = [word for word in words if word not in _KNOWN]
    if unknown:
        raise ScopeError(f"unknown scope {unknown[0]!r}")
    return list(dict.fromkeys(words))


def within(requested: list[str], registered: str) -> bool:
    """Whether every requested scope is one the app registered or a granular child of one.

    Doorkeeper asks for an exact subset; granting `read:statuses` to an app registered for
    `read` only narrows what it may do, so that is allowed too.
    """
    granted = frozenset(registered.split())
    return all(has_scope(granted, scope) for scope in requested)
