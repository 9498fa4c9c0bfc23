"""Client API: uploading media for a post, reading it back and describing it before posting.

Images are processed while the request waits, so both POST /api/v1/media and /api/v2/media
answer 200 with the URL set: Mastodon's v2 answers 202 with a null URL only while large
media are still being processed in the background, and 200 otherwise.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import current_account, scoped
from api.errors import APIError, not_found
from api.media_upload import read_file
from api.params import request_params, text
from api.serializers.statuses import media_entity
from media import images
from media.attachments import create_attachment, delete_attachment, parse_focus, update_attachment
from media.errors import MediaRejected
from models.statuses import MediaAttachment


@scoped("write:media")
async def upload(request: Request) -> JSONResponse:
    params = await request_params(request)
    file = params.get("file")
    if not isinstance(file, UploadFile):
        raise APIError(422, "Validation failed: File can't be blank")
    node = request.app.state.node
    try:
        data = await read_file(file, images.IMAGE_SIZE_LIMIT)
        thumbnail = await _thumbnail(params)
        media = await create_attachment(
            node.settings.media_dir,
            current_account(request),
            data,
            description=text(params, "description") or "",
            focus=_focus(params),
            thumbnail=thumbnail,
        )
    except MediaRejected as exc:
        raise APIError(422, exc.message()) from exc
    return JSONResponse(media_entity(media, node.settings.base_url))


@scoped("write:media")
async def show(request: Request) -> JSONResponse:
    media = await _unattached(request)
    return JSONResponse(media_entity(media, request.app.state.node.settings.base_url))


@scoped("write:media")
async def update(request: Request) -> JSONResponse:
    media = await _unattached(request)
    params = await request_params(request)
    node = request.app.state.node
    try:
        media = await update_attachment(
            node.settings.media_dir,
            media,
            description=text(params, "description"),
            focus=_focus(params),
            thumbnail=await _thumbnail(params),
        )
    except MediaRejected as exc:
        raise APIError(422, exc.message()) from exc
    return JSONResponse(media_entity(media, node.settings.base_url))


@scoped("write:media")
async def destroy(request: Request) -> JSONResponse:
    """Mastodon 4.4: media uploaded but not posted can be deleted; media in a post goes with the post."""
    try:
        media_id = int(request.path_params["id"])
    except ValueError as exc:
        raise not_found() from exc
    media = await MediaAttachment.get_or_none(id=media_id, account_id=current_account(request).id)
    if media is None:
        raise not_found()
    if media.status_id is not None:
        raise APIError(422, "Media attachment is currently used by a status")
    await delete_attachment(request.app.state.node.settings.media_dir, media)
    return JSONResponse({})


async def _unattached(request: Request) -> MediaAttachment:
    """The caller's own media, while it is not part of a post yet.

    As Mastodon (MediaController#set_media_attachment): attached media are edited through the
    status, and someone else's media are simply not found.
    """
    try:
        media_id = int(request.path_params["id"])
    except ValueError as exc:
        raise not_found() from exc
    media = await MediaAttachment.get_or_none(id=media_id, account_id=current_account(request).id, status_id=None)
    if media is None:
        raise not_found()
    return media


def _focus(params: dict[str, Any]) -> dict[str, float] | None:
    value = text(params, "focus")
    return parse_focus(value) if value else None


async def _thumbnail(params: dict[str, Any]) -> bytes | None:
    upload = params.get("thumbnail")
    if not isinstance(upload, UploadFile):
        return None
    return await read_file(upload, images.IMAGE_SIZE_LIMIT, field="Thumbnail")


routes: list[BaseRoute] = [
    Route("/api/v1/media", upload, methods=["POST"]),
    Route("/api/v2/media", upload, methods=["POST"]),
    Route("/api/v1/media/{id}", show, methods=["GET"]),
    Route("/api/v1/media/{id}", update, methods=["PUT"]),
    Route("/api/v1/media/{id}", destroy, methods=["DELETE"]),
]
