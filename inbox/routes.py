"""The personal and shared inboxes: verify, store, answer 202. Applying happens in the worker,
but for plain posts, applied as they are stored (inbox/on_arrival.py).

`accept` is the whole of it; inbox/asgi.py calls it for every POST before Starlette routes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.accounts import local_account
from federation.authentication import signature_of, verify_signed_request
from federation.errors import SignatureError
from federation.parse import id_of
from federation.policy import host_of
from inbox.on_arrival import Candidate
from inbox.store import store_activity
from models.accounts import Account
from node import Node

MAX_BODY = 1 << 20


async def receive(request: Request) -> Response:
    """The inbox routes as Starlette sees them; POSTs are answered by InboxFirst (inbox/asgi.py) before."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    status, error = await accept(
        request.app.state.node, request.path_params.get("username"), path, request.headers, await request.body()
    )
    return Response(status_code=status) if error is None else JSONResponse({"error": error}, status_code=status)


async def accept(
    node: Node, username: str | None, path: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, str | None]:
    """Verify and store one POSTed activity: the status to answer, and the error message if refused.

    `username`: the personal inbox posted to (None: the shared one); `path` with its query string;
    `headers` answers `get` by lower-case name.
    """
    recipient = None
    if username is not None:
        recipient = await local_account(username)
        if recipient is None:
            return 404, "Record not found"
    if len(body) > MAX_BODY:
        return 413, "Activity too large"
    if not headers.get("signature"):
        # Before anything is read from the body: an unsigned request is refused as such (Mastodon's
        # "Request not signed"), whatever it holds.
        return 401, "Request not signed"
    try:
        activity = json.loads(body)
    except ValueError:
        return 400, "Body is not JSON"
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        return 400, "Body is not an activity"
    actor_uri = id_of(activity.get("actor"))
    if not actor_uri:
        return 400, "Activity has no actor"

    # Parsed once, for the policy check here and for verifying below.
    signature = signature_of(headers)
    key_id = signature.key_id if signature is not None else None
    actor_host = host_of(actor_uri)
    key_host = host_of(key_id) if key_id else actor_host
    if not node.policy.allows(actor_host) or not node.policy.allows(key_host):
        return 403, "This node does not federate with your domain"

    if activity["type"] == "Delete" and id_of(activity.get("object")) == actor_uri:
        if not await Account.exists(uri=actor_uri):
            # A deleted actor we never knew: its key is gone too, so the signature cannot be
            # checked, and there is nothing to delete (Mastodon answers 202 the same way).
            return 202, None

    try:
        signed_by = await verify_signed_request(node, "POST", path, headers, body, signature)
    except SignatureError as exc:
        return 401, str(exc)
    # Only the actor itself may speak for it (Mastodon: "Request signature does not match actor").
    if signed_by.actor_uri != actor_uri:
        return 401, "The signature's key does not belong to the activity's actor"

    activity_id = activity.get("id") if isinstance(activity.get("id"), str) else None
    if activity_id and host_of(activity_id) != actor_host:
        return 401, "The activity's id is not on its actor's host"
    if activity_id is None:
        # Transient activities (some servers send Delete without an id): key them by content.
        activity_id = f"urn:sha256:{hashlib.sha256(body).hexdigest()}"
    # An INSERT that skips a duplicate (the unique activity_id), written with whatever else
    # arrived meanwhile (inbox/store.py): a redelivered activity costs no extra round trip, and
    # waking the worker for it only costs one empty claim.
    # A Create may be a plain post, applied as it is stored (inbox/on_arrival.py), unless the
    # node's worker processes are to do it.
    candidate = None
    if node.settings.apply_on_arrival and activity["type"] == "Create" and isinstance(activity.get("object"), dict):
        candidate = Candidate(node, activity_id, actor_uri, activity)
    recipient_id = recipient.id if recipient else None
    if await store_activity(activity_id, actor_uri, recipient_id, body.decode(), candidate):
        node.wake_inbox()
    return 202, None


routes = [
    Route("/inbox", receive, methods=["POST"]),
    Route("/users/{username}/inbox", receive, methods=["POST"]),
    Route("/actor/inbox", receive, methods=["POST"]),
]
