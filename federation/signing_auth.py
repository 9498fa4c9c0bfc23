"""Request signing as an httpx.Auth, so any request the node sends can be signed by passing auth=."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from federation.signatures import sign


class HttpSignatureAuth(httpx.Auth):
    requires_request_body = True

    def __init__(self, key_id: str, private_key_pem: str) -> None:
        self.key_id = key_id
        self.private_key_pem = private_key_pem

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body = request.content if request.method != "GET" else None
        for name, value in sign(request.method, str(request.url), body, self.key_id, self.private_key_pem).items():
            request.headers[name] = value
        yield request
