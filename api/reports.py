"""Client API: reporting an account (and some of its posts) to the moderators (Mastodon 4.3)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.account_entities import account_or_404
from api.auth import current_account, scoped
from api.errors import not_found, unprocessable
from api.params import Params
from api.serializers.reports import report_entity
from core.visibility import can_see
from models.reports import CATEGORIES
from models.statuses import Status
from outbox.reports import report

# Report's `validates :comment, length: { maximum: 1_000 }` for reports filed here.
COMMENT_LIMIT = 1000
# This node publishes no server rules (GET /api/v1/instance/rules is empty), so none can be cited.
RULES: frozenset[int] = frozenset()


def _ids(values: list[str]) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except ValueError:
        raise not_found() from None


@scoped("write:reports")
async def create(request: Request) -> JSONResponse:
    me = current_account(request)
    params = await Params.read(request)
    # Mastodon's Account.find: a missing or unknown account_id is a 404.
    target = await account_or_404(params.text("account_id") or "")

    # ReportService looks the posts up among the target's own (a 404 if one is not theirs) and keeps
    # those the reporter may see.
    wanted = _ids(params.many("status_ids"))
    found = {s.id: s for s in await Status.filter(id__in=wanted, account_id=target.id)} if wanted else {}
    if len(found) != len(wanted):
        raise not_found()
    statuses = [found[i] for i in wanted if await can_see(found[i], me)]

    comment = params.text("comment") or ""
    if len(comment) > COMMENT_LIMIT:
        raise unprocessable(f"Comment is too long (maximum is {COMMENT_LIMIT} characters)")
    category = params.text("category") or "other"
    if category not in CATEGORIES:
        raise unprocessable("Category is not included in the list")
    rule_ids = _ids(params.many("rule_ids")) if category == "violation" else []
    # Report#validate_rule_ids: a violation must cite the node's rules, every one of them real.
    if category == "violation" and (not rule_ids or not set(rule_ids) <= RULES):
        raise unprocessable("Rule ids does not reference valid rules")

    filed = await report(
        request.app.state.node, me, target, statuses, comment, category, rule_ids, params.flag("forward")
    )
    return JSONResponse(report_entity(filed, target, request.app.state.node.settings.base_url))


routes: list[BaseRoute] = [
    Route("/api/v1/reports", create, methods=["POST"]),
]
