"""Verifying signed requests: the key lookup, key rotation, and finding the actor behind a key id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.actors import account_for_key
from federation.errors import FetchError, SignatureError
from federation.keys import generate_key_pair
from federation.signatures import sign
from federation.verification import PublicKey, verify_request
from settings import Settings
from tests.fake_remote import Fediverse, in_process_node

ACTOR = "https://remote.example/users/bob"
KEY_ID = ACTOR + "#main-key"
BODY = json.dumps({"type": "Follow", "actor": ACTOR, "object": "https://flurfunk.test/users/alice"}).encode()


class Lookup:
    """A key lookup that serves `cached` until asked to refresh, then `fresh`; counts the calls."""

    def __init__(self, cached: str, fresh: str) -> None:
        self.cached, self.fresh = cached, fresh
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey:
        self.calls.append((key_id, refresh))
        return PublicKey(ACTOR, self.fresh if refresh else self.cached)


def signed(private_pem: str, url: str = "https://flurfunk.test/inbox") -> dict[str, str]:
    return sign("POST", url, BODY, KEY_ID, private_pem)


async def test_a_valid_signature_needs_no_refresh():
    private_pem, public_pem = generate_key_pair()
    lookup = Lookup(public_pem, public_pem)
    signed_by = await verify_request("POST", "/inbox", signed(private_pem), BODY, lookup)
    assert (signed_by.key_id, signed_by.actor_uri) == (KEY_ID, ACTOR)
    assert lookup.calls == [(KEY_ID, False)]


async def test_a_rotated_key_is_refetched_once_and_then_accepted():
    _, old_public = generate_key_pair()
    new_private, new_public = generate_key_pair()
    lookup = Lookup(old_public, new_public)
    signed_by = await verify_request("POST", "/inbox", signed(new_private), BODY, lookup)
    assert signed_by.actor_uri == ACTOR
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_a_wrong_key_stays_wrong_after_one_refresh():
    forger_private, _ = generate_key_pair()
    _, public_pem = generate_key_pair()
    lookup = Lookup(public_pem, public_pem)
    with pytest.raises(SignatureError, match="does not verify"):
        await verify_request("POST", "/inbox", signed(forger_private), BODY, lookup)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_a_key_that_cannot_be_fetched_is_a_signature_error():
    private_pem, _ = generate_key_pair()

    async def unreachable(key_id: str, refresh: bool) -> PublicKey:
        raise FetchError("connection refused")

    with pytest.raises(SignatureError, match="could not be fetched"):
        await verify_request("POST", "/inbox", signed(private_pem), BODY, unreachable)


async def test_a_request_that_fails_the_pure_checks_never_looks_up_a_key():
    private_pem, public_pem = generate_key_pair()
    lookup = Lookup(public_pem, public_pem)
    with pytest.raises(SignatureError, match="Digest"):
        await verify_request("POST", "/inbox", signed(private_pem), BODY + b"!", lookup)
    assert lookup.calls == []


async def test_a_signature_without_the_query_string_is_accepted_as_mastodon_does():
    # Mastodon (SignatureVerification, "compatibility quirk") accepts a (request-target) signed
    # without the query string, because some servers sign only the path.
    private_pem, public_pem = generate_key_pair()
    headers = sign("GET", "https://flurfunk.test/users/alice/outbox", None, KEY_ID, private_pem)
    lookup = Lookup(public_pem, public_pem)
    signed_by = await verify_request("GET", "/users/alice/outbox?page=true", headers, b"", lookup)
    assert signed_by.actor_uri == ACTOR
    with_query = sign("GET", "https://flurfunk.test/users/alice/outbox?page=true", None, KEY_ID, private_pem)
    with pytest.raises(SignatureError):
        await verify_request("GET", "/users/alice/outbox?page=false", with_query, b"", lookup)


# ---- account_for_key: the actor behind a key id, fetched through a stand-in remote server ---------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", run_workers=False)


async def test_a_fragment_key_id_resolves_to_its_actor(settings):
    fediverse = Fediverse()
    remote = fediverse.actor("https://mastodon.example/users/bob")
    async with in_process_node(settings, fediverse) as local:
        account = await account_for_key(local.node, remote.key_id)
        assert (account.uri, account.domain, account.username) == (remote.uri, "mastodon.example", "bob")
        assert account.public_key_pem == remote.keys[1]
        assert fediverse.fetched == [remote.uri]
        # Cached now: a second lookup fetches nothing.
        assert (await account_for_key(local.node, remote.key_id)).id == account.id
        assert fediverse.fetched == [remote.uri]


async def test_a_main_key_document_resolves_through_its_owner(settings):
    fediverse = Fediverse()
    remote = fediverse.actor("https://gts.example/users/carol", key_style="document")
    async with in_process_node(settings, fediverse) as local:
        account = await account_for_key(local.node, remote.key_id)
        assert account.uri == remote.uri
        assert account.key_id == "https://gts.example/users/carol/main-key"
        assert fediverse.fetched == [remote.key_id, remote.uri]


async def test_a_key_document_naming_an_owner_on_another_host_is_refused(settings):
    fediverse = Fediverse()
    victim = fediverse.actor("https://victim.example/users/dave")
    liar = fediverse.actor("https://liar.example/users/eve", key_style="document")
    liar.key_document = lambda: {"id": liar.key_id, "owner": victim.uri, "publicKeyPem": liar.keys[1]}
    async with in_process_node(settings, fediverse) as local:
        with pytest.raises(FetchError, match="owner"):
            await account_for_key(local.node, liar.key_id)


async def test_an_actor_that_does_not_publish_the_key_is_refused(settings):
    fediverse = Fediverse()
    remote = fediverse.actor("https://mastodon.example/users/bob")
    async with in_process_node(settings, fediverse) as local:
        with pytest.raises(FetchError, match="does not publish"):
            await account_for_key(local.node, remote.uri + "#other-key")


async def test_refresh_picks_up_a_rotated_key(settings):
    fediverse = Fediverse()
    remote = fediverse.actor("https://mastodon.example/users/bob")
    async with in_process_node(settings, fediverse) as local:
        old_pem = (await account_for_key(local.node, remote.key_id)).public_key_pem
        remote.rotate_key()
        assert (await account_for_key(local.node, remote.key_id)).public_key_pem == old_pem
        refreshed = await account_for_key(local.node, remote.key_id, refresh=True)
        assert refreshed.public_key_pem == remote.keys[1] != old_pem
