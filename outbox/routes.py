"""Actors, outboxes, follower collections and posts as ActivityStreams (or HTML for browsers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.accounts import local_account
from core.visibility import can_see
from federation import documents
from federation.actors import instance_actor
from federation.authentication import signed_actor
from federation.errors import SignatureError
from federation.parse import PUBLIC
from models.accounts import Account
from models.directory import WorkProfile
from models.relationships import Follow
from models.statuses import Status
from node import Node
from outbox.negotiation import activity_response, wants_activity_json
from outbox.statuses import note_document
from web import pages

PAGE_SIZE = 20


def _not_found() -> Response:
    return JSONResponse({"error": "Record not found"}, status_code=404)


async def _account(request: Request) -> Account | None:
    account = await local_account(request.path_params["username"])
    return account if account is not None and account.actor_type == "Person" else None


async def actor(request: Request) -> Response:
    account = await _account(request)
    if account is None:
        return _not_found()
    if not wants_activity_json(request):
        return await pages.profile(request, account)
    work = await WorkProfile.get_or_none(account_id=account.id)
    return activity_response(documents.person(account, request.app.state.node.settings.base_url, work))


async def instance(request: Request) -> Response:
    node: Node = request.app.state.node
    return activity_response(documents.person(await instance_actor(node), node.settings.base_url))


def _page_url(collection: str, **params: object) -> str:
    return collection + "?" + "&".join(f"{k}={v}" for k, v in params.items())


async def outbox(request: Request) -> Response:
    account = await _account(request)
    if account is None:
        return _not_found()
    node: Node = request.app.state.node
    collection = account.outbox_url
    query = Status.filter(account_id=account.id, visibility__in=("public", "unlisted"))
    total = await query.count()
    if request.query_params.get("page") != "true":
        return activity_response(documents.ordered_collection(collection, total, _page_url(collection, page="true")))
    max_id = _int(request.query_params.get("max_id"))
    page = query.order_by("-id").limit(PAGE_SIZE)
    if max_id:
        page = page.filter(id__lt=max_id)
    items = []
    statuses = list(await page.prefetch_related("reblog"))
    for status in statuses:
        if status.reblog_id:
            to, cc = [PUBLIC], [account.followers_url]
            items.append(
                documents.activity("Announce", status.uri, account, status.reblog.uri, to, cc, status.created_at)
            )
        else:
            note = await note_document(node, status)
            items.append(
                documents.activity(
                    "Create", status.uri + "/activity", account, note, note["to"], note["cc"], status.created_at
                )
            )
    next_page = _page_url(collection, page="true", max_id=statuses[-1].id) if len(statuses) == PAGE_SIZE else None
    return activity_response(
        documents.ordered_collection_page(
            node.url(request.url.path) + "?" + request.url.query, collection, items, next_page, None, total
        )
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


async def _follow_collection(request: Request, followers: bool) -> Response:
    account = await _account(request)
    if account is None:
        return _not_found()
    collection = account.followers_url if followers else account.following_url
    query = Follow.filter(target_account_id=account.id) if followers else Follow.filter(account_id=account.id)
    total = await query.count()
    page_number = _int(request.query_params.get("page"))
    if not page_number or page_number < 1:
        return activity_response(documents.ordered_collection(collection, total, _page_url(collection, page=1)))
    field = "account__uri" if followers else "target_account__uri"
    items = list(
        await query.order_by("-id").offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE).values_list(field, flat=True)
    )
    next_page = _page_url(collection, page=page_number + 1) if (page_number * PAGE_SIZE) < total else None
    prev_page = _page_url(collection, page=page_number - 1) if page_number > 1 else None
    return activity_response(
        documents.ordered_collection_page(
            _page_url(collection, page=page_number), collection, items, next_page, prev_page, total
        )
    )


async def followers(request: Request) -> Response:
    return await _follow_collection(request, followers=True)


async def following(request: Request) -> Response:
    return await _follow_collection(request, followers=False)


async def featured(request: Request) -> Response:
    account = await _account(request)
    if account is None:
        return _not_found()
    node: Node = request.app.state.node
    pinned = await Status.filter(pins__account_id=account.id, visibility__in=("public", "unlisted")).order_by("-id")
    items = [await note_document(node, s) for s in pinned]
    document = documents.ordered_collection(account.featured_url, len(items), None)
    document["orderedItems"] = items
    return activity_response(document)


async def _visible_status(request: Request) -> Status | Response:
    """The local status at this URL if the requester may see it; signed fetches identify remote viewers."""
    account = await _account(request)
    status_id = _int(request.path_params["status_id"])
    if account is None or status_id is None:
        return _not_found()
    status = await Status.get_or_none(id=status_id, account_id=account.id, local=True)
    if status is None or status.reblog_id:
        return _not_found()
    if status.visibility in ("public", "unlisted"):
        return status
    node: Node = request.app.state.node
    try:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        viewer = await signed_actor(node, "GET", path, request.headers, b"")
    except SignatureError:
        return _not_found()  # as Mastodon: a private post does not exist for whoever may not see it
    return status if await can_see(status, viewer) else _not_found()


async def status_object(request: Request) -> Response:
    status = await _visible_status(request)
    if isinstance(status, Response):
        return status
    if not wants_activity_json(request):
        return await pages.status(request, status)
    document = await note_document(request.app.state.node, status)
    return activity_response(documents.with_context(document))


async def status_activity(request: Request) -> Response:
    status = await _visible_status(request)
    if isinstance(status, Response):
        return status
    node: Node = request.app.state.node
    note = await note_document(node, status)
    account = await status.account
    return activity_response(
        documents.activity("Create", status.uri + "/activity", account, note, note["to"], note["cc"], status.created_at)
    )


routes = [
    Route("/actor", instance, methods=["GET"]),
    Route("/users/{username}", actor, methods=["GET"]),
    Route("/users/{username}/outbox", outbox, methods=["GET"]),
    Route("/users/{username}/followers", followers, methods=["GET"]),
    Route("/users/{username}/following", following, methods=["GET"]),
    Route("/users/{username}/collections/featured", featured, methods=["GET"]),
    Route("/users/{username}/statuses/{status_id}", status_object, methods=["GET"]),
    Route("/users/{username}/statuses/{status_id}/activity", status_activity, methods=["GET"]),
]
