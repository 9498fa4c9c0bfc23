"""The client side of WebFinger: from user@domain on another node to its actor."""

from __future__ import annotations

import json

import httpx

from core.accounts import local_account
from federation.actors import fetch_actor
from federation.errors import DomainNotAllowed, FetchError
from models.accounts import Account
from node import Node

JRD = "application/jrd+json, application/json"
ACTIVITY_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')


def split_acct(acct: str) -> tuple[str, str | None]:
    """('user', 'host:port') from 'user@host:port', '@user@host' or 'acct:user@host'; domain None if absent."""
    acct = acct.strip().removeprefix("acct:").lstrip("@")
    username, _, domain = acct.partition("@")
    return username, (domain.lower() or None)


async def webfinger_actor_uri(node: Node, username: str, domain: str) -> str:
    if not node.policy.allows(domain):
        raise DomainNotAllowed(f"{domain} is not a domain this node federates with")
    url = f"{node.settings.scheme if _is_loopback(domain) else 'https'}://{domain}/.well-known/webfinger"
    try:
        response = await node.http.get(url, params={"resource": f"acct:{username}@{domain}"}, headers={"Accept": JRD})
    except httpx.HTTPError as exc:
        raise FetchError(f"WebFinger at {domain} could not be reached: {exc!r}") from exc
    if response.status_code != 200:
        raise FetchError(f"WebFinger at {domain} answered {response.status_code} for {username}")
    try:
        links = json.loads(response.content).get("links", [])
    except (ValueError, AttributeError) as exc:
        raise FetchError(f"WebFinger at {domain} did not answer JSON") from exc
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in ACTIVITY_TYPES:
            href = link.get("href")
            if isinstance(href, str):
                return href
    raise FetchError(f"WebFinger at {domain} has no ActivityPub actor for {username}")


def _is_loopback(domain: str) -> bool:
    # Nodes tested on loopback speak plain http, as FEDI_SCHEME=http says; everything else is https.
    host = domain.split(":", 1)[0]
    return host in ("localhost", "127.0.0.1", "[::1]") or host.startswith("127.")


async def find_account(node: Node, username: str, domain: str | None, resolve: bool = True) -> Account | None:
    """The account for a handle: local, known remote, or (when `resolve`) looked up on its node."""
    if domain is None or domain == node.settings.domain:
        return await local_account(username)
    known = await Account.filter(username__iexact=username, domain=domain).first()
    if known is not None or not resolve:
        return known
    try:
        return await fetch_actor(node, await webfinger_actor_uri(node, username, domain))
    except FetchError:
        return None
