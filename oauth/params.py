"""Request parameters the way Rails reads them: query string, form or JSON body, `name[]` for lists."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from api.errors import APIError


def _merge(params: dict[str, Any], items: Iterable[tuple[str, Any]]) -> None:
    lists: dict[str, list[Any]] = {}
    for key, value in items:
        if key.endswith("[]"):
            lists.setdefault(key[:-2], []).append(value)
        else:
            params[key] = value
    params.update(lists)


async def request_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    _merge(params, request.query_params.multi_items())
    if request.method in ("GET", "HEAD"):
        return params
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise APIError(400, "invalid_request", "The request body is not valid JSON") from None
        if isinstance(body, dict):
            params.update(body)
    elif "form" in content_type:
        form = await request.form()
        _merge(params, ((key, value) for key, value in form.multi_items() if isinstance(value, str)))
    return params


def text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value).strip()
