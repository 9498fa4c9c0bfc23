"""Putting people straight into the company directory, as the directory exchange would."""

from __future__ import annotations

from models.accounts import Account
from models.directory import DirectoryEntry


async def add_person(
    username: str,
    node: str = "hr.example",
    display_name: str = "",
    department: str = "",
    title: str = "",
    location: str = "",
    skills: list[str] | None = None,
    withdrawn: bool = False,
    local_domain: str = "",
) -> DirectoryEntry:
    """A directory entry with its account: remote unless `node` is `local_domain` (this node)."""
    local = node == local_domain
    account = await Account.get_or_none(username=username, domain="" if local else node)
    if account is None:
        account = Account(
            username=username,
            domain="" if local else node,
            display_name=display_name,
            uri=f"https://{node}/users/{username}",
            url=f"https://{node}/@{username}",
        )
        await account.save()
    return await DirectoryEntry.create(
        account=account,
        node=node,
        actor_uri=account.uri,
        handle=f"{username}@{node}",
        display_name=display_name,
        department=department,
        title=title,
        location=location,
        skills=skills or [],
        withdrawn=withdrawn,
    )
