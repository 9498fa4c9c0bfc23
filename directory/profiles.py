"""Work profiles: department, title, location, phone, skills and manager of an account.

Local profiles are edited through update_credentials (api/profile.py) and `server.py user set`,
and filled by the CSV/LDAP imports; remote ones are read from actor documents. Mastodon apps
know nothing of them, so the profile is also written into the account's profile fields
(Department, Title, Location, Skills): every app shows them, and every fediverse server reads
them from the actor's PropertyValue attachments. Those rows carry a `flurfunk` key naming
the work property, so the user's own fields (at most four, as in Mastodon) stay apart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.accounts import Account
from models.base import utcnow
from models.directory import WorkProfile
from node import Node
from webfinger.resolve import find_account, split_acct

TEXT_LIMITS = {"department": 255, "title": 255, "location": 255, "phone": 64}
MAX_SKILLS = 50
MAX_SKILL = 100
# The profile fields shown to Mastodon apps, in this order; phone and manager stay in the structured data.
SHOWN = (("department", "Department"), ("title", "Title"), ("location", "Location"), ("skills", "Skills"))
WORK_KEYS = ("department", "title", "location", "phone", "skills", "manager_uri")
_SKILL_SEPARATORS = re.compile(r"[;,]")


class ProfileError(Exception):
    """A work profile value that cannot be stored; the message says which and why."""


@dataclass(frozen=True)
class WorkData:
    """A work profile as plain values, whatever it was read from."""

    department: str = ""
    title: str = ""
    location: str = ""
    phone: str = ""
    skills: tuple[str, ...] = ()
    manager_uri: str = ""

    @classmethod
    def of(cls, profile: WorkProfile | None) -> WorkData:
        if profile is None:
            return cls()
        return cls(
            profile.department,
            profile.title,
            profile.location,
            profile.phone,
            tuple(profile.skills or ()),
            profile.manager_uri,
        )

    def is_empty(self) -> bool:
        return self == WorkData()


def parse_skills(value: Any) -> list[str]:
    """Skills from a list or a string separated by commas or semicolons; blanks and repeats dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else _SKILL_SEPARATORS.split(str(value))
    skills: list[str] = []
    seen: set[str] = set()
    for item in items:
        skill = " ".join(str(item).split())
        if not skill or skill.casefold() in seen:
            continue
        if len(skill) > MAX_SKILL:
            raise ProfileError(f"Skill {skill[:20]!r}… is too long (maximum is {MAX_SKILL} characters)")
        seen.add(skill.casefold())
        skills.append(skill)
    if len(skills) > MAX_SKILLS:
        raise ProfileError(f"Skills is too long (maximum is {MAX_SKILLS} skills)")
    return skills


def parse_work_changes(params: Mapping[str, Any]) -> dict[str, Any]:
    """The work properties present in `params`, checked; `manager` stays a handle or id to resolve."""
    changes: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        value = params.get(name)
        if value is None or isinstance(value, dict | list):
            continue
        text = " ".join(str(value).split())
        if len(text) > limit:
            raise ProfileError(f"{name.capitalize()} is too long (maximum is {limit} characters)")
        changes[name] = text
    if params.get("skills") is not None:
        changes["skills"] = parse_skills(params["skills"])
    manager = params.get("manager")
    if manager is not None and not isinstance(manager, dict | list):
        changes["manager"] = str(manager).strip()
    return changes


async def resolve_manager(node: Node, value: str, account: Account) -> str:
    """The actor id of the manager named by a handle (user, user@domain) or an account id; "" clears."""
    if not value:
        return ""
    manager: Account | None
    if value.isdigit():
        manager = await Account.get_or_none(id=int(value))
    else:
        username, domain = split_acct(value)
        manager = await find_account(node, username, domain, resolve=True) if username else None
    if manager is None or manager.actor_type != "Person" or manager.suspended:
        raise ProfileError(f"Manager {value!r} is not an account this node knows")
    if manager.id == account.id:
        raise ProfileError("Manager cannot be the person themselves")
    return manager.uri


async def update_work_profile(node: Node, account: Account, changes: dict[str, Any]) -> bool:
    """Apply checked changes (from parse_work_changes) to the account's work profile; True if anything changed.

    The account's profile fields are rewritten to match, but the account row is not saved here:
    the caller saves it with its own changes (see show_in_fields).
    """
    values = dict(changes)
    if "manager" in values:
        values["manager_uri"] = await resolve_manager(node, values.pop("manager"), account)
    profile = await WorkProfile.get_or_none(account_id=account.id)
    if profile is None:
        if not any(values.values()):
            return False
        profile = WorkProfile(account=account)
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    if not changed and profile.id is not None:
        return False
    for name in changed:
        setattr(profile, name, values[name])
    profile.updated_at = utcnow()
    await profile.save()
    show_in_fields(account, WorkData.of(profile))
    return True


def work_fields(work: WorkData) -> list[dict[str, Any]]:
    """The Mastodon profile fields for a work profile: HTML `value`, typed `source`, as api/profile.py stores them."""
    rows = []
    for key, label in SHOWN:
        value = ", ".join(work.skills) if key == "skills" else getattr(work, key)
        if value:
            rows.append({"name": label, "value": html.escape(value, quote=False), "source": value, "flurfunk": key})
    return rows


def own_fields(fields_json: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The profile fields the user wrote, without the rows the work profile puts there."""
    return [f for f in fields_json if not f.get("flurfunk")]


def show_in_fields(account: Account, work: WorkData) -> None:
    """The user's fields first (Mastodon apps edit those), then the work profile's."""
    account.fields_json = own_fields(account.fields_json or []) + work_fields(work)


async def work_data(account: Account) -> WorkData:
    return WorkData.of(await WorkProfile.get_or_none(account_id=account.id))
