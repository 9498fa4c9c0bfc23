"""People from the company's LDAP directory (OpenLDAP, Active Directory, ...) through ldap3.

The search asks for the standard inetOrgPerson attributes and reads the results in pages
(RFC 2696), as Active Directory hands out at most 1000 entries per plain search.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldap3 import SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from directory.importing import ATTRIBUTES, BadRecord, Person, person_from

PEOPLE = "(objectClass=inetOrgPerson)"
PAGE_SIZE = 500


class SourceError(Exception):
    """The directory cannot be searched; the message says why."""


@dataclass(frozen=True)
class LDAPQuery:
    url: str
    base_dn: str
    bind_dn: str = ""
    password: str = ""
    filter: str = ""
    department: str = ""
    # inetOrgPerson has no skills attribute; directories that keep them name theirs here.
    skills_attribute: str = ""
    start_tls: bool = False
    timeout: int = 30

    def search_filter(self) -> str:
        people = self.filter or PEOPLE
        if not people.startswith("("):
            people = f"({people})"
        if self.department:
            return f"(&{people}(departmentNumber={escape_filter_chars(self.department)}))"
        return people

    def attributes(self) -> list[str]:
        return [*ATTRIBUTES, *([self.skills_attribute] if self.skills_attribute else [])]


def read_people(query: LDAPQuery) -> list[Person | BadRecord]:
    """Everyone the search finds, as Person records (or BadRecords naming the entry's DN). Blocking."""
    server = Server(query.url, connect_timeout=query.timeout)
    try:
        connection = Connection(
            server,
            user=query.bind_dn or None,
            password=query.password or None,
            receive_timeout=query.timeout,
            raise_exceptions=True,
            read_only=True,
        )
        if query.start_tls:
            connection.open()
            connection.start_tls()
        connection.bind()
    except LDAPException as exc:
        raise SourceError(f"cannot log in to {query.url} as {query.bind_dn or 'anonymous'}: {exc}") from None
    try:
        entries = connection.extend.standard.paged_search(
            search_base=query.base_dn,
            search_filter=query.search_filter(),
            search_scope=SUBTREE,
            attributes=query.attributes(),
            paged_size=PAGE_SIZE,
            generator=True,
        )
        records: list[Person | BadRecord] = []
        for entry in entries:
            if entry.get("type") != "searchResEntry":
                continue  # referrals
            attributes = dict(entry["attributes"])
            if query.skills_attribute:
                attributes["skills"] = attributes.get(query.skills_attribute) or []
            records.append(person_from(attributes, entry["dn"]))
        return records
    except LDAPException as exc:
        raise SourceError(f"searching {query.base_dn} on {query.url} failed: {exc}") from None
    finally:
        connection.unbind()
