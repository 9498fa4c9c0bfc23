"""Client API: a hashtag, following hashtags, and featuring them on one's profile (Mastodon 4.3)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.account_entities import account_or_404
from api.auth import current_account, scoped, viewer
from api.errors import APIError, not_found, unprocessable
from api.instance import MAX_FEATURED_TAGS
from api.pagination import apply, ordered, page_params, paged_response
from api.search import HASHTAG_NAME
from api.serializers.featured_tags import featured_tag_entities
from api.serializers.tags import tag_entities
from api.status_params import Params
from api.timelines import normalize_tag
from models.accounts import Account
from models.statuses import StatusTag, Tag
from models.tags import FeaturedTag, TagFollow

# Mastodon's FollowedTagsController: 100 a page by default, at most 200.
FOLLOWED_TAGS_LIMIT = 100
# Tag.suggestions_for_account: the tags of the account's last 1000 posts, ten of them.
SUGGESTION_WINDOW = 1000
SUGGESTIONS = 10


def _name(raw: str) -> str:
    """The normalised tag name from the path; one that cannot be a hashtag is not found (as Mastodon)."""
    name = normalize_tag(raw)
    if not HASHTAG_NAME.fullmatch(name):
        raise not_found()
    return name


async def _tag_or_new(raw: str) -> Tag:
    # Mastodon shows a tag nobody used yet as an unsaved one (its id empty) rather than a 404.
    name = _name(raw)
    return await Tag.get_or_none(name=name) or Tag(name=name, display_name=raw.strip().lstrip("#"))


async def _tag_saved(raw: str) -> Tag:
    name = _name(raw)
    tag, _ = await Tag.get_or_create(name=name, defaults={"display_name": raw.strip().lstrip("#")})
    return tag


async def _tag_json(request: Request, tag: Tag) -> JSONResponse:
    me = viewer(request)
    base = request.app.state.node.settings.base_url
    return JSONResponse((await tag_entities([tag], base, with_following=me is not None, viewer=me))[0])


@scoped(None, optional=True)
async def show(request: Request) -> JSONResponse:
    return await _tag_json(request, await _tag_or_new(request.path_params["name"]))


@scoped(("follow", "write:follows"))
async def follow(request: Request) -> JSONResponse:
    tag = await _tag_saved(request.path_params["name"])
    await TagFollow.get_or_create(account_id=current_account(request).id, tag_id=tag.id)
    return await _tag_json(request, tag)


@scoped(("follow", "write:follows"))
async def unfollow(request: Request) -> JSONResponse:
    tag = await _tag_or_new(request.path_params["name"])
    if tag.id is not None:
        await TagFollow.filter(account_id=current_account(request).id, tag_id=tag.id).delete()
    return await _tag_json(request, tag)


@scoped(("follow", "read:follows"))
async def followed_tags(request: Request) -> JSONResponse:
    me = current_account(request)
    page = page_params(request, default=FOLLOWED_TAGS_LIMIT, maximum=2 * FOLLOWED_TAGS_LIMIT)
    rows = ordered(list(await apply(TagFollow.filter(account_id=me.id), page).values("id", "tag_id")), page)
    by_id = {t.id: t for t in await Tag.filter(id__in=[r["tag_id"] for r in rows])}
    tags = [by_id[r["tag_id"]] for r in rows if r["tag_id"] in by_id]
    base = request.app.state.node.settings.base_url
    body = await tag_entities(tags, base, with_following=True, viewer=me)
    # As Mastodon: `next` only when the page came back full.
    return paged_response(request, body, [r["id"] for r in rows], more=len(rows) == page.limit)


@scoped("read:accounts")
async def featured_tags(request: Request) -> JSONResponse:
    me = current_account(request)
    return JSONResponse(await featured_tag_entities(me, list(await FeaturedTag.filter(account_id=me.id))))


@scoped("write:accounts")
async def feature(request: Request) -> JSONResponse:
    me = current_account(request)
    raw = ((await Params.read(request)).text("name") or "").strip()
    if not raw:
        raise APIError(400, "param is missing or the value is empty: name")
    name = normalize_tag(raw)
    if not HASHTAG_NAME.fullmatch(name):
        raise unprocessable("Name is invalid")
    tag, _ = await Tag.get_or_create(name=name, defaults={"display_name": raw.lstrip("#")})
    return JSONResponse((await featured_tag_entities(me, [await _featured(me, tag)]))[0])


async def _featured(me: Account, tag: Tag) -> FeaturedTag:
    """`me`'s featured tag for `tag`, made unless there: featuring a tag already featured
    answers with the existing one (CreateFeaturedTagService)."""
    featured = await FeaturedTag.get_or_none(account_id=me.id, tag_id=tag.id)
    if featured is None:
        if await FeaturedTag.filter(account_id=me.id).count() >= MAX_FEATURED_TAGS:
            raise unprocessable("You have already featured the maximum number of hashtags")
        featured = FeaturedTag(account_id=me.id, tag_id=tag.id)
        await featured.save()
    return featured


@scoped("write:accounts")
async def feature_by_name(request: Request) -> JSONResponse:
    """POST /api/v1/tags/:name/feature (Mastodon 4.4): the same as POST /api/v1/featured_tags, answered with the Tag."""
    tag = await _tag_saved(request.path_params["name"])
    await _featured(current_account(request), tag)
    return await _tag_json(request, tag)


@scoped("write:accounts")
async def unfeature_by_name(request: Request) -> JSONResponse:
    tag = await _tag_or_new(request.path_params["name"])
    if tag.id is not None:
        await FeaturedTag.filter(account_id=current_account(request).id, tag_id=tag.id).delete()
    return await _tag_json(request, tag)


@scoped("write:accounts")
async def unfeature(request: Request) -> JSONResponse:
    raw = request.path_params["id"]
    deleted = (
        await FeaturedTag.filter(id=int(raw), account_id=current_account(request).id).delete() if raw.isdigit() else 0
    )
    if not deleted:
        raise not_found()
    return JSONResponse({})


@scoped("read:accounts")
async def feature_suggestions(request: Request) -> JSONResponse:
    """The tags `me` used most in recent posts and does not feature yet."""
    me = current_account(request)
    recent = await (
        StatusTag.filter(status__account_id=me.id)
        .order_by("-status_id")
        .limit(SUGGESTION_WINDOW)
        .values_list("tag_id", flat=True)
    )
    already = set(await FeaturedTag.filter(account_id=me.id).values_list("tag_id", flat=True))
    counts: dict[int, int] = {}
    for tag_id in recent:
        if tag_id not in already:
            counts[tag_id] = counts.get(tag_id, 0) + 1
    best = sorted(counts, key=lambda t: -counts[t])[:SUGGESTIONS]
    by_id = {t.id: t for t in await Tag.filter(id__in=best)}
    tags = [by_id[t] for t in best if t in by_id]
    base = request.app.state.node.settings.base_url
    return JSONResponse(await tag_entities(tags, base, with_following=True, viewer=me))


@scoped("read:accounts", optional=True)
async def account_featured_tags(request: Request) -> JSONResponse:
    account: Account = await account_or_404(request.path_params["id"])
    if account.suspended:
        return JSONResponse([])
    return JSONResponse(await featured_tag_entities(account, list(await FeaturedTag.filter(account_id=account.id))))


routes: list[BaseRoute] = [
    Route("/api/v1/tags/{name}", show, methods=["GET"]),
    Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/tags/{name}/feature", feature_by_name, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfeature", unfeature_by_name, methods=["POST"]),
    Route("/api/v1/followed_tags", followed_tags, methods=["GET"]),
    Route("/api/v1/featured_tags", featured_tags, methods=["GET"]),
    Route("/api/v1/featured_tags", feature, methods=["POST"]),
    Route("/api/v1/featured_tags/suggestions", feature_suggestions, methods=["GET"]),
    Route("/api/v1/featured_tags/{id}", unfeature, methods=["DELETE"]),
    Route("/api/v1/accounts/{id}/featured_tags", account_featured_tags, methods=["GET"]),
]
