"""Applying PATCH /api/v1/accounts/update_credentials: validate everything first, then change the profile
(and DELETE /api/v1/profile/avatar and /header: back to the default images).

Mastodon's limits: a display name of 30 characters, a bio of 500, four profile fields of
255 characters per name and value. A request that breaks any of them, or whose avatar or
header is not an image, changes nothing (422).

Flurfunk adds the work profile (directory/profiles.py): `department`, `title`, `location`,
`phone`, `skills` (a list, or one string separated by commas or semicolons) and `manager`
(a handle or an account id; "" clears). They are shown as profile fields after the user's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile

from api.errors import unprocessable
from api.media_upload import ImageRejected, discard, read_upload, store_profile_image
from api.params import truthy
from core.text import compose
from directory.entries import sync_account
from directory.profiles import (
    ProfileError,
    parse_work_changes,
    resolve_manager,
    show_in_fields,
    update_work_profile,
    work_data,
)
from federation import urls
from models.accounts import Account, User
from models.base import utcnow
from node import Node
from outbox.interactions import send_profile_update
from webfinger.resolve import find_account

MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_TEXT = 255
PRIVACY = ("public", "unlisted", "private")  # Mastodon does not allow "direct" as a default


@dataclass
class ProfileChanges:
    account: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    work: dict[str, Any] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)


def _fields(raw: Any) -> list[dict[str, str]] | None:
    """fields_attributes as a list of {name, value}, from the JSON list or the Rails `[0][name]` dict."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        items = [raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
    elif isinstance(raw, list):
        items = raw
    else:
        raise unprocessable("Fields attributes must be a list of name and value")
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name") or "").strip()
        value = str(item.get("value") or "").strip()
        if name or value:  # Mastodon drops the rows left empty in its four-row form
            found.append({"name": name, "value": value})
    return found


def _text(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, dict | list | UploadFile):
        return None
    return str(value)


async def parse_changes(params: dict[str, Any]) -> ProfileChanges:
    """What the request asks to change, checked against Mastodon's validations."""
    changes = ProfileChanges()
    display_name = _text(params, "display_name")
    if display_name is not None:
        if len(display_name.strip()) > MAX_DISPLAY_NAME:
            raise unprocessable(f"Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")
        changes.account["display_name"] = display_name.strip()
    note = _text(params, "note")
    if note is not None:
        if len(note) > MAX_NOTE:
            raise unprocessable(f"Note is too long (maximum is {MAX_NOTE} characters)")
        changes.account["note_source"] = note
    profile_fields = _fields(params.get("fields_attributes"))
    if profile_fields is not None:
        if len(profile_fields) > MAX_FIELDS:
            raise unprocessable(f"Fields is too long (maximum is {MAX_FIELDS} fields)")
        if any(len(f["name"]) > MAX_FIELD_TEXT or len(f["value"]) > MAX_FIELD_TEXT for f in profile_fields):
            raise unprocessable(f"Fields is too long (maximum is {MAX_FIELD_TEXT} characters per name or value)")
        changes.account["fields"] = profile_fields
    for flag_name in ("locked", "bot", "discoverable"):
        value = truthy(params.get(flag_name))
        if value is not None:
            changes.account[flag_name] = value

    source = params.get("source")
    if isinstance(source, dict):
        privacy = _text(source, "privacy")
        if privacy:
            if privacy not in PRIVACY:
                raise unprocessable("Setting default privacy is not included in the list")
            changes.user["default_visibility"] = privacy
        sensitive = truthy(source.get("sensitive"))
        if sensitive is not None:
            changes.user["default_sensitive"] = sensitive
        language = _text(source, "language")
        if language is not None:
            language = language.strip().lower()
            if language and not (language.isalpha() and 2 <= len(language) <= 3):
                raise unprocessable("Setting default language is not included in the list")
            changes.user["default_language"] = language or None

    try:
        changes.work = parse_work_changes(params)
    except ProfileError as exc:
        raise unprocessable(str(exc)) from exc

    for kind in ("avatar", "header"):
        upload = params.get(kind)
        if isinstance(upload, UploadFile):
            try:
                changes.images[kind] = await read_upload(upload)
            except ImageRejected as exc:
                raise unprocessable(f"{kind.capitalize()} {exc}") from exc
    return changes


async def _html(node: Node, text: str, single_line: bool = False) -> str:
    base = node.settings.base_url

    async def resolve(username: str, domain: str | None) -> Account | None:
        # A profile is saved without asking other nodes: only handles this node already knows become links.
        return await find_account(node, username, domain, resolve=False)

    source = " ".join(text.split()) if single_line else text
    if not source.strip():
        return ""
    html = (await compose(source, base, resolve, lambda name: urls.tag_page(base, name))).html
    return html.removeprefix("<p>").removesuffix("</p>") if single_line else html


async def update_profile(node: Node, account: Account, user: User, params: dict[str, Any]) -> None:
    """Apply the request to the account and its user, then tell the nodes of followers about it."""
    changes = await parse_changes(params)
    if "manager" in changes.work:
        # Resolved before anything is stored: an unknown manager changes nothing.
        try:
            changes.work["manager_uri"] = await resolve_manager(node, changes.work.pop("manager"), account)
        except ProfileError as exc:
            raise unprocessable(str(exc)) from exc
    media_dir = node.settings.media_dir
    stored: dict[str, str] = {}
    try:
        for kind, data in changes.images.items():
            stored[kind] = await store_profile_image(media_dir, kind, data)
    except ImageRejected as exc:
        for name in stored.values():
            discard(media_dir, name)
        raise unprocessable(f"{kind.capitalize()} file {exc}") from exc

    replaced: list[str] = []
    values = dict(changes.account)
    updated = ["updated_at", *values]
    if "note_source" in values:
        account.note_source = values.pop("note_source")
        account.note = await _html(node, account.note_source)
        updated.append("note")
    if "fields" in values:
        updated[updated.index("fields")] = "fields_json"
        # `value` is HTML as in Mastodon's Account entity; `source` keeps what was typed for the edit form.
        account.fields_json = [
            {"name": f["name"], "value": await _html(node, f["value"], single_line=True), "source": f["value"]}
            for f in values.pop("fields")
        ]
    for name, value in values.items():
        setattr(account, name, value)
    if changes.work and await update_work_profile(node, account, changes.work) and "fields_json" not in updated:
        updated.append("fields_json")
    if "fields_json" in updated:
        show_in_fields(account, await work_data(account))
    for kind, name in stored.items():
        replaced.append(getattr(account, f"{kind}_file"))
        setattr(account, f"{kind}_file", name)
        updated.append(f"{kind}_file")
    account.updated_at = utcnow()
    # Only what changed: the counters on this row are bumped concurrently by other requests.
    await account.save(update_fields=updated)
    if changes.user:
        for name, value in changes.user.items():
            setattr(user, name, value)
        await user.save(update_fields=list(changes.user))
    for name in replaced:
        discard(media_dir, name)
    await sync_account(account, node.settings.domain)
    await send_profile_update(node, account)


async def remove_profile_image(node: Node, account: Account, kind: str) -> None:
    """DELETE /api/v1/profile/avatar or /header (Mastodon 4.2): back to the default image, the
    file removed, and followers' nodes told. Nothing to remove changes nothing."""
    name = getattr(account, f"{kind}_file")
    if not name:
        return
    setattr(account, f"{kind}_file", "")
    account.updated_at = utcnow()
    await account.save(update_fields=[f"{kind}_file", "updated_at"])
    discard(node.settings.media_dir, name)
    await sync_account(account, node.settings.domain)
    await send_profile_update(node, account)
