"""`GET /directory`: this node's people, for the peers that pull them (directory/exchange.py).

Only signed fetches from directory peers get it: no signature is 401 (as Mastodon answers
unsigned fetches in secure mode), a signature from any other node is 403, decided before
its key is even fetched.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from directory.exchange import PATH, PageQuery, collection, collection_page, is_peer
from federation.authentication import key_id_of, signed_actor
from federation.errors import FederationError
from federation.policy import host_of
from node import Node


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def directory_collection(request: Request) -> Response:
    node: Node = request.app.state.node
    key_id = key_id_of(request.headers)
    if key_id is None:
        return _error(401, "Request not signed: the directory is served to signed fetches from peer nodes")
    if not is_peer(node, host_of(key_id)):
        return _error(403, "This node does not exchange its directory with your domain")
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        signer = await signed_actor(node, request.method, path, request.headers, b"")
    except FederationError as exc:
        return _error(401, str(exc))
    if not is_peer(node, signer.domain):
        return _error(403, "This node does not exchange its directory with your domain")
    try:
        query = PageQuery.parse(dict(request.query_params))
    except ValueError as exc:
        return _error(400, str(exc))
    base = node.settings.base_url
    page = request.query_params.get("page") == "true"
    document = await (collection_page(base, query) if page else collection(base, query))
    return Response(
        json.dumps(document, separators=(",", ":"), ensure_ascii=False),
        media_type="application/activity+json",
        # Each peer sees the same pages, but only peers may: no shared caches.
        headers={"Cache-Control": "private, no-store", "Vary": "Signature"},
    )


routes = [Route(PATH, directory_collection, methods=["GET"])]
