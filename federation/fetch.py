"""Fetching ActivityStreams documents from other nodes: signed, policed, size-limited."""

from __future__ import annotations

import json
from typing import Any

import httpx

from federation.errors import DomainNotAllowed, FetchError
from federation.policy import host_of
from federation.signing_auth import HttpSignatureAuth
from node import Node

ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_DOCUMENT_BYTES = 1 << 20


async def fetch_json(node: Node, url: str, auth: HttpSignatureAuth | None, accept: str = ACCEPT) -> dict[str, Any]:
    """GET `url` signed as `auth`'s actor; the answer must be a JSON object served from `url`'s host."""
    if not url.startswith(("https://", "http://")):
        raise FetchError(f"not an http(s) URL: {url!r}")
    if not node.policy.allows_url(url):
        raise DomainNotAllowed(f"{host_of(url)} is not a domain this node federates with")
    try:
        response = await node.http.get(url, headers={"Accept": accept}, auth=auth or httpx.USE_CLIENT_DEFAULT)
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: {exc!r}") from exc
    if response.status_code in (301, 302, 303, 307, 308):
        raise FetchError(f"{url} redirects to {response.headers.get('location')}; not followed")
    if response.status_code != 200:
        raise FetchError(f"{url} answered {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise FetchError(f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(response.content)
    except ValueError as exc:
        raise FetchError(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise FetchError(f"{url} did not answer a JSON object")
    # A document may only speak for its own host: never trust an id on another host.
    doc_id = document.get("id")
    if isinstance(doc_id, str) and host_of(doc_id) != host_of(url):
        raise FetchError(f"{url} served a document whose id {doc_id} is on another host")
    return document
