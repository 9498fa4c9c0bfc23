"""The inbox stores only what a permitted actor validly signed; everything else is refused and dropped.

In process: the node under test is a real app; the other servers are an httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import json

from core.registration import create_local_account
from federation.keys import generate_key_pair
from federation.signatures import sign
from federation.verification import KeyCache, PublicKey
from models.queues import InboxItem
from settings import Settings
from tests.fake_remote import in_process_node, note_create


async def test_an_unsigned_post_is_refused(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    async with local.client() as client:
        response = await client.post(
            "/inbox", content=json.dumps(note_create(remote)), headers={"Content-Type": "application/activity+json"}
        )
    assert response.status_code == 401
    assert await InboxItem.all().count() == 0


async def test_a_signature_by_a_key_the_actor_does_not_publish_is_refused(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    forger_private, _ = generate_key_pair()
    response = await local.deliver(remote, note_create(remote), private_pem=forger_private)
    assert response.status_code == 401
    assert await InboxItem.all().count() == 0
    # The key was fetched (and re-fetched once, in case it had been rotated) before refusing.
    assert fediverse.fetched.count(remote.uri) == 2


async def test_an_activity_signed_by_someone_other_than_its_actor_is_refused(local, fediverse):
    author = fediverse.actor("https://mastodon.example/users/bob")
    signer = fediverse.actor("https://mastodon.example/users/mallory")
    response = await local.deliver(signer, note_create(author))
    assert response.status_code == 401
    assert "actor" in response.json()["error"]
    assert await InboxItem.all().count() == 0


async def test_a_personal_inbox_refuses_forgeries_too(local, fediverse):
    await create_local_account(local.settings.base_url, "alice", "correct horse battery")
    remote = fediverse.actor("https://mastodon.example/users/bob")
    forger_private, _ = generate_key_pair()
    response = await local.deliver(remote, note_create(remote), path="/users/alice/inbox", private_pem=forger_private)
    assert response.status_code == 401
    assert await InboxItem.all().count() == 0


async def test_an_unsigned_post_is_refused_as_unsigned_whatever_its_body(local, fediverse):
    async with local.client() as client:
        for body in (b'{"type": "Create", "actor": ', b"not json at all", b"[]"):
            response = await client.post("/inbox", content=body, headers={"Content-Type": "application/activity+json"})
            assert (response.status_code, response.json()) == (401, {"error": "Request not signed"})
    assert await InboxItem.all().count() == 0


async def test_oversized_bodies_unknown_inboxes_and_other_methods_get_their_errors(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    huge = json.dumps({**note_create(remote), "padding": "x" * (1 << 20)}).encode()
    async with local.client() as client:
        too_large = await client.post("/inbox", content=huge, headers={"Content-Type": "application/activity+json"})
        assert (too_large.status_code, too_large.json()) == (413, {"error": "Activity too large"})
        assert (await client.get("/inbox")).status_code == 405
    nobody = await local.deliver(remote, note_create(remote), path="/users/nobody/inbox")
    assert (nobody.status_code, nobody.json()) == (404, {"error": "Record not found"})
    # A query string: the signature covers the path as sent, query included.
    signed = await local.deliver(remote, note_create(remote), path="/inbox?from=relay")
    assert signed.status_code == 202
    assert await InboxItem.all().count() == 1


async def test_malformed_json_is_a_bad_request(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    body = b'{"type": "Create", "actor": '
    headers = {**sign("POST", "https://flurfunk.test/inbox", body, remote.key_id, remote.private_pem)}
    async with local.client() as client:
        response = await client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 400
    assert await InboxItem.all().count() == 0


async def test_a_valid_signed_create_is_stored_once_even_when_delivered_twice(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    activity = note_create(remote)
    first = await local.deliver(remote, activity)
    assert first.status_code == 202, first.text
    second = await local.deliver(remote, activity)
    assert second.status_code == 202
    items = await InboxItem.all()
    assert [(item.activity_id, item.actor_uri) for item in items] == [(activity["id"], remote.uri)]
    assert json.loads(items[0].body) == activity


async def test_a_body_altered_after_signing_is_refused(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    activity = note_create(remote)
    body = json.dumps(activity).encode()
    headers = remote.signed_headers("https://flurfunk.test/inbox", body)
    tampered = body.replace(b"Hello", b"Buy crypto")
    async with local.client() as client:
        response = await client.post("/inbox", content=tampered, headers=headers)
    assert response.status_code == 401
    assert await InboxItem.all().count() == 0


async def test_an_allowlisted_node_refuses_other_domains(tmp_path, fediverse):
    settings = Settings(
        domain="flurfunk.test",
        scheme="https",
        data_dir=tmp_path / "allow",
        run_workers=False,
        federation="allowlist",
        allowed_domains=frozenset({"sales.example"}),
    )
    outsider = fediverse.actor("https://mastodon.example/users/bob")
    colleague = fediverse.actor("https://sales.example/users/carol")
    async with in_process_node(settings, fediverse) as local:
        refused = await local.deliver(outsider, note_create(outsider))
        assert refused.status_code == 403
        assert await InboxItem.all().count() == 0
        assert not any(url.startswith("https://mastodon.example/") for url in fediverse.fetched)

        allowed = await local.deliver(colleague, note_create(colleague))
        assert allowed.status_code == 202, allowed.text
        assert [item.actor_uri for item in await InboxItem.all()] == [colleague.uri]


async def test_a_blocked_domain_is_refused(tmp_path, fediverse):
    settings = Settings(
        domain="flurfunk.test",
        scheme="https",
        data_dir=tmp_path / "block",
        run_workers=False,
        blocked_domains=frozenset({"spam.example"}),
    )
    spammer = fediverse.actor("https://mx.spam.example/users/bot")
    async with in_process_node(settings, fediverse) as local:
        response = await local.deliver(spammer, note_create(spammer))
        assert response.status_code == 403
        assert await InboxItem.all().count() == 0
        assert fediverse.fetched == []


async def test_a_known_key_is_used_from_memory_and_fetched_again_once_after_a_rotation(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    assert (await local.deliver(remote, note_create(remote, 1))).status_code == 202
    assert (await local.deliver(remote, note_create(remote, 2))).status_code == 202
    assert fediverse.fetched.count(remote.uri) == 1

    remote.rotate_key()
    response = await local.deliver(remote, note_create(remote, 3))
    assert response.status_code == 202, response.text
    assert fediverse.fetched.count(remote.uri) == 2
    # The rotated key is what is kept: the next activity needs no fetch.
    assert (await local.deliver(remote, note_create(remote, 4))).status_code == 202
    assert fediverse.fetched.count(remote.uri) == 2
    assert await InboxItem.all().count() == 4


async def test_the_key_cache_keeps_the_most_recently_used_keys():
    cache = KeyCache(size=2)
    for name in ("a", "b"):
        cache.put(name, PublicKey(f"https://x.example/{name}", name))
    assert cache.get("a") is not None  # now "b" is the least recently used
    cache.put("c", PublicKey("https://x.example/c", "c"))
    assert cache.get("b") is None
    assert [cache.get(n).pem for n in ("a", "c")] == ["a", "c"]


async def test_activities_arriving_together_are_all_stored_once(local, fediverse):
    remote = fediverse.actor("https://mastodon.example/users/bob")
    activities = [note_create(remote, n) for n in range(1, 21)]
    # Twenty at once, the third delivered twice: written in groups, each row once.
    responses = await asyncio.gather(*(local.deliver(remote, a) for a in [*activities, activities[2]]))
    assert [r.status_code for r in responses] == [202] * 21
    stored = await InboxItem.all().values_list("activity_id", flat=True)
    assert sorted(stored) == sorted(a["id"] for a in activities)
