"""Request parameters the way Mastodon (Rails) reads them.

Clients send the same parameters as a query string, a urlencoded or multipart form, or a
JSON body, and nest them with Rails brackets: `id[]=1&id[]=2`, `source[privacy]=private`,
`fields_attributes[0][name]=Team`. `request_params` turns all of these into one dict of
plain values, lists and dicts (uploaded files stay `UploadFile`s).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from api.errors import APIError

_BRACKETS = re.compile(r"\[([^\]]*)\]")
# ActiveModel::Type::Boolean's false values; anything else that is present is true.
_FALSE = {"0", "f", "false", "off", "n", "no"}


def _put(params: dict[str, Any], key: str, value: Any) -> None:
    head = key.split("[", 1)[0]
    parts = _BRACKETS.findall(key[len(head) :]) if "[" in key else []
    if not head:
        return
    path = [head, *parts]
    container: dict[str, Any] = params
    for i, part in enumerate(path[:-1]):
        if path[i + 1] == "" and i + 1 == len(path) - 1:
            existing = container.get(part)
            if not isinstance(existing, list):
                existing = container[part] = []
            existing.append(value)
            return
        child = container.get(part)
        if not isinstance(child, dict):
            child = container[part] = {}
        container = child
    if path[-1] != "":
        container[path[-1]] = value


def nest(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Rails-style bracketed keys as nested dicts and lists."""
    params: dict[str, Any] = {}
    for key, value in items:
        _put(params, key, value)
    return params


async def request_params(request: Request) -> dict[str, Any]:
    """The query string, overlaid with the form or JSON body."""
    params = nest(list(request.query_params.multi_items()))
    if request.method in ("GET", "HEAD"):
        return params
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise APIError(400, "Error occurred while parsing request parameters") from exc
            if not isinstance(body, dict):
                raise APIError(400, "Error occurred while parsing request parameters")
            params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        params.update(nest(list(form.multi_items())))
    return params


def query_flag(request: Request, name: str) -> bool:
    """A boolean query parameter, true when present and not one of Rails' false values."""
    return truthy(request.query_params.get(name)) is True


def query_list(request: Request, name: str) -> list[str]:
    """`name[]=a&name[]=b`, as Rails reads arrays; a bare `name=a` is taken too."""
    return [v for v in request.query_params.getlist(f"{name}[]") + request.query_params.getlist(name) if v]


def truthy(value: Any) -> bool | None:
    """Mastodon's truthy_param?: None when absent or empty, else a boolean."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() not in _FALSE


def flag(params: dict[str, Any], name: str, default: bool) -> bool:
    found = truthy(params.get(name))
    return default if found is None else found


def id_list(params: dict[str, Any], name: str = "id") -> list[int]:
    """`id[]=1&id[]=2` (or a single `id`, or a JSON list) as distinct ints in the order given; junk is skipped."""
    raw = params.get(name)
    values = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    found: list[int] = []
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue
        if number not in found:
            found.append(number)
    return found


def text(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


class Params:
    """Parsed request parameters with Mastodon's readings of text, booleans and lists."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    async def read(cls, request: Request) -> Params:
        return cls(await request_params(request))

    def has(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str) -> str | None:
        return text(self.values, name)

    def flag(self, name: str, default: bool = False) -> bool:
        return flag(self.values, name, default)

    def many(self, name: str) -> list[str]:
        """`name[]=a&name[]=b`, a JSON list, or a single value, as a list of non-empty strings."""
        value = self.values.get(name)
        values = value if isinstance(value, list) else [value]
        return [str(v) for v in values if v not in (None, "") and not isinstance(v, dict | list)]
