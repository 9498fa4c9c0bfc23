"""/.well-known/webfinger, host-meta and NodeInfo."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.accounts import avatar_url, local_account
from federation import urls
from federation.actors import instance_actor
from models.accounts import Account, User
from models.base import utcnow
from models.statuses import Status
from node import Node

VERSION = "0.1.0"
JRD = "application/jrd+json"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _account_for_resource(node: Node, resource: str) -> Account | None | str:
    """The local account a WebFinger resource names; a string is the reason it is malformed."""
    base = node.settings.base_url
    if resource.startswith(("http://", "https://")):
        if resource in (f"{base}/actor", base, base + "/"):
            return await instance_actor(node)
        for prefix in (f"{base}/users/", f"{base}/@"):
            if resource.startswith(prefix):
                return await local_account(resource[len(prefix) :].split("/", 1)[0])
        return None
    acct = resource.removeprefix("acct:")
    if "@" not in acct.lstrip("@"):
        return "resource must be acct:user@domain or an actor URL"
    username, _, domain = acct.lstrip("@").rpartition("@")
    if not username or not domain:
        return "resource must be acct:user@domain or an actor URL"
    if domain.lower() != node.settings.domain:
        return None
    if username.lower() == node.settings.domain:  # Mastodon names its instance actor after the domain
        return await instance_actor(node)
    return await local_account(username)


async def webfinger(request: Request) -> Response:
    node: Node = request.app.state.node
    resource = unquote(request.query_params.get("resource", "")).strip()
    if not resource:
        return _error(400, "resource parameter is required")
    found = await _account_for_resource(node, resource)
    if isinstance(found, str):
        return _error(400, found)
    if found is None:
        return _error(404, "Record not found")
    base = node.settings.base_url
    subject = f"acct:{found.username}@{node.settings.domain}"
    links = [
        {"rel": "self", "type": "application/activity+json", "href": found.uri},
    ]
    if found.actor_type == "Person":
        links = [
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.profile_page(base, found.username),
            },
            *links,
            {"rel": "http://webfinger.net/rel/avatar", "type": "image/png", "href": avatar_url(found, base)},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"{base}/authorize_interaction?uri={{uri}}"},
        ]
    aliases = [found.uri] + ([urls.profile_page(base, found.username)] if found.actor_type == "Person" else [])
    return JSONResponse(
        {"subject": subject, "aliases": aliases, "links": links},
        media_type=JRD,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=259200, public"},
    )


async def host_meta(request: Request) -> Response:
    base = request.app.state.node.settings.base_url
    template = f"{base}/.well-known/webfinger?resource={{uri}}"
    if "json" in request.headers.get("accept", "") or request.url.path.endswith(".json"):
        return JSONResponse({"links": [{"rel": "lrdd", "template": template}]})
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{template}"/>\n'
        "</XRD>\n"
    )
    return Response(xml, media_type="application/xrd+xml")


async def nodeinfo_links(request: Request) -> Response:
    base = request.app.state.node.settings.base_url
    return JSONResponse(
        {
            "links": [
                {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"{base}/nodeinfo/2.0"},
                {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{base}/nodeinfo/2.1"},
            ]
        }
    )


async def usage() -> dict:
    now = utcnow()
    people = Account.filter(domain="", actor_type="Person", suspended=False)
    total = await people.count()
    active_month = await people.filter(last_status_at__gte=now - timedelta(days=30)).count()
    active_half = await people.filter(last_status_at__gte=now - timedelta(days=180)).count()
    local_posts = await Status.filter(local=True, reblog_id=None).count()
    return {
        "users": {"total": total, "activeMonth": active_month, "activeHalfyear": active_half},
        "localPosts": local_posts,
    }


async def nodeinfo(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in ("2.0", "2.1"):
        return _error(404, "Record not found")
    node: Node = request.app.state.node
    software = {"name": "flurfunk", "version": VERSION}
    if version == "2.1":
        software["repository"] = "https://github.com/flurfunk/flurfunk"
    document = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": await usage(),
        "openRegistrations": False,
        "metadata": {
            "nodeName": node.settings.instance_title,
            "federation": node.settings.federation,
            "userCount": await User.all().count(),
            # Where peers pull this node's people directory (directory/exchange.py).
            "flurfunk": {"directory": node.url("/directory")},
        },
    }
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return JSONResponse(document, media_type=f'application/json; profile="{profile}"')


routes = [
    Route("/.well-known/webfinger", webfinger, methods=["GET"]),
    Route("/.well-known/host-meta", host_meta, methods=["GET"]),
    Route("/.well-known/host-meta.json", host_meta, methods=["GET"]),
    Route("/.well-known/nodeinfo", nodeinfo_links, methods=["GET"]),
    Route("/nodeinfo/{version}", nodeinfo, methods=["GET"]),
]
