"""Report entities, as the reporter sees them (and as an `admin.report` notification carries them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from models.accounts import Account
from models.reports import Report, ReportNotification


def report_entity(report: Report, target: Account, base: str) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso_ms(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso_ms(report.created_at),
        "status_ids": [str(i) for i in report.status_ids],
        # Mastodon sends null, not [], when no rules were cited.
        "rule_ids": [str(i) for i in report.rule_ids] or None,
        "target_account": account_entity(target, base),
    }


async def report_entities(reports: Sequence[Report], base: str) -> list[dict[str, Any]]:
    targets = {a.id: a for a in await Account.filter(id__in={r.target_account_id for r in reports})}
    return [report_entity(r, targets[r.target_account_id], base) for r in reports if r.target_account_id in targets]


async def reports_of_notifications(notification_ids: Iterable[int], base: str) -> dict[int, dict[str, Any]]:
    """notification id -> the Report entity it is about, for `admin.report` notifications."""
    ids = list(notification_ids)
    if not ids:
        return {}
    links = dict(await ReportNotification.filter(notification_id__in=ids).values_list("notification_id", "report_id"))
    reports = list(await Report.filter(id__in=set(links.values())))
    entities = {int(e["id"]): e for e in await report_entities(reports, base)}
    return {n: entities[r] for n, r in links.items() if r in entities}
