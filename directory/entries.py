"""Keeping the directory entries of local people in step with their accounts and work profiles.

Every local person has one DirectoryEntry. It is withdrawn (a tombstone that keeps only the
handle) while the account is suspended or not discoverable, so that peers pulling this node's
directory remove the person too (directory/exchange.py). `updated_at` moves only when
something a peer would see changed: the collection's `since` paging depends on it.

Changes made through this node's own paths call sync_account at once; sync_local_entries
puts right anything else (a suspension by another tool, a new account) on the worker's beat.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from models.accounts import Account
from models.base import utcnow
from models.directory import DirectoryEntry, WorkProfile

SEARCHED = ("display_name", "handle", "department", "title", "location", "skills")
# German spellings without umlauts ("Mueller") are as common as the plain letter ("Muller").
_TRANSLITERATIONS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ACCOUNT_COLUMNS = ("id", "username", "display_name", "discoverable", "suspended", "actor_type")
_PROFILE_COLUMNS = ("account_id", "department", "title", "location", "skills")


def fold(text: str) -> str:
    """Lower case without accents: "Müller" → "muller"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(values: dict[str, Any]) -> str:
    """The folded words of an entry's searchable fields, umlauts written both ways."""
    parts = [" ".join(values["skills"]) if name == "skills" else values[name] for name in SEARCHED]
    text = " ".join(p for p in parts if p)
    plain = fold(text)
    spelled = fold(text.casefold().translate(_TRANSLITERATIONS))
    return plain if spelled == plain else f"{plain} {spelled}"


def entry_values(account: dict[str, Any], profile: dict[str, Any] | None, domain: str) -> dict[str, Any]:
    """What a local person's entry should hold; `account` and `profile` as column dicts."""
    handle = f"{account['username']}@{domain}"
    withdrawn = bool(account["suspended"] or not account["discoverable"])
    values: dict[str, Any] = {
        "node": domain,
        "handle": handle,
        "display_name": "",
        "department": "",
        "title": "",
        "location": "",
        "skills": [],
        "withdrawn": withdrawn,
    }
    if not withdrawn:
        values["display_name"] = account["display_name"] or account["username"]
        if profile is not None:
            values.update({k: profile[k] for k in ("department", "title", "location")})
            values["skills"] = list(profile["skills"] or [])
    values["search_text"] = "" if withdrawn else search_text(values)
    return values


def _differs(entry: DirectoryEntry, values: dict[str, Any]) -> bool:
    return any(getattr(entry, name) != value for name, value in values.items())


async def sync_account(account: Account, domain: str) -> bool:
    """Bring one local person's entry up to date; True if it changed."""
    if account.domain or account.actor_type != "Person":
        return False
    row = {name: getattr(account, name) for name in _ACCOUNT_COLUMNS}
    profile = await WorkProfile.filter(account_id=account.id).values(*_PROFILE_COLUMNS)
    values = entry_values(row, profile[0] if profile else None, domain)
    entry = await DirectoryEntry.get_or_none(account_id=account.id)
    return await _save(entry, account.id, account.uri, values)


async def _save(entry: DirectoryEntry | None, account_id: int, uri: str, values: dict[str, Any]) -> bool:
    if entry is None:
        await DirectoryEntry.create(account_id=account_id, actor_uri=uri, updated_at=utcnow(), **values)
        return True
    if not _differs(entry, values):
        return False
    await save_changes(entry, values)
    return True


async def save_changes(entry: DirectoryEntry, values: dict[str, Any]) -> None:
    """Save through the model, never a queryset update: the people search indexes on post_save (people/index.py)."""
    for name, value in values.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    await entry.save()


async def sync_local_entries(domain: str) -> int:
    """Bring every local person's entry up to date in one pass; the number of entries changed."""
    accounts = await Account.filter(domain="", actor_type="Person").values(*_ACCOUNT_COLUMNS, "uri")
    profiles = {p["account_id"]: p for p in await WorkProfile.filter(account__domain="").values(*_PROFILE_COLUMNS)}
    entries = {e.account_id: e for e in await DirectoryEntry.filter(account__domain="")}  # type: ignore[attr-defined]
    changed = 0
    for account in accounts:
        values = entry_values(account, profiles.get(account["id"]), domain)
        changed += await _save(entries.get(account["id"]), account["id"], account["uri"], values)
    return changed
