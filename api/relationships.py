"""Client API: following, blocking, muting and noting accounts, and the Relationship entities that show it."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api import pagination
from api.account_entities import account_json, account_or_404, accounts_in_order, base_url, paged_accounts
from api.auth import current_account, scoped
from api.errors import forbidden, not_found, unprocessable
from api.params import flag, id_list, request_params, text, truthy
from api.serializers.common import iso_ms
from api.serializers.relationships import active_mutes, relationship, relationships
from core.domain_blocks import normalized_domain
from core.feeds import remove_author_from_feed
from core.relations import blocks_either_way
from models.accounts import Account
from models.base import utcnow
from models.relationships import AccountDomainBlock, AccountNote, Block, Follow, FollowRequest, Mute
from outbox import domain_blocks as outbox_domain_blocks
from outbox import follows as outbox_follows
from outbox import interactions as outbox_interactions

MAX_NOTE = 2000  # AccountNote's comment limit in Mastodon


async def _target(request: Request) -> Account:
    # Acting on a suspended account is "not found" in Mastodon (FollowService#following_not_possible?).
    return await account_or_404(request.path_params["id"], suspended_ok=False)


def _not_self(me: Account, target: Account, action: str) -> None:
    if me.id == target.id:
        raise unprocessable(f"You cannot {action} yourself")


async def _answer(me: Account, target: Account) -> Response:
    return JSONResponse(await relationship(me, target))


@scoped("write:follows")
async def follow(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    if target.id == me.id:
        raise not_found()  # Mastodon's FollowService treats following oneself as RecordNotFound
    if await blocks_either_way(me.id, target.id):
        raise forbidden()
    params = await request_params(request)
    reblogs, notify = truthy(params.get("reblogs")), truthy(params.get("notify"))
    if reblogs is None or notify is None:
        # A parameter left out keeps the follow's current setting (Mastodon passes nil through).
        existing = await Follow.get_or_none(account_id=me.id, target_account_id=target.id) or (
            await FollowRequest.get_or_none(account_id=me.id, target_account_id=target.id)
        )
        if reblogs is None:
            reblogs = existing.show_reblogs if existing else True
        if notify is None:
            notify = existing.notify if existing else False
    await outbox_follows.follow(request.app.state.node, me, target, reblogs, notify)
    return await _answer(me, target)


@scoped("write:follows")
async def unfollow(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    await outbox_follows.unfollow(request.app.state.node, me, target)
    return await _answer(me, target)


@scoped("write:follows")
async def remove_from_followers(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    await outbox_follows.remove_from_followers(request.app.state.node, me, target)
    return await _answer(me, target)


@scoped("write:blocks")
async def block(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    _not_self(me, target, "block")
    await outbox_interactions.block(request.app.state.node, me, target)
    return await _answer(me, target)


@scoped("write:blocks")
async def unblock(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    await outbox_interactions.unblock(request.app.state.node, me, target)
    return await _answer(me, target)


@scoped("write:mutes")
async def mute(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    _not_self(me, target, "mute")
    params = await request_params(request)
    try:
        duration = int(text(params, "duration") or 0)
    except ValueError as exc:
        raise unprocessable("Duration must be a number of seconds") from exc
    settings = {
        "hide_notifications": flag(params, "notifications", True),
        "expires_at": utcnow() + timedelta(seconds=duration) if duration > 0 else None,
    }
    row, created = await Mute.get_or_create(account=me, target_account=target, defaults=settings)
    if not created:
        await Mute.filter(id=row.id).update(**settings)
    # As Mastodon's MuteWorker: the muted account's posts leave the home feed (and stay out when unmuted).
    await remove_author_from_feed(me.id, target.id)
    return await _answer(me, target)


@scoped("write:mutes")
async def unmute(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    await Mute.filter(account_id=me.id, target_account_id=target.id).delete()
    return await _answer(me, target)


@scoped("write:accounts")
async def note(request: Request) -> Response:
    me = current_account(request)
    target = await _target(request)
    comment = (text(await request_params(request), "comment") or "").strip()
    if len(comment) > MAX_NOTE:
        raise unprocessable(f"Comment is too long (maximum is {MAX_NOTE} characters)")
    if comment:
        row, created = await AccountNote.get_or_create(account=me, target_account=target, defaults={"comment": comment})
        if not created:
            await AccountNote.filter(id=row.id).update(comment=comment)
    else:
        await AccountNote.filter(account_id=me.id, target_account_id=target.id).delete()
    return await _answer(me, target)


@scoped("read:follows")
async def relationships_index(request: Request) -> Response:
    me = current_account(request)
    params = await request_params(request)
    accounts = await accounts_in_order(id_list(params))
    # Mastodon leaves suspended accounts out unless with_suspended=true.
    if not flag(params, "with_suspended", False):
        accounts = [a for a in accounts if not a.suspended]
    return JSONResponse(await relationships(me, [a.id for a in accounts]))


@scoped("read:blocks")
async def blocks(request: Request) -> Response:
    page = pagination.page_params(request, default=40, maximum=80)
    rows = Block.filter(account_id=current_account(request).id)
    return await paged_accounts(request, rows, "target_account_id", page)


@scoped("read:mutes")
async def mutes(request: Request) -> Response:
    page = pagination.page_params(request, default=40, maximum=80)
    rows = Mute.filter(active_mutes(current_account(request).id))
    found = pagination.ordered(await pagination.apply(rows, page).values("id", "target_account_id", "expires_at"), page)
    accounts = {a.id: a for a in await Account.filter(id__in=[r["target_account_id"] for r in found])}
    # Mastodon's MutedAccount: an Account with the mute's end.
    body = [
        {
            **account_json(accounts[row["target_account_id"]], base_url(request)),
            "mute_expires_at": iso_ms(row["expires_at"]),
        }
        for row in found
        if row["target_account_id"] in accounts
    ]
    cursors = [row["id"] for row in found]
    return pagination.paged_response(request, body, cursors, more=len(found) == page.limit)


@scoped("read:blocks")
async def domain_blocks(request: Request) -> Response:
    """The domains the caller blocks (core/domain_blocks.py), newest first, paged by the block."""
    page = pagination.page_params(request, default=100, maximum=200)
    rows = AccountDomainBlock.filter(account_id=current_account(request).id)
    found = pagination.ordered(await pagination.apply(rows, page).values("id", "domain"), page)
    return pagination.paged_response(
        request, [row["domain"] for row in found], [row["id"] for row in found], more=len(found) == page.limit
    )


async def _domain_param(request: Request) -> str:
    domain = normalized_domain(text(await request_params(request), "domain") or "")
    if not domain:
        raise unprocessable("Domain can't be blank")
    if domain == request.app.state.node.settings.domain.lower():
        raise unprocessable("Domain is this server's own")
    return domain


@scoped("write:blocks")
async def block_domain(request: Request) -> Response:
    await outbox_domain_blocks.block_domain(
        request.app.state.node, current_account(request), await _domain_param(request)
    )
    return JSONResponse({})


@scoped("write:blocks")
async def unblock_domain(request: Request) -> Response:
    await outbox_domain_blocks.unblock_domain(current_account(request), await _domain_param(request))
    return JSONResponse({})


routes: list[BaseRoute] = [
    Route("/api/v1/accounts/relationships", relationships_index, methods=["GET"]),
    Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/remove_from_followers", remove_from_followers, methods=["POST"]),
    Route("/api/v1/accounts/{id}/block", block, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unblock", unblock, methods=["POST"]),
    Route("/api/v1/accounts/{id}/mute", mute, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unmute", unmute, methods=["POST"]),
    Route("/api/v1/accounts/{id}/note", note, methods=["POST"]),
    Route("/api/v1/blocks", blocks, methods=["GET"]),
    Route("/api/v1/mutes", mutes, methods=["GET"]),
    Route("/api/v1/domain_blocks", domain_blocks, methods=["GET"]),
    Route("/api/v1/domain_blocks", block_domain, methods=["POST"]),
    Route("/api/v1/domain_blocks", unblock_domain, methods=["DELETE"]),
]
