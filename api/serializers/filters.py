"""Filter entities (v2 Filter, FilterKeyword, FilterStatus, FilterResult; the v1 Filter) and a page's matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from api.serializers.common import iso_ms
from core.filtering import Match, active_rules, matches, searchable_text
from models.accounts import Account
from models.filters import Filter, FilterKeyword, FilterStatus
from models.statuses import Status


def keyword_entity(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_status_entity(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def filter_entity(
    filter: Filter,
    keywords: Sequence[FilterKeyword] | None = None,
    statuses: Sequence[FilterStatus] | None = None,
) -> dict[str, Any]:
    """Without keywords and statuses (None) as inside a FilterResult, where Mastodon leaves them out."""
    entity: dict[str, Any] = {
        "id": str(filter.id),
        "title": filter.title,
        "context": list(filter.context or []),
        "expires_at": iso_ms(filter.expires_at),
        "filter_action": filter.action,
    }
    if keywords is not None:
        entity["keywords"] = [keyword_entity(k) for k in keywords]
    if statuses is not None:
        entity["statuses"] = [filter_status_entity(s) for s in statuses]
    return entity


def v1_filter_entity(filter: Filter, keyword: FilterKeyword) -> dict[str, Any]:
    """A v1 filter is one keyword of a v2 filter, as Mastodon maps them since 4.0; `irreversible` is `hide`."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(filter.context or []),
        "whole_word": keyword.whole_word,
        "expires_at": iso_ms(filter.expires_at),
        "irreversible": filter.action == "hide",
    }


def filter_result_entity(match: Match) -> dict[str, Any]:
    return {
        "filter": filter_entity(match.filter),
        "keyword_matches": match.keyword_matches,
        "status_matches": [str(i) for i in match.status_matches] if match.status_matches else None,
    }


async def filter_results(
    viewer: Account | None,
    statuses: Sequence[Status],
    originals: Mapping[int, Status],
    media_descriptions: Mapping[int, Sequence[str]],
) -> dict[int, list[dict[str, Any]]]:
    """The `filtered` field of each status of a page (by status id), for the viewer's active filters.

    As Mastodon, every active filter that matches is listed whatever its context; apps, and the
    server's own timelines, decide by the filter's context. A boost is judged by what it boosts.
    """
    if viewer is None or not statuses:
        return {}
    rules = await active_rules(viewer.id)
    if not rules:
        return {}
    found: dict[int, list[dict[str, Any]]] = {}
    for status in [*statuses, *originals.values()]:
        proper = originals.get(status.reblog_id, status) if status.reblog_id else status
        text = searchable_text(proper, media_descriptions.get(proper.id, ()))
        results = matches(rules, text, [status.id, *([status.reblog_id] if status.reblog_id else [])])
        if results:
            found[status.id] = [filter_result_entity(m) for m in results]
    return found


def hidden_in(entity: Mapping[str, Any], context: str) -> bool:
    """Whether a status entity was caught by a `hide` filter that applies in `context`."""
    return any(
        result["filter"]["filter_action"] == "hide" and context in result["filter"]["context"]
        for result in entity.get("filtered") or []
    )
