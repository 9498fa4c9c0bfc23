"""Media in the client API: uploads are checked, turned upright, stripped, previewed and hashed;
they can be described before posting, show in statuses, and are cleaned up when never posted."""

from __future__ import annotations

import io
from datetime import timedelta

import blurhash
import pytest
from mastodon_shapes import check
from PIL import Image

from federation import documents
from media import images
from media.cleanup import remove_unattached_media
from models.accounts import Account
from models.base import utcnow
from models.scheduled import ScheduledStatus
from models.statuses import MediaAttachment
from oauth.tokens import cli_application, issue_token

RED, BLUE = (220, 20, 20), (20, 20, 220)
ORIENTATION, GPS_IFD, GPS_LATITUDE = 0x0112, 0x8825, 2


def jpeg_from_camera(size: tuple[int, int] = (800, 400)) -> bytes:
    """A JPEG as a phone writes it: stored sideways (left half red, right half blue) with EXIF
    orientation 6 ("rotate 90° clockwise to view") and a GPS position."""
    width, height = size
    picture = Image.new("RGB", size, BLUE)
    picture.paste(Image.new("RGB", (width // 2, height), RED), (0, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "ACME Phones"  # Make
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (52.0, 31.0, 12.0)
    exif.get_ifd(GPS_IFD)[1] = "N"
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (1000, 500), colour: tuple[int, ...] = (30, 160, 60, 128)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def media_files(local_node) -> list:
    return [p for p in local_node.settings.media_dir.rglob("*") if p.is_file()]


async def upload(client, data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg", version: str = "v2", **form):
    return await client.post(f"/api/{version}/media", files={"file": (name, data, kind)}, data=form)


def opened(response) -> Image.Image:
    assert response.status_code == 200, response.status_code
    return Image.open(io.BytesIO(response.content))


async def test_a_photo_from_a_phone_is_turned_upright_stripped_of_its_location_and_previewed(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, jpeg_from_camera(), description="Our new office", focus="0.5,-0.25")
        assert response.status_code == 200, response.text
        media = response.json()
        check("MediaAttachment", media)
        original = opened(await client.get(media["url"]))
        preview = opened(await client.get(media["preview_url"]))

    base = local_node.settings.base_url + "/media/"
    assert media["type"] == "image"
    assert media["url"].startswith(base) and media["preview_url"].startswith(base)
    assert media["remote_url"] is None
    assert media["description"] == "Our new office"
    assert media["meta"]["original"] == {"width": 400, "height": 800, "size": "400x800", "aspect": 0.5}
    assert media["meta"]["small"] == {"width": 320, "height": 640, "size": "320x640", "aspect": 0.5}
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert blurhash.components(media["blurhash"]) == (4, 4)
    # Upright: the red left half of the sideways picture is now on top.
    assert original.format == "JPEG" and original.size == (400, 800)
    assert _near(original.getpixel((200, 100)), RED) and _near(original.getpixel((200, 700)), BLUE)
    assert "exif" not in original.info and not original.getexif()
    assert preview.size == (320, 640) and "exif" not in preview.info


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


async def test_a_transparent_png_stays_a_png_and_v1_answers_with_the_same_entity(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, png_bytes(), "chart.png", "image/png", version="v1")
        assert response.status_code == 200, response.text
        media = response.json()
        check("MediaAttachment", media)
        original = opened(await client.get(media["url"]))
        preview = opened(await client.get(media["preview_url"]))
    assert media["url"].endswith(".png") and original.format == "PNG" and original.mode == "RGBA"
    assert original.getpixel((10, 10)) == (30, 160, 60, 128)
    assert preview.size == (640, 320)
    assert media["meta"]["original"]["size"] == "1000x500" and "focus" not in media["meta"]
    stored = await MediaAttachment.get(id=int(media["id"]))
    assert stored.content_type == "image/png" and stored.account_id == alice.id and stored.status_id is None


async def test_a_claimed_type_is_not_believed_the_file_decides(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, png_bytes((40, 30)), "photo.jpg", "image/jpeg")
    assert response.status_code == 200
    assert response.json()["url"].endswith(".png")
    assert (await MediaAttachment.get(id=int(response.json()["id"]))).content_type == "image/png"


async def test_pictures_above_the_pixel_limit_are_scaled_down_keeping_their_shape(local_node, monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        media = (await upload(client, png_bytes((400, 100)), "wide.png", "image/png")).json()
        original = opened(await client.get(media["url"]))
    assert original.size == (200, 50)
    assert media["meta"]["original"]["size"] == "200x50"


def animated_gif(frame_count: int = 3) -> bytes:
    colours = [RED, BLUE, (20, 200, 20)]
    frames = [Image.new("RGB", (60, 40), colours[i % 3]) for i in range(frame_count)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
    return out.getvalue()


async def test_an_animated_gif_keeps_its_frames(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        media = (await upload(client, animated_gif(), "dance.gif", "image/gif")).json()
        original = opened(await client.get(media["url"]))
    assert original.format == "GIF" and original.n_frames == 3
    check("MediaAttachment", media)


async def test_an_animation_with_too_many_frames_is_refused(local_node, monkeypatch):
    monkeypatch.setattr(images, "ANIMATION_PIXEL_LIMIT", 60 * 40 * 2)
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, animated_gif(), "long.gif", "image/gif")
    assert response.status_code == 422
    assert response.json()["error"] == "Validation failed: File has too many frames"
    assert media_files(local_node) == []


def _truncated_png() -> bytes:
    data = png_bytes((300, 300), (1, 2, 3, 4))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"file": ("notes.txt", b"quarterly numbers: up", "text/plain")},
            "Validation failed: File content type is invalid",
        ),
        ({"file": ("fake.png", b"\x89PNG\r\n\x1a\n" + b"x" * 50, "image/png")}, None),
        ({"file": ("half.png", _truncated_png(), "image/png")}, "File type of uploaded media could not be verified"),
        ({"file": ("bitmap.bmp", b"BM" + b"\0" * 60, "image/bmp")}, "Validation failed: File content type is invalid"),
        (
            {"file": ("ok.png", png_bytes((20, 20)), "image/png"), "thumbnail": ("t.txt", b"hello", "text/plain")},
            "Validation failed: Thumbnail content type is invalid",
        ),
        ({}, "Validation failed: File can't be blank"),
    ],
    ids=["text", "png-signature-only", "truncated-png", "bmp", "text-thumbnail", "no-file"],
)
async def test_what_is_not_a_whole_supported_image_is_refused_and_leaves_nothing(local_node, files, message):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.post("/api/v2/media", files=files or None, data={"description": "x"})
    assert response.status_code == 422, response.text
    check("Error", response.json())
    if message:
        assert response.json()["error"] == message
    assert await MediaAttachment.all().count() == 0
    assert media_files(local_node) == []


async def test_a_file_over_the_size_limit_is_refused_without_being_processed(local_node, monkeypatch):
    data = png_bytes((64, 64))
    monkeypatch.setattr(images, "IMAGE_SIZE_LIMIT", len(data) - 1)
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, data, "big.png", "image/png")
        just_fits = await upload(client, png_bytes((8, 8)), "small.png", "image/png")
    assert response.status_code == 422
    assert response.json()["error"] == f"Validation failed: File file size must be less than {len(data) - 1} Bytes"
    assert just_fits.status_code == 200
    assert await MediaAttachment.all().count() == 1


async def test_the_instance_advertises_the_limits_uploads_are_held_to(local_node):
    async with local_node.client() as client:
        limits = (await client.get("/api/v2/instance")).json()["configuration"]["media_attachments"]
    assert limits["image_size_limit"] == images.IMAGE_SIZE_LIMIT == 16 * 1024 * 1024
    assert limits["image_matrix_limit"] == images.MATRIX_LIMIT
    assert set(limits["supported_mime_types"]) == {"image/jpeg", "image/png", "image/gif", "image/webp"}


async def test_pictures_too_large_to_decode_safely_are_refused(local_node, monkeypatch):
    monkeypatch.setattr(images, "MATRIX_LIMIT", 100 * 100)
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, png_bytes((300, 200)), "huge.png", "image/png")
    assert response.status_code == 422
    assert response.json()["error"] == "300x200 images are not supported"
    assert media_files(local_node) == []


async def test_a_too_long_description_is_refused(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await upload(client, png_bytes((20, 20)), "a.png", "image/png", description="x" * 1501)
    assert response.status_code == 422
    assert response.json()["error"] == "Validation failed: Description is too long (maximum is 1500 characters)"
    assert media_files(local_node) == []


async def test_media_is_described_and_read_back_by_its_owner_only_until_it_is_posted(local_node):
    alice, token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(token) as client, local_node.client(bob_token) as bob_client:
        media = (await upload(client, jpeg_from_camera((200, 100)))).json()
        path = f"/api/v1/media/{media['id']}"
        assert (await bob_client.get(path)).status_code == 404
        assert (await bob_client.put(path, data={"description": "mine now"})).status_code == 404

        changed = await client.put(path, data={"description": "The team at the summer party", "focus": "2,-0.3"})
        assert changed.status_code == 200
        check("MediaAttachment", changed.json())
        assert changed.json()["meta"]["focus"] == {"x": 1.0, "y": -0.3}  # clients draw within -1..1
        shown = await client.get(path)
        assert shown.status_code == 200
        assert shown.json()["description"] == "The team at the summer party"

        posted = await client.post("/api/v1/statuses", data={"status": "Summer!", "media_ids[]": media["id"]})
        assert posted.status_code == 200
        status = posted.json()
        check("Status", status)
        [attached] = status["media_attachments"]
        check("MediaAttachment", attached)
        assert attached["id"] == media["id"] and attached["description"] == "The team at the summer party"
        assert attached["url"] == media["url"] and attached["blurhash"] == media["blurhash"]
        # Once posted, media is changed through an edit of the post (Mastodon's MediaController finds only free media).
        assert (await client.get(path)).status_code == 404
        assert (await client.put(path, data={"description": "later"})).status_code == 404
    assert (await MediaAttachment.get(id=int(media["id"]))).description == "The team at the summer party"


async def test_media_not_posted_can_be_deleted_with_its_files_and_posted_media_cannot(local_node):
    alice, token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(token) as client, local_node.client(bob_token) as bob_client:
        spare = (await upload(client, jpeg_from_camera((200, 100)))).json()
        kept = (await upload(client, jpeg_from_camera((200, 100)))).json()
        await client.post("/api/v1/statuses", data={"status": "One photo", "media_ids[]": kept["id"]})
        files_before = len(media_files(local_node))

        not_hers = await bob_client.delete(f"/api/v1/media/{spare['id']}")
        in_use = await client.delete(f"/api/v1/media/{kept['id']}")
        deleted = await client.delete(f"/api/v1/media/{spare['id']}")
        again = await client.delete(f"/api/v1/media/{spare['id']}")
        not_a_number = await client.delete("/api/v1/media/abc")

    assert not_hers.status_code == 404 and not_hers.json() == {"error": "Record not found"}
    assert in_use.status_code == 422
    assert in_use.json() == {"error": "Media attachment is currently used by a status"}
    assert deleted.status_code == 200 and deleted.json() == {}
    assert again.status_code == 404 and not_a_number.status_code == 404
    assert not await MediaAttachment.exists(id=int(spare["id"]))
    assert await MediaAttachment.exists(id=int(kept["id"]))
    assert len(media_files(local_node)) == files_before - 2  # the original and its preview


async def test_a_custom_thumbnail_replaces_the_preview(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.post(
            "/api/v2/media",
            files={
                "file": ("a.png", png_bytes((100, 100)), "image/png"),
                "thumbnail": ("t.jpg", jpeg_from_camera(), "image/jpeg"),
            },
        )
        media = response.json()
        preview = opened(await client.get(media["preview_url"]))
        replaced = await client.put(
            f"/api/v1/media/{media['id']}", files={"thumbnail": ("t.png", png_bytes((900, 300)), "image/png")}
        )
    assert response.status_code == 200
    assert preview.size == (320, 640) and "exif" not in preview.info
    assert media["meta"]["small"]["size"] == "320x640" and media["meta"]["original"]["size"] == "100x100"
    assert replaced.status_code == 200 and replaced.json()["meta"]["small"]["size"] == "640x213"
    # The first custom preview is gone from disk; the original and the new preview remain.
    assert len(media_files(local_node)) == 2


async def test_uploading_needs_the_write_media_scope(local_node):
    alice, _ = await local_node.user("alice")
    reader = await issue_token(alice, await cli_application(), "read")
    async with local_node.client(reader.token) as client:
        response = await upload(client, png_bytes((20, 20)), "a.png", "image/png")
    assert response.status_code == 403
    async with local_node.client() as anonymous:
        assert (await upload(anonymous, png_bytes((20, 20)), "a.png", "image/png")).status_code == 401
    assert await MediaAttachment.all().count() == 0


async def test_uploads_never_posted_are_removed_after_a_day_with_their_files(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        uploads = [(await upload(client, jpeg_from_camera((60, 40)))).json() for _ in range(4)]
        abandoned, posted, scheduled, fresh = uploads
        await client.post("/api/v1/statuses", data={"status": "with picture", "media_ids[]": posted["id"]})
    # A status scheduled for next week keeps its media, unattached until it is published.
    await ScheduledStatus.create(
        account=alice,
        scheduled_at=utcnow() + timedelta(days=7),
        params={"text": "later", "media_ids": [scheduled["id"]]},
    )
    day_ago = utcnow() - timedelta(hours=25)
    await MediaAttachment.filter(id__in=[int(m["id"]) for m in uploads[:3]]).update(created_at=day_ago)
    rows = {m.id: m for m in await MediaAttachment.all()}
    files_of = {
        m.id: [local_node.settings.media_dir / m.file, local_node.settings.media_dir / m.preview_file]
        for m in rows.values()
    }

    assert await remove_unattached_media(local_node.settings.media_dir) == 1

    remaining = set(await MediaAttachment.all().values_list("id", flat=True))
    assert remaining == {int(posted["id"]), int(scheduled["id"]), int(fresh["id"])}
    assert not any(p.exists() for p in files_of[int(abandoned["id"])])
    assert all(p.exists() for i in remaining for p in files_of[i])
    assert await remove_unattached_media(local_node.settings.media_dir) == 0


async def test_avatars_go_through_the_same_pipeline_and_federate_with_their_real_type(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.patch(
            "/api/v1/accounts/update_credentials", files={"avatar": ("me.jpg", jpeg_from_camera(), "image/jpeg")}
        )
        assert response.status_code == 200, response.text
        avatar = opened(await client.get(response.json()["avatar"]))
    # Upright first (red on top), then cropped to Mastodon's 400x400.
    assert avatar.format == "JPEG" and avatar.size == (400, 400)
    assert _near(avatar.getpixel((200, 100)), RED) and _near(avatar.getpixel((200, 300)), BLUE)
    assert "exif" not in avatar.info and not avatar.getexif()
    actor = documents.person(await Account.get(id=alice.id), local_node.settings.base_url)
    assert actor["icon"]["mediaType"] == "image/jpeg" and actor["icon"]["url"] == response.json()["avatar"]
    assert actor["image"]["mediaType"] == "image/png"  # the default header


async def test_an_oversized_avatar_names_the_avatar(local_node, monkeypatch):
    from api import media_upload

    monkeypatch.setattr(media_upload, "MAX_BYTES", 100)
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.patch(
            "/api/v1/accounts/update_credentials", files={"avatar": ("me.png", png_bytes((64, 64)), "image/png")}
        )
    assert response.status_code == 422
    assert response.json()["error"].startswith("Validation failed: Avatar file size must be less than")


def test_mastodon_py_uploads_describes_and_posts_media_on_a_real_node(start_node):
    from mastodon import Mastodon

    node = start_node()
    api = Mastodon(access_token=node.add_user("alice"), api_base_url=node.url, version_check_mode="none")
    media = api.media_post(
        jpeg_from_camera((300, 200)), mime_type="image/jpeg", description="Whiteboard", focus=(0.2, 0.4)
    )
    assert media.url and media.meta.original.size == "200x300"
    media = api.media_update(media, description="Whiteboard after the meeting")
    status = api.status_post("Notes from today", media_ids=[media])
    [attached] = status.media_attachments
    assert attached.id == media.id and attached.description == "Whiteboard after the meeting"
    assert attached.meta.focus.x == 0.2 and attached.meta.focus.y == 0.4
