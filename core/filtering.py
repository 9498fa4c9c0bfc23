"""Which of a user's filters match a status: keywords (whole word or not), single statuses, expiry, contexts.

The matching is pure (compiled `Rule`s applied to text and ids); `active_rules` is the one
place that reads the database. It follows Mastodon's CustomFilter: all keywords of a filter
form one case-insensitive pattern, matched against the status's searchable text (content
warning, plain text, media descriptions); a whole-word keyword only gets a word boundary on
a side where it starts or ends with a word character, so "#cat" or "c++" still match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.html import to_plain_text
from models.base import utcnow
from models.filters import Filter, FilterKeyword, FilterStatus
from models.reads import instances, table
from models.statuses import Status

_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Rule:
    """One active filter, ready to match."""

    filter: Filter
    pattern: re.Pattern[str] | None
    status_ids: frozenset[int]


@dataclass(frozen=True)
class Match:
    """Mastodon's FilterResult: the filter, and what of it matched."""

    filter: Filter
    keyword_matches: list[str] | None
    status_matches: list[int] | None


def keyword_pattern(keyword: str, whole_word: bool) -> str:
    escaped = re.escape(keyword)
    if not whole_word:
        return escaped
    start = r"\b" if _WORD.match(keyword[:1]) else ""
    end = r"\b" if _WORD.match(keyword[-1:]) else ""
    return f"{start}{escaped}{end}"


def compile_rule(filter: Filter, keywords: Iterable[tuple[str, bool]], status_ids: Iterable[int]) -> Rule:
    """`keywords` as (keyword, whole_word) pairs."""
    parts = [keyword_pattern(k, whole) for k, whole in keywords if k]
    pattern = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE | re.DOTALL) if parts else None
    return Rule(filter, pattern, frozenset(status_ids))


def is_active(filter: Filter, now: datetime) -> bool:
    return filter.expires_at is None or filter.expires_at > now


def applies_in(filter: Filter, context: str) -> bool:
    return context in (filter.context or [])


def searchable_text(status: Status, media_descriptions: Sequence[str] = ()) -> str:
    parts = [status.spoiler_text, to_plain_text(status.content), *media_descriptions]
    return "\n\n".join(p for p in parts if p)


def matches(rules: Sequence[Rule], text: str, status_ids: Sequence[int]) -> list[Match]:
    """The filters that catch a status with this text; `status_ids` are its id and, for a boost, the original's."""
    found = []
    for rule in rules:
        keyword = rule.pattern.search(text) if rule.pattern is not None else None
        # As Mastodon, the first stretch of text that matched, not the keyword as configured.
        keyword_matches = [keyword.group(0)] if keyword else None
        status_matches = [i for i in status_ids if i in rule.status_ids] or None
        if keyword_matches or status_matches:
            found.append(Match(rule.filter, keyword_matches, status_matches))
    return found


def hidden(found: Sequence[Match], context: str) -> bool:
    """Whether a `hide` filter that applies in `context` caught the status: it then leaves that context entirely."""
    return any(m.filter.action == "hide" and applies_in(m.filter, context) for m in found)


async def active_rules(account_id: int, now: datetime | None = None) -> list[Rule]:
    """The account's unexpired filters, compiled. Three small queries, the first usually empty."""
    now = now or utcnow()
    # Asked on every page of every timeline, so in fixed SQL text (models/reads.py).
    mine = await instances(Filter, f"SELECT * FROM {table(Filter)} WHERE account_id = ?", [account_id])
    filters = [f for f in mine if is_active(f, now)]
    if not filters:
        return []
    ids = [f.id for f in filters]
    keywords: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    for custom_filter_id, keyword, whole_word in await FilterKeyword.filter(custom_filter_id__in=ids).values_list(
        "custom_filter_id", "keyword", "whole_word"
    ):
        keywords[custom_filter_id].append((keyword, whole_word))
    statuses: dict[int, list[int]] = {i: [] for i in ids}
    for custom_filter_id, status_id in await FilterStatus.filter(custom_filter_id__in=ids).values_list(
        "custom_filter_id", "status_id"
    ):
        statuses[custom_filter_id].append(status_id)
    return [compile_rule(f, keywords[f.id], statuses[f.id]) for f in filters]
