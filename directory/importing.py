"""Accounts from the company's user directory: one person record → Account + User + WorkProfile.

Sources (directory/csv_source.py, directory/ldap_source.py) turn their rows into Person
records with the standard LDAP attributes (uid, cn, mail, departmentNumber, title, l,
telephoneNumber, manager) and skills, or into BadRecords. One sync run then:
- creates people it has not seen (their login is the company's single sign-on: they have no
  local password),
- updates changed ones and takes back people who return,
- suspends the people of that source missing from it: posts kept, login and tokens refused
  (oauth/logins.py, api/auth.py), directory entry withdrawn (directory/entries.py).
A bad record is counted and reported, and the run goes on; its person (when the uid is
readable) is left as they were rather than suspended.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from core.registration import USERNAME, RegistrationError, create_local_account
from directory.entries import fold, sync_account
from directory.profiles import ProfileError, WorkData, parse_work_changes, show_in_fields
from models.accounts import Account, User
from models.base import utcnow
from models.directory import WorkProfile
from node import Node
from outbox.interactions import send_profile_update

# What the directory must hold for an address to be stored: something@host.tld, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ATTRIBUTES = ("uid", "cn", "mail", "departmentNumber", "title", "l", "telephoneNumber", "manager")
Outcome = str  # "created", "updated" or "unchanged"


class RecordError(Exception):
    """One person's record cannot be used; the message says why."""


@dataclass(frozen=True)
class Person:
    uid: str
    name: str
    email: str = ""
    department: str = ""
    title: str = ""
    location: str = ""
    phone: str = ""
    skills: tuple[str, ...] = ()
    manager: str = ""  # as the directory has it: a DN (uid=boss,ou=people,...), a uid or user@domain
    where: str = ""  # "line 7" or the entry's DN, for messages


@dataclass(frozen=True)
class BadRecord:
    where: str
    message: str
    uid: str = ""


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    suspended: int = 0
    unchanged: int = 0
    errors: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, suspended {self.suspended}, "
            f"unchanged {self.unchanged}, errors {self.errors}"
        )


def _first(value: Any) -> str:
    """A single-valued attribute: LDAP hands lists, CSV strings; blanks collapsed."""
    if isinstance(value, list | tuple):
        value = next((v for v in value if str(v).strip()), "")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value or "").split())


def person_from(attributes: Mapping[str, Any], where: str) -> Person | BadRecord:
    """A Person from directory attributes (names as in LDAP), or a BadRecord saying what is wrong."""
    uid = _first(attributes.get("uid")).lower()
    if not uid:
        return BadRecord(where, "no uid")
    if not USERNAME.match(uid):
        return BadRecord(where, f"uid {uid!r} cannot be a user name (letters, digits, '_', '.', '-'; at most 30)", uid)
    email = _first(attributes.get("mail"))
    if email and not EMAIL.match(email):
        return BadRecord(where, f"{uid}: {email!r} is not an e-mail address", uid)
    skills = attributes.get("skills")
    try:
        work = parse_work_changes(
            {
                "department": _first(attributes.get("departmentNumber")),
                "title": _first(attributes.get("title")),
                "location": _first(attributes.get("l")),
                "phone": _first(attributes.get("telephoneNumber")),
                # CSV: one cell separated by ";"; LDAP: one value per skill.
                "skills": [s for s in skills if s] if isinstance(skills, list | tuple) else (skills or ""),
            }
        )
    except ProfileError as exc:
        return BadRecord(where, f"{uid}: {exc}", uid)
    name = _first(attributes.get("cn")) or uid
    if len(name) > 255:
        return BadRecord(where, f"{uid}: cn is too long (maximum is 255 characters)", uid)
    return Person(
        uid=uid,
        name=name,
        email=email,
        department=work["department"],
        title=work["title"],
        location=work["location"],
        phone=work["phone"],
        skills=tuple(work["skills"]),
        manager=_first(attributes.get("manager")),
        where=where,
    )


def manager_key(value: str) -> str:
    """The manager's uid (or handle) from a DN such as uid=boss,ou=people,dc=corp,dc=example."""
    first, _, rest = value.partition(",")
    attribute, equals, key = first.partition("=")
    if equals and rest and attribute.strip().lower() == "uid":
        return key.strip().lower()
    return value.strip().lower()


class DirectorySync:
    """One run of an import from one source ("csv" or "ldap"), optionally of one department."""

    def __init__(
        self, node: Node, source: str, department: str = "", report: Callable[[str], None] = lambda line: None
    ) -> None:
        self.node = node
        self.source = source
        self.department = department
        self.report = report
        self.summary = Summary()
        self._seen: dict[str, str] = {}  # uid → where it was first seen
        self._outcomes: dict[str, Outcome] = {}
        self._people: dict[str, tuple[Account, Person]] = {}

    @property
    def domain(self) -> str:
        return self.node.settings.domain

    def _problem(self, where: str, message: str) -> None:
        self.summary.errors += 1
        line = f"{where}: {message}" if where else message
        self.summary.problems.append(line)
        self.report(line)

    def _in_scope(self, department: str) -> bool:
        return not self.department or fold(department) == fold(self.department)

    async def run(self, records: Iterable[Person | BadRecord], progress: Callable[[], None] = lambda: None) -> Summary:
        for record in records:
            await self._take(record)
            progress()
        await self._set_managers()
        await self._suspend_leavers()
        for uid, outcome in self._outcomes.items():
            setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
            if outcome == "updated":
                # Followers on other nodes see the new work data (and name) in their copy of the profile.
                await send_profile_update(self.node, self._people[uid][0])
        return self.summary

    async def _take(self, record: Person | BadRecord) -> None:
        if isinstance(record, BadRecord):
            if record.uid:
                self._seen.setdefault(record.uid, record.where)  # not a leaver: only their row is bad
            self._problem(record.where, record.message)
            return
        if not self._in_scope(record.department):
            return
        if record.uid in self._seen:
            self._problem(record.where, f"{record.uid} appears a second time (first at {self._seen[record.uid]})")
            return
        self._seen[record.uid] = record.where
        try:
            async with in_transaction():
                account, outcome = await self._apply(record)
        except RecordError as exc:
            self._problem(record.where, f"{record.uid}: {exc}")
            return
        self._outcomes[record.uid] = outcome
        self._people[record.uid] = (account, record)

    async def _apply(self, person: Person) -> tuple[Account, Outcome]:
        profile = await WorkProfile.get_or_none(external_id=person.uid).prefetch_related("account")
        account = profile.account if profile is not None else None
        if account is None:
            account = await Account.get_or_none(username=person.uid, domain="", actor_type="Person")
        if person.email:
            # Logins by e-mail address (oauth/logins.py) must find one person.
            others = User.filter(email__iexact=person.email)
            if account is not None:
                others = others.exclude(account_id=account.id)
            if await others.exists():
                raise RecordError(f"the e-mail address {person.email} belongs to another account")
        if account is None:
            return await self._create(person), "created"
        if profile is None:
            # Someone made by hand (or by another source) before the directory knew them: the directory takes over.
            profile = await WorkProfile.get_or_none(account_id=account.id) or WorkProfile(account=account)
        return account, await self._update(account, profile, person)

    async def _create(self, person: Person) -> Account:
        try:
            # They log in through the company's single sign-on, so they get no password: hashing
            # a random one nobody is told cost 0.4 s of argon2 per person, most of an import's time.
            base = self.node.settings.base_url
            account = await create_local_account(base, person.uid, None, person.email, person.name)
        except RegistrationError as exc:
            raise RecordError(str(exc)) from None
        work = _work_of(person)
        await WorkProfile.create(account=account, source=self.source, external_id=person.uid, **_columns(work))
        show_in_fields(account, work)
        await account.save(update_fields=["fields_json"])
        await sync_account(account, self.domain)
        return account

    async def _update(self, account: Account, profile: WorkProfile, person: Person) -> Outcome:
        work = _work_of(person, manager_uri=profile.manager_uri)
        changed = False
        if WorkData.of(profile) != work or profile.source != self.source or profile.external_id != person.uid:
            for name, value in _columns(work).items():
                setattr(profile, name, value)
            profile.source = self.source
            profile.external_id = person.uid
            profile.updated_at = utcnow()
            await profile.save()
            changed = True
        before = (account.display_name, account.suspended, list(account.fields_json or []))
        account.display_name = person.name
        account.suspended = False  # back in the directory: back in
        show_in_fields(account, work)
        if (account.display_name, account.suspended, account.fields_json) != before:
            account.updated_at = utcnow()
            await account.save(update_fields=["display_name", "suspended", "fields_json", "updated_at"])
            changed = True
        user = await User.get(account_id=account.id)
        if person.email and user.email.lower() != person.email.lower():
            user.email = person.email
            await user.save(update_fields=["email"])
            changed = True
        await sync_account(account, self.domain)
        return "updated" if changed else "unchanged"

    async def _set_managers(self) -> None:
        """Managers last: a manager's own row may come after their report's."""
        for uid, (account, person) in self._people.items():
            manager_uri = await self._manager_uri(person) if person.manager else ""
            if manager_uri is None:
                self.report(f"{person.where}: {uid}: manager {person.manager!r} is not known here; left empty")
                manager_uri = ""
            updated = (
                await WorkProfile.filter(account_id=account.id)
                .exclude(manager_uri=manager_uri)
                .update(manager_uri=manager_uri, updated_at=utcnow())
            )
            if updated and self._outcomes[uid] == "unchanged":
                self._outcomes[uid] = "updated"

    async def _manager_uri(self, person: Person) -> str | None:
        key = manager_key(person.manager)
        profile = await WorkProfile.get_or_none(external_id=key).prefetch_related("account")
        if profile is not None:
            return profile.account.uri
        username, _, domain = key.partition("@")
        manager = await Account.get_or_none(username=username, domain="" if domain == self.domain else domain)
        return manager.uri if manager is not None and manager.actor_type == "Person" else None

    async def _suspend_leavers(self) -> None:
        gone = [
            profile
            for profile in await WorkProfile.filter(source=self.source, account__domain="").prefetch_related("account")
            if profile.external_id not in self._seen and self._in_scope(profile.department)
        ]
        if gone and not self._seen:
            # An empty file or a wrong base DN must not lock the whole company out.
            self._problem("", f"the {self.source} source listed nobody; nobody was suspended")
            return
        for profile in gone:
            account: Account = profile.account
            if account.suspended:
                continue
            account.suspended = True
            account.updated_at = utcnow()
            await account.save(update_fields=["suspended", "updated_at"])
            await sync_account(account, self.domain)
            self.summary.suspended += 1
            self.report(f"suspended {account.username}: no longer in the {self.source} source")


def _work_of(person: Person, manager_uri: str = "") -> WorkData:
    return WorkData(person.department, person.title, person.location, person.phone, tuple(person.skills), manager_uri)


def _columns(work: WorkData) -> dict[str, Any]:
    return {
        "department": work.department,
        "title": work.title,
        "location": work.location,
        "phone": work.phone,
        "skills": list(work.skills),
        "manager_uri": work.manager_uri,
    }
