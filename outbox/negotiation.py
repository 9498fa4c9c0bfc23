"""Content negotiation: one URL answers ActivityStreams to servers and HTML to browsers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

ACTIVITY_JSON = "application/activity+json"


def wants_activity_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return (
        ACTIVITY_JSON in accept
        or ("application/ld+json" in accept and "activitystreams" in accept)
        or ("application/ld+json" in accept and "text/html" not in accept)
        or accept.strip() == "application/json"
    )


def activity_response(document: dict[str, Any], status_code: int = 200) -> Response:
    return Response(
        json.dumps(document, separators=(",", ":"), ensure_ascii=False),
        status_code=status_code,
        media_type="application/activity+json",
        headers={"Vary": "Accept, Signature", "Cache-Control": "max-age=60, public"},
    )
