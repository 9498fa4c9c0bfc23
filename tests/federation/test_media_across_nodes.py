"""Media across nodes: a picture posted on one node shows on another with its description, blurhash,
size and focal point, served from the node it was posted on."""

from __future__ import annotations

import io

import httpx
from mastodon_shapes import check
from PIL import Image

from federation import documents
from federation.parse import attachments_of
from models.statuses import MediaAttachment
from tests.federation.people import Person


def photo(size: tuple[int, int] = (1200, 800)) -> bytes:
    picture = Image.new("RGB", size, (240, 200, 40))
    picture.paste(Image.new("RGB", (size[0] // 3, size[1]), (30, 60, 200)), (0, 0))
    out = io.BytesIO()
    picture.save(out, "JPEG")
    return out.getvalue()


def upload(person: Person, data: bytes, **form: str) -> dict:
    with person.node.client(person.token) as client:
        response = client.post("/api/v2/media", files={"file": ("team.jpg", data, "image/jpeg")}, data=form)
    response.raise_for_status()
    return response.json()


def test_a_picture_posted_on_one_node_shows_on_the_other_with_its_description(start_node):
    alice, bob = Person.on(start_node(), "alice"), Person.on(start_node(), "bob")
    bob.follow(alice)
    bob.wait_following(alice)

    media = upload(alice, photo(), description="The sales team at the offsite", focus="-0.5,0.25")
    post = alice.toot("Offsite day!", media_ids=[media["id"]])
    assert [m["id"] for m in post["media_attachments"]] == [media["id"]]

    seen = bob.wait_in_home(post["uri"])
    check("Status", seen)
    [remote] = seen["media_attachments"]
    check("MediaAttachment", remote)
    assert remote["remote_url"] == media["url"] and remote["remote_url"].startswith(alice.node.url + "/media/")
    assert remote["url"] == media["url"]  # not copied: the picture is fetched from alice's node
    assert remote["description"] == "The sales team at the offsite"
    assert remote["type"] == "image"
    assert remote["blurhash"] == media["blurhash"]
    assert remote["meta"]["original"] == {"width": 1200, "height": 800, "size": "1200x800", "aspect": 1.5}
    assert remote["meta"]["focus"] == {"x": -0.5, "y": 0.25}
    served = httpx.get(remote["remote_url"], timeout=10)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).size == (1200, 800)


async def test_a_document_attachment_is_written_and_read_back_with_everything_mastodon_sends(local_node):
    media = MediaAttachment(
        id=1,
        file="media_attachments/original/abc.png",
        content_type="image/png",
        description="A chart of the quarter",
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        meta={
            "original": {"width": 640, "height": 480, "size": "640x480", "aspect": 4 / 3},
            "focus": {"x": 0.1, "y": -0.2},
        },
    )
    document = documents.media_document(media, "https://eng.example")
    assert document == {
        "type": "Document",
        "mediaType": "image/png",
        "url": "https://eng.example/media/media_attachments/original/abc.png",
        "name": "A chart of the quarter",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "width": 640,
        "height": 480,
        "focalPoint": [0.1, -0.2],
    }
    [values] = attachments_of({"attachment": [document]})
    assert values["remote_url"] == document["url"] and values["content_type"] == "image/png"
    assert values["description"] == "A chart of the quarter" and values["blurhash"] == document["blurhash"]
    assert values["meta"] == {
        "original": {"width": 640, "height": 480, "size": "640x480", "aspect": 4 / 3},
        "focus": {"x": 0.1, "y": -0.2},
    }


def test_odd_remote_attachment_values_are_dropped_not_stored():
    [values] = attachments_of(
        {
            "attachment": {
                "type": "Image",
                "url": {"type": "Link", "href": "https://sales.example/a.webp"},
                "mediaType": "image/webp",
                "blurhash": "not a blurhash at all",
                "width": "640",
                "height": -3,
                "focalPoint": [3, "up"],
                "name": "x" * 5000,
            }
        }
    )
    assert values["remote_url"] == "https://sales.example/a.webp"
    assert values["blurhash"] is None
    assert values["meta"] == {}
    assert len(values["description"]) == 1500
    # A hash claiming more than 5x5 components is refused as Mastodon refuses it.
    too_detailed = "z" + "0" * (4 + 2 * 9 * 9 - 1)
    assert (
        attachments_of({"attachment": [{"type": "Document", "url": "https://x/y.png", "blurhash": too_detailed}]})[0][
            "blurhash"
        ]
        is None
    )
