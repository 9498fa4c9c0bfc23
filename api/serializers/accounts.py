"""Account, CredentialAccount and Relationship entities."""

from __future__ import annotations

from typing import Any

from api.serializers.common import day_of, iso_ms
from core.accounts import avatar_url, header_url
from core.html import to_plain_text
from models.accounts import Account, User


def account_entity(account: Account, base: str) -> dict[str, Any]:
    avatar, header = avatar_url(account, base), header_url(account, base)
    created = account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)  # Mastodon shows the day only
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.acct(),
        "url": account.url or account.uri,
        "uri": account.uri,
        "display_name": account.display_name,
        "note": account.note,
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": "",
        "header": header,
        "header_static": header,
        "header_description": "",
        "locked": account.locked,
        "bot": account.bot,
        "group": account.actor_type == "Group",
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "hide_collections": False,
        "noindex": False,
        "suspended": account.suspended or None,
        "limited": None,
        "memorial": None,
        "created_at": iso_ms(created),
        "last_status_at": day_of(account.last_status_at),
        "statuses_count": account.statuses_count,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "emojis": [],
        "roles": [],
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": f.get("verified_at")}
            for f in account.fields_json
        ],
    }


def credential_account_entity(account: Account, user: User, base: str, follow_requests_count: int) -> dict[str, Any]:
    entity = account_entity(account, base)
    entity["source"] = {
        "note": account.note_source or to_plain_text(account.note),
        "fields": [
            # `source` is what the user typed (update_credentials keeps it); `value` is its HTML.
            {"name": f.get("name", ""), "value": f.get("source", f.get("value", "")), "verified_at": None}
            for f in account.fields_json
            # The work profile's rows (directory/profiles.py) are not the user's to edit in a Mastodon app.
            if not f.get("flurfunk")
        ],
        "privacy": user.default_visibility,
        "sensitive": user.default_sensitive,
        "language": user.default_language,
        "follow_requests_count": follow_requests_count,
        "hide_collections": False,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "attribution_domains": [],
    }
    entity["role"] = {
        "id": "3" if user.admin else "-99",
        "name": "Admin" if user.admin else "",
        "color": "",
        "permissions": "1" if user.admin else "0",
        "highlighted": user.admin,
    }
    return entity
