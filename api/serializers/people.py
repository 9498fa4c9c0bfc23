"""A person found in the company directory: a Mastodon Account with a `flurfunk` object added."""

from __future__ import annotations

from typing import Any

from api.serializers.accounts import account_entity
from models.accounts import Account
from models.directory import DirectoryEntry


def person_entity(entry: DirectoryEntry, account: Account, base: str) -> dict[str, Any]:
    entity = account_entity(account, base)
    entity["flurfunk"] = {
        "department": entry.department,
        "title": entry.title,
        "location": entry.location,
        "skills": list(entry.skills or []),
        "node": entry.node,
    }
    return entity
