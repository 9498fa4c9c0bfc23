"""Client API: what the server is (/api/v1 and /api/v2/instance), its peers, activity, rules, emojis,
and the caller's posting preferences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q

from api.auth import current_account, scoped
from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from media import images
from media.attachments import DESCRIPTION_LIMIT
from models.accounts import Account, User
from models.base import utcnow
from models.oauth import AccessToken
from models.statuses import Status
from settings import Settings

# Mastodon.py and other clients read the Mastodon version before the parenthesis to decide
# which endpoints exist; the API generation is api_versions.mastodon (2 in Mastodon 4.3).
VERSION = "4.3.0 (compatible; Flurfunk 0.1.0)"
API_VERSIONS = {"mastodon": 2}
SOURCE_URL = "https://github.com/flurfunk"
DESCRIPTION = "A Flurfunk node: microblogging for the organisation, federating over ActivityPub."
LANGUAGES = ["en"]
ACTIVE_WINDOW = timedelta(days=28)  # Mastodon's "active_month" counts the last four weeks
ACTIVITY_WEEKS = 12

# Limits as Mastodon 4.3 ships them, except the character limit, which is a setting.
MAX_MEDIA_ATTACHMENTS = 4
CHARACTERS_RESERVED_PER_URL = 23
# The image entries come from the media pipeline, so what is advertised is what uploads are checked against.
MEDIA_LIMITS: dict[str, Any] = {
    "supported_mime_types": [content_type for content_type, _ in images.FORMATS.values()],
    "description_limit": DESCRIPTION_LIMIT,
    "image_size_limit": images.IMAGE_SIZE_LIMIT,
    "image_matrix_limit": images.MATRIX_LIMIT,
    "video_size_limit": 99 * 1024 * 1024,
    "video_frame_rate_limit": 120,
    "video_matrix_limit": 8_294_400,  # 3840x2160
}
POLL_LIMITS = {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2_629_746}
MAX_FEATURED_TAGS = 10
MAX_PINNED_STATUSES = 5


def streaming_url(settings: Settings) -> str:
    return f"{'wss' if settings.scheme == 'https' else 'ws'}://{settings.domain}"


def thumbnail_url(settings: Settings) -> str:
    return f"{settings.base_url}/static/thumbnail.png"


def statuses_limits(settings: Settings) -> dict[str, int]:
    return {
        "max_characters": settings.max_toot_chars,
        "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
        "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL,
    }


async def contact_account(settings: Settings) -> dict[str, Any] | None:
    """The first administrator, as Mastodon shows its site_contact_username."""
    admin = await User.filter(admin=True, account__suspended=False).order_by("id").prefetch_related("account").first()
    return account_entity(admin.account, settings.base_url) if admin else None


async def active_users(since: datetime, until: datetime | None = None) -> int:
    """Local people who logged in, used a token or posted in the window."""
    used = Q(created_at__gte=since) | Q(last_used_at__gte=since)
    if until is not None:
        used = Q(created_at__gte=since, created_at__lt=until) | Q(last_used_at__gte=since, last_used_at__lt=until)
    token_users = await AccessToken.filter(used, account_id__not_isnull=True).values_list("account_id", flat=True)
    posted = Status.filter(local=True, created_at__gte=since)
    if until is not None:
        posted = posted.filter(created_at__lt=until)
    posters = await posted.distinct().values_list("account_id", flat=True)
    return len(set(token_users) | set(posters))


def _registrations() -> dict[str, Any]:
    # Accounts are made by administrators (server.py user add, directory import); nobody signs up.
    return {
        "enabled": False,
        "approval_required": False,
        "message": "Accounts on this server are created by its administrators.",
        "url": None,
        "min_age": None,
        "reason_required": None,
    }


async def instance_v2(request: Request) -> Response:
    settings: Settings = request.app.state.node.settings
    thumbnail = thumbnail_url(settings)
    return JSONResponse(
        {
            "domain": settings.domain,
            "title": settings.instance_title,
            "version": VERSION,
            "source_url": SOURCE_URL,
            "description": DESCRIPTION,
            "usage": {"users": {"active_month": await active_users(utcnow() - ACTIVE_WINDOW)}},
            "thumbnail": {"url": thumbnail, "blurhash": None, "versions": {"@1x": thumbnail, "@2x": thumbnail}},
            "icon": [],
            "languages": LANGUAGES,
            "configuration": {
                "urls": {"streaming": streaming_url(settings), "status": None},
                "accounts": {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINNED_STATUSES},
                "statuses": statuses_limits(settings),
                "media_attachments": MEDIA_LIMITS,
                "polls": POLL_LIMITS,
                "translation": {"enabled": False},
            },
            "registrations": _registrations(),
            "api_versions": API_VERSIONS,
            "contact": {"email": "", "account": await contact_account(settings)},
            "rules": [],
        }
    )


async def instance_v1(request: Request) -> Response:
    settings: Settings = request.app.state.node.settings
    media = {key: value for key, value in MEDIA_LIMITS.items() if key != "description_limit"}
    return JSONResponse(
        {
            "uri": settings.domain,
            "title": settings.instance_title,
            "short_description": DESCRIPTION,
            "description": DESCRIPTION,
            "email": "",
            "version": VERSION,
            "urls": {"streaming_api": streaming_url(settings)},
            "stats": {
                "user_count": await User.filter(account__suspended=False).count(),
                "status_count": await Status.filter(local=True).count(),
                "domain_count": len(await _peers()),
            },
            "thumbnail": thumbnail_url(settings),
            "languages": LANGUAGES,
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": {
                "accounts": {"max_featured_tags": MAX_FEATURED_TAGS},
                "statuses": statuses_limits(settings),
                "media_attachments": media,
                "polls": POLL_LIMITS,
            },
            "contact_account": await contact_account(settings),
            "rules": [],
        }
    )


async def _peers() -> list[str]:
    domains = await Account.exclude(domain="").distinct().values_list("domain", flat=True)
    return sorted(set(domains))


async def peers(request: Request) -> Response:
    return JSONResponse(await _peers())


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the moment's week, where Mastodon's activity weeks begin."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


async def activity(request: Request) -> Response:
    weeks = []
    start = week_start(utcnow())
    for _ in range(ACTIVITY_WEEKS):
        end = start + timedelta(days=7)
        weeks.append(
            {
                "week": str(int(start.timestamp())),
                "statuses": str(await Status.filter(local=True, created_at__gte=start, created_at__lt=end).count()),
                "logins": str(await active_users(start, end)),
                "registrations": str(await User.filter(created_at__gte=start, created_at__lt=end).count()),
            }
        )
        start -= timedelta(days=7)
    return JSONResponse(weeks)


async def rules(request: Request) -> Response:
    return JSONResponse([])


async def extended_description(request: Request) -> Response:
    # There is no editable about text yet; the node's birth (its first account, the instance actor) dates it.
    first = await Account.all().order_by("created_at").first()
    return JSONResponse({"updated_at": iso_ms(first.created_at if first else utcnow()), "content": ""})


async def translation_languages(request: Request) -> Response:
    # Translation is off (configuration.translation.enabled is false): no language pairs.
    return JSONResponse({})


async def custom_emojis(request: Request) -> Response:
    return JSONResponse([])


@scoped("read:accounts")
async def preferences(request: Request) -> Response:
    user = await User.get(account_id=current_account(request).id)
    return JSONResponse(
        {
            "posting:default:visibility": user.default_visibility,
            "posting:default:sensitive": user.default_sensitive,
            "posting:default:language": user.default_language,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


def _both(path: str, endpoint) -> list[BaseRoute]:
    """With and without a trailing slash; the /api catch-all would answer 404 for the other."""
    return [Route(path, endpoint, methods=["GET"]), Route(f"{path}/", endpoint, methods=["GET"])]


routes: list[BaseRoute] = [
    *_both("/api/v1/instance", instance_v1),
    *_both("/api/v2/instance", instance_v2),
    *_both("/api/v1/instance/peers", peers),
    *_both("/api/v1/instance/activity", activity),
    *_both("/api/v1/instance/rules", rules),
    *_both("/api/v1/instance/extended_description", extended_description),
    *_both("/api/v1/instance/translation_languages", translation_languages),
    *_both("/api/v1/custom_emojis", custom_emojis),
    *_both("/api/v1/preferences", preferences),
]
