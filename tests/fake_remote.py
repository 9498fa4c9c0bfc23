"""Remote actors for in-process tests: their documents served through an httpx.MockTransport,
their deliveries signed with their own keys. No sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from federation.keys import generate_key_pair
from federation.signatures import sign
from server import create_app
from settings import Settings

AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


@dataclass
class RemoteActor:
    """A Person on another server. `key_style` "fragment" is Mastodon's `…#main-key`; "document" is
    GoToSocial's `…/main-key`, a key document of its own that names its `owner`."""

    uri: str
    key_style: str = "fragment"
    keys: tuple[str, str] = field(default_factory=generate_key_pair)

    @property
    def username(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def key_id(self) -> str:
        return self.uri + ("#main-key" if self.key_style == "fragment" else "/main-key")

    @property
    def private_pem(self) -> str:
        return self.keys[0]

    def key_document(self) -> dict[str, Any]:
        return {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.keys[1]}

    def document(self) -> dict[str, Any]:
        return {
            "@context": AS_CONTEXT,
            "id": self.uri,
            "type": "Person",
            "preferredUsername": self.username,
            "name": self.username.title(),
            "inbox": self.uri + "/inbox",
            "outbox": self.uri + "/outbox",
            "followers": self.uri + "/followers",
            "featured": self.uri + "/collections/featured",
            "endpoints": {"sharedInbox": self.uri.split("/users/")[0] + "/inbox"},
            "publicKey": self.key_document(),
        }

    def rotate_key(self) -> None:
        self.keys = generate_key_pair()

    def signed_headers(self, url: str, body: bytes, private_pem: str | None = None) -> dict[str, str]:
        headers = sign("POST", url, body, self.key_id, private_pem or self.private_pem)
        return {**headers, "Content-Type": "application/activity+json"}


class Fediverse:
    """Serves remote actors (and their key documents) to the node under test; records fetches."""

    def __init__(self) -> None:
        self.actors: dict[str, RemoteActor] = {}
        self.documents: dict[str, dict[str, Any]] = {}  # other objects they serve, by URL
        self.fetched: list[str] = []

    def actor(self, uri: str, key_style: str = "fragment") -> RemoteActor:
        actor = RemoteActor(uri, key_style)
        self.actors[uri] = actor
        return actor

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url.copy_with(fragment=None))
        self.fetched.append(url)
        for actor in self.actors.values():
            if url == actor.uri:
                return _json(actor.document())
            if url == actor.key_id:
                return _json({"@context": AS_CONTEXT, **actor.key_document()})
        if request.method == "GET" and url in self.documents:
            return _json(self.documents[url])
        if request.method == "POST":
            return httpx.Response(202)
        return httpx.Response(404, json={"error": "Record not found"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def _json(document: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(document), headers={"Content-Type": "application/activity+json"})


@dataclass
class InProcessNode:
    app: Any
    settings: Settings

    @property
    def node(self):
        return self.app.state.node

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.settings.base_url)

    async def deliver(
        self, actor: RemoteActor, activity: dict[str, Any], path: str = "/inbox", private_pem: str | None = None
    ) -> httpx.Response:
        """POST `activity` to `path`, signed as `actor` (or with another key, to forge)."""
        body = json.dumps(activity).encode()
        headers = actor.signed_headers(self.settings.base_url + path, body, private_pem)
        async with self.client() as client:
            return await client.post(path, content=body, headers=headers)


@asynccontextmanager
async def in_process_node(settings: Settings, fediverse: Fediverse) -> AsyncIterator[InProcessNode]:
    app = create_app(settings, transport=fediverse.transport())
    async with app.router.lifespan_context(app):
        yield InProcessNode(app, settings)


def note_create(actor: RemoteActor, number: int = 1, content: str = "<p>Hello</p>") -> dict[str, Any]:
    status = f"{actor.uri}/statuses/{number}"
    public = "https://www.w3.org/ns/activitystreams#Public"
    return {
        "@context": AS_CONTEXT,
        "id": status + "/activity",
        "type": "Create",
        "actor": actor.uri,
        "to": [public],
        "object": {
            "id": status,
            "type": "Note",
            "attributedTo": actor.uri,
            "content": content,
            "to": [public],
            "published": "2025-06-05T09:30:00Z",
        },
    }


def note_delete(actor: RemoteActor, create: dict[str, Any]) -> dict[str, Any]:
    """The Delete of the post `create` made (a Tombstone, as Mastodon sends it)."""
    post = create["object"]["id"]
    return {
        "@context": AS_CONTEXT,
        "id": post + "#delete",
        "type": "Delete",
        "actor": actor.uri,
        "object": {"id": post, "type": "Tombstone"},
    }
