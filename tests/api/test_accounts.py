"""Accounts in the client API: my credentials and profile, looking accounts up, listing followers."""

from __future__ import annotations

import io
import json
import re

from mastodon_shapes import check
from PIL import Image

from models.accounts import Account, User
from models.ids import new_id
from models.queues import Delivery
from models.relationships import Follow
from oauth.tokens import cli_application, issue_token


def png_bytes(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int, int] = (200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def next_link(response) -> str | None:
    match = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


async def test_verify_credentials_counts_follow_requests_waiting_for_me(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    await Account.filter(id=alice.id).update(locked=True)
    async with local_node.client(bob_token) as bob_client:
        assert (await bob_client.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    async with local_node.client(alice_token) as client:
        response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 200
    me = response.json()
    check("CredentialAccount", me)
    assert me["id"] == str(alice.id)
    assert me["locked"] is True
    assert me["source"]["follow_requests_count"] == 1


async def test_update_credentials_from_a_form_changes_the_profile_and_defaults(local_node):
    alice, token = await local_node.user("alice")
    form = {
        "display_name": "Alice A.",
        "note": "Hi <b>there</b>\n\nsee https://example.com/x and #flurfunk",
        "fields_attributes[0][name]": "Team",
        "fields_attributes[0][value]": "Billing & Co",
        "fields_attributes[1][name]": "Web",
        "fields_attributes[1][value]": "https://example.com",
        "locked": "true",
        "bot": "0",
        "source[privacy]": "private",
        "source[sensitive]": "true",
        "source[language]": "de",
    }
    async with local_node.client(token) as client:
        response = await client.patch("/api/v1/accounts/update_credentials", data=form)
        shown = (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert response.status_code == 200, response.text
    me = response.json()
    check("CredentialAccount", me)
    assert me["display_name"] == "Alice A."
    assert me["locked"] is True and me["bot"] is False
    assert "<b>" not in me["note"] and "&lt;b&gt;" in me["note"]
    assert me["note"].count("<p>") == 2
    assert 'href="https://example.com/x"' in me["note"]
    assert me["source"]["note"] == form["note"]
    assert [f["name"] for f in me["fields"]] == ["Team", "Web"]
    assert me["fields"][0]["value"] == "Billing &amp; Co"
    assert 'href="https://example.com"' in me["fields"][1]["value"]
    assert me["source"]["fields"][1]["value"] == "https://example.com"
    assert me["source"]["privacy"] == "private"
    assert me["source"]["sensitive"] is True
    assert me["source"]["language"] == "de"
    check("Account", shown)
    assert shown["display_name"] == "Alice A."
    user = await User.get(account_id=alice.id)
    assert user.default_visibility == "private"


async def test_update_credentials_takes_json_with_a_list_of_fields(local_node):
    _, token = await local_node.user("alice")
    body = {"display_name": "Al", "fields_attributes": [{"name": "Room", "value": "4.12"}], "discoverable": False}
    async with local_node.client(token) as client:
        response = await client.patch("/api/v1/accounts/update_credentials", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["fields"][0]["name"] == "Room"
    assert response.json()["discoverable"] is False


async def test_update_credentials_refuses_what_mastodon_refuses(local_node):
    alice, token = await local_node.user("alice")
    five = {f"fields_attributes[{i}][name]": f"n{i}" for i in range(5)}
    async with local_node.client(token) as client:
        too_long = await client.patch("/api/v1/accounts/update_credentials", data={"display_name": "x" * 31})
        too_many = await client.patch("/api/v1/accounts/update_credentials", data=five)
        bad_privacy = await client.patch("/api/v1/accounts/update_credentials", data={"source[privacy]": "direct"})
    for response in (too_long, too_many, bad_privacy):
        assert response.status_code == 422
        check("Error", response.json())
    assert (await Account.get(id=alice.id)).display_name == "alice"


async def test_an_uploaded_avatar_is_stored_as_an_image_and_served_at_its_url(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        before = (await client.get("/api/v1/accounts/verify_credentials")).json()
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            files={
                "avatar": ("me.png", png_bytes(), "image/png"),
                "header": ("h.png", png_bytes((2000, 800)), "image/png"),
            },
            data={"display_name": "With picture"},
        )
        assert response.status_code == 200, response.text
        me = response.json()
        check("CredentialAccount", me)
        assert me["avatar"] != before["avatar"]
        assert me["avatar"].startswith(local_node.settings.base_url + "/media/")
        served = await client.get(me["avatar"])
        header = await client.get(me["header"])
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (64, 48)
        assert image.format == "PNG"  # it has an alpha channel, so it stays lossless
    with Image.open(io.BytesIO(header.content)) as image:
        assert image.size == (1500, 500)  # Mastodon's header crop


async def remote_follower(account: Account) -> Account:
    """rita on elsewhere.test, following `account`: her node gets what `account` sends followers."""
    remote = await Account.create(
        id=new_id(),
        username="rita",
        domain="elsewhere.test",
        uri="https://elsewhere.test/users/rita",
        inbox_url="https://elsewhere.test/users/rita/inbox",
        shared_inbox_url="https://elsewhere.test/inbox",
    )
    await Follow.create(account=remote, target_account=account)
    return remote


async def test_deleting_the_avatar_brings_back_the_default_and_tells_followers(local_node):
    alice, token = await local_node.user("alice")
    await remote_follower(alice)
    images = {"avatar": ("me.png", png_bytes(), "image/png"), "header": ("h.png", png_bytes((2000, 800)), "image/png")}
    async with local_node.client(token) as client:
        default = (await client.get("/api/v1/accounts/verify_credentials")).json()
        with_images = (await client.patch("/api/v1/accounts/update_credentials", files=images)).json()
        before = await Delivery.filter(inbox_url="https://elsewhere.test/inbox").count()
        removed = await client.delete("/api/v1/profile/avatar")
        old_file = await client.get(with_images["avatar"])
        again = await client.delete("/api/v1/profile/avatar")
        header = await client.get(with_images["header"])
        no_header = await client.delete("/api/v1/profile/header")
    assert removed.status_code == 200 and again.status_code == 200
    check("CredentialAccount", removed.json())
    assert removed.json()["avatar"] == default["avatar"] != with_images["avatar"]
    assert removed.json()["header"] == with_images["header"]  # the header stays until it is deleted too
    assert old_file.status_code == 404 and header.status_code == 200
    assert no_header.json()["header"] == default["header"]
    queued = await Delivery.filter(inbox_url="https://elsewhere.test/inbox").prefetch_related("activity")
    # One Update for each image removed; deleting what is already gone sends nothing.
    assert len(queued) - before == 2
    assert all(json.loads(d.activity.body)["type"] == "Update" for d in queued[before:])
    stored = await Account.get(id=alice.id)
    assert stored.avatar_file == "" and stored.header_file == ""


async def test_a_text_file_as_avatar_is_refused_and_changes_nothing(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            files={"avatar": ("me.png", b"this is not a picture at all", "image/png")},
            data={"display_name": "Should not stick"},
        )
    assert response.status_code == 422
    check("Error", response.json())
    stored = await Account.get(id=alice.id)
    assert stored.avatar_file == ""
    assert stored.display_name == "alice"
    assert not any(path.is_file() for path in local_node.settings.media_dir.rglob("*"))


async def test_show_lookup_and_several_accounts_by_id(local_node):
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    async with local_node.client(token) as client:
        shown = await client.get(f"/api/v1/accounts/{bob.id}")
        anonymous = await local_node.client().get(f"/api/v1/accounts/{bob.id}")
        by_name = await client.get("/api/v1/accounts/lookup", params={"acct": "bob"})
        by_handle = await client.get("/api/v1/accounts/lookup", params={"acct": "@bob@flurfunk.test"})
        missing = await client.get("/api/v1/accounts/lookup", params={"acct": "nobody"})
        several = await client.get("/api/v1/accounts", params=[("id[]", str(bob.id)), ("id[]", str(alice.id))])
    assert shown.status_code == 200 and anonymous.status_code == 200
    check("Account", shown.json())
    assert shown.json()["acct"] == "bob"
    assert by_name.json()["id"] == by_handle.json()["id"] == str(bob.id)
    assert missing.status_code == 404
    assert [a["id"] for a in several.json()] == [str(bob.id), str(alice.id)]
    for account in several.json():
        check("Account", account)


async def test_unknown_ids_are_record_not_found(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        for path in ("/api/v1/accounts/123456789", "/api/v1/accounts/nonsense", "/api/v1/accounts/42/followers"):
            response = await client.get(path)
            assert response.status_code == 404, path
            check("Error", response.json())
            assert response.json() == {"error": "Record not found"}
        assert (await client.post("/api/v1/accounts/42/follow")).status_code == 404


async def test_a_suspended_account_shows_as_suspended_with_a_blank_profile(local_node):
    _, token = await local_node.user("alice")
    mallory, _ = await local_node.user("mallory")
    await Account.filter(id=mallory.id).update(suspended=True, note="<p>spam</p>")
    async with local_node.client(token) as client:
        shown = await client.get(f"/api/v1/accounts/{mallory.id}")
        follow = await client.post(f"/api/v1/accounts/{mallory.id}/follow")
    check("Account", shown.json())
    assert shown.json()["suspended"] is True and shown.json()["note"] == ""
    assert follow.status_code == 404


async def test_missing_scopes_are_refused(local_node):
    alice, _ = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    narrow = (await issue_token(alice, await cli_application(), "read:statuses write:statuses")).token
    async with local_node.client(narrow) as client:
        responses = [
            await client.get("/api/v1/accounts/verify_credentials"),
            await client.patch("/api/v1/accounts/update_credentials", data={"display_name": "x"}),
            await client.post(f"/api/v1/accounts/{bob.id}/follow"),
            await client.get("/api/v1/accounts/relationships", params={"id[]": str(bob.id)}),
            await client.get("/api/v1/blocks"),
            await client.get("/api/v1/mutes"),
            await client.get("/api/v1/follow_requests"),
            await client.get(f"/api/v1/accounts/{bob.id}"),  # a token without read:accounts, though optional
        ]
    for response in responses:
        assert response.status_code == 403, response.request.url
        check("Error", response.json())
    profile_only = (await issue_token(alice, await cli_application(), "profile")).token
    async with local_node.client(profile_only) as client:
        assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 200
    async with local_node.client() as anonymous:
        assert (await anonymous.get("/api/v1/accounts/verify_credentials")).status_code == 401


async def test_followers_page_one_at_a_time_along_the_link_header(local_node):
    star, _ = await local_node.user("star")
    names = ["fan1", "fan2", "fan3"]
    for name in names:
        _, token = await local_node.user(name)
        async with local_node.client(token) as client:
            assert (await client.post(f"/api/v1/accounts/{star.id}/follow")).json()["following"] is True
    seen: list[str] = []
    async with local_node.client() as client:
        url: str | None = f"/api/v1/accounts/{star.id}/followers?limit=1"
        while url:
            response = await client.get(url)
            assert response.status_code == 200
            page = response.json()
            assert len(page) <= 1
            for account in page:
                check("Account", account)
            seen += [a["username"] for a in page]
            url = next_link(response) if page else None
        following = await client.get(f"/api/v1/accounts/{(await Account.get(username='fan1')).id}/following")
    assert seen == list(reversed(names))  # newest follow first
    assert [a["username"] for a in following.json()] == ["star"]


async def test_search_finds_accounts_by_handle_and_display_name_prefix(local_node):
    alice, token = await local_node.user("alice")
    await local_node.user("alfred", display_name="Fred Alpha")
    await local_node.user("bob", display_name="Alabaster Bob")
    async with local_node.client(token) as client:
        al = await client.get("/api/v1/accounts/search", params={"q": "al"})
        exact = await client.get("/api/v1/accounts/search", params={"q": "@alfred@flurfunk.test"})
        mine = await client.get("/api/v1/accounts/search", params={"q": "al", "following": "true"})
        await client.post(f"/api/v1/accounts/{(await Account.get(username='bob')).id}/follow")
        mine_after = await client.get("/api/v1/accounts/search", params={"q": "al", "following": "true"})
    assert al.status_code == 200
    for account in al.json():
        check("Account", account)
    assert {a["username"] for a in al.json()} == {"alice", "alfred", "bob"}
    assert exact.json()[0]["username"] == "alfred"
    assert mine.json() == []
    assert [a["username"] for a in mine_after.json()] == ["bob"]


async def test_a_profile_update_is_sent_to_the_nodes_of_remote_followers(local_node):
    alice, token = await local_node.user("alice")
    await remote_follower(alice)
    async with local_node.client(token) as client:
        response = await client.patch("/api/v1/accounts/update_credentials", json={"display_name": "Alice New"})
    assert response.status_code == 200
    queued = await Delivery.filter(inbox_url="https://elsewhere.test/inbox").prefetch_related("activity")
    assert len(queued) == 1
    update = json.loads(queued[0].activity.body)
    assert update["type"] == "Update"
    assert update["object"]["name"] == "Alice New"
