"""A person on a real node, driven through the Mastodon client API, for readable federation scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.nodes import NodeProcess, wait_for


@dataclass
class Person:
    node: NodeProcess
    name: str
    token: str

    @classmethod
    def on(cls, node: NodeProcess, name: str) -> Person:
        return cls(node, name, node.add_user(name))

    @property
    def handle(self) -> str:
        return f"{self.name}@{self.node.domain}"

    def _client(self) -> httpx.Client:
        return self.node.client(self.token)

    def get(self, path: str, **params: Any) -> Any:
        with self._client() as client:
            response = client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, **data: Any) -> Any:
        with self._client() as client:
            response = client.post(path, json=data)
        response.raise_for_status()
        return response.json()

    def request(self, method: str, path: str, **data: Any) -> httpx.Response:
        with self._client() as client:
            return client.request(method, path, json=data or None)

    def account_id(self, other: Person) -> str:
        """The id of `other` on this person's node (resolved through WebFinger when remote)."""
        acct = other.name if other.node is self.node else other.handle
        return self.get("/api/v1/accounts/lookup", acct=acct)["id"]

    def follow(self, other: Person) -> dict:
        return self.post(f"/api/v1/accounts/{self.account_id(other)}/follow")

    def relationship(self, other: Person) -> dict:
        return self.get("/api/v1/accounts/relationships", **{"id[]": self.account_id(other)})[0]

    def wait_following(self, other: Person) -> None:
        wait_for(lambda: self.relationship(other)["following"], what=f"{self.name} following {other.name}")

    def toot(self, text: str, **options: Any) -> dict:
        return self.post("/api/v1/statuses", status=text, **options)

    def home(self) -> list[dict]:
        return self.get("/api/v1/timelines/home", limit=40)

    def wait_in_home(self, uri: str) -> dict:
        def find() -> dict | None:
            return next((s for s in self.home() if s["uri"] == uri or (s["reblog"] or {}).get("uri") == uri), None)

        return wait_for(find, what=f"{uri} in {self.name}'s home timeline")

    def notifications(self, kind: str | None = None) -> list[dict]:
        params = {"types[]": kind} if kind else {}
        return self.get("/api/v1/notifications", **params)

    def wait_notification(self, kind: str, predicate=lambda n: True) -> dict:
        def find() -> dict | None:
            return next((n for n in self.notifications(kind) if predicate(n)), None)

        return wait_for(find, what=f"a {kind} notification for {self.name}")

    def local_status(self, uri: str) -> dict | None:
        """The status with this ActivityPub id as this person's node knows it (via search, resolving)."""
        found = self.get("/api/v2/search", q=uri, type="statuses", resolve="false")["statuses"]
        return found[0] if found else None
