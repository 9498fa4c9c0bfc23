"""The directory exchange: each node's collection of its people, and pulling the peers' collections."""

from __future__ import annotations

import json

import httpx

from directory import exchange
from directory.exchange import PageQuery, collection_page, pull_peer
from models.accounts import Account
from models.directory import DirectoryEntry, DirectoryPeer
from node import Node
from tests.directory.peers import handles, people, pull, start_peers

PEER = "peer.example"
STRANGER_SIGNATURE = (
    'keyId="https://stranger.example/actor#main-key",algorithm="rsa-sha256",'
    'headers="(request-target) host date",signature="c2lnbmVk"'
)


# ---- publishing, in-process -------------------------------------------------------------------


async def test_collection_pages_every_person_once_oldest_change_first_and_since_keeps_the_newer(
    local_node, monkeypatch
):
    monkeypatch.setattr(exchange, "PAGE_SIZE", 2)
    base = local_node.settings.base_url
    names = ["ann", "ben", "cat", "dan", "eve"]
    for name in names:
        await local_node.user(name)
    await Account.filter(username="dan").update(discoverable=False)
    dan = await Account.get(username="dan")
    from directory.entries import sync_account

    await sync_account(dan, local_node.settings.domain)

    seen, query, after = [], PageQuery(), None
    while True:
        page = await collection_page(base, PageQuery(query.since, after))
        seen += page["orderedItems"]
        if "next" not in page:
            break
        after = PageQuery.parse(dict(httpx.URL(page["next"]).params)).after
    assert [i["preferredUsername"] for i in seen] == ["ann", "ben", "cat", "eve", "dan"]
    tombstone = seen[-1]
    assert tombstone["withdrawn"] is True and "department" not in tombstone and "name" not in tombstone
    assert all(i["inbox"].startswith(base) for i in seen[:-1])

    since = PageQuery.parse({"since": seen[3]["updated"]})
    newer = await collection_page(base, since)
    assert [i["preferredUsername"] for i in newer["orderedItems"]] == ["eve", "dan"]


async def test_the_collection_needs_a_signature_from_a_peer(local_node):
    async with local_node.client() as client:
        unsigned = await client.get("/directory")
        stranger = await client.get("/directory", headers={"Signature": STRANGER_SIGNATURE})
        nodeinfo = (await client.get("/nodeinfo/2.0")).json()
    assert unsigned.status_code == 401
    assert stranger.status_code == 403
    assert nodeinfo["metadata"]["flurfunk"]["directory"] == "https://flurfunk.test/directory"


# ---- pulling, in-process against a scripted peer ----------------------------------------------


def scripted_peer(pages: dict[str, dict]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/directory":
            assert "signature" in request.headers
            key = request.url.params.get("after") or "first"
            return httpx.Response(200, json=pages[key], headers={"Content-Type": "application/activity+json"})
        return httpx.Response(404)

    return httpx.MockTransport(answer)


def person(name: str, updated: str, **extra) -> dict:
    uri = f"https://{PEER}/users/{name}"
    return {
        "id": uri,
        "type": "Person",
        "preferredUsername": name,
        "name": name.title(),
        "inbox": f"{uri}/inbox",
        "updated": updated,
        "withdrawn": False,
        **extra,
    }


async def test_a_pull_upserts_the_peers_people_follows_next_and_skips_anyone_on_another_host(local_node):
    from dataclasses import replace

    settings = replace(local_node.settings, directory_peers=frozenset({PEER}))
    first = {
        "id": f"https://{PEER}/directory?page=true",
        "type": "OrderedCollectionPage",
        "orderedItems": [
            person("zoe", "2026-01-01T10:00:00.000001Z", department="Legal", skills=["GDPR"]),
            person("mallory", "2026-01-01T10:00:01Z", id="https://elsewhere.example/users/mallory"),
        ],
        "next": f"https://{PEER}/directory?page=true&after=x",
    }
    second = {
        "id": f"https://{PEER}/directory?page=true&after=x",
        "type": "OrderedCollectionPage",
        "orderedItems": [person("yan", "2026-01-01T11:00:00Z", jobTitle="Paralegal")],
    }
    node = Node.create(settings, scripted_peer({"first": first, "x": second}))
    try:
        result = await pull_peer(node, PEER)
        assert (result.added, result.skipped, result.error) == (2, 1, ""), result
        zoe = await DirectoryEntry.get(actor_uri=f"https://{PEER}/users/zoe").prefetch_related("account")
        assert (zoe.node, zoe.handle, zoe.department, zoe.skills) == (PEER, f"zoe@{PEER}", "Legal", ["GDPR"])
        assert zoe.account.inbox_url == f"https://{PEER}/users/zoe/inbox"  # type: ignore[attr-defined]
        assert not await Account.exists(username="mallory")
        state = await DirectoryPeer.get(domain=PEER)
        assert state.pulled_up_to.isoformat() == "2026-01-01T11:00:00+00:00"

        # Next time the peer says zoe left.
        first["orderedItems"] = [
            {"id": f"https://{PEER}/users/zoe", "updated": "2026-01-02T00:00:00Z", "withdrawn": True}
        ]
        del first["next"]
        again = await pull_peer(node, PEER)
    finally:
        await node.close()
    assert (again.withdrawn, again.added) == (1, 0)
    zoe = await DirectoryEntry.get(actor_uri=f"https://{PEER}/users/zoe")
    assert zoe.withdrawn and zoe.department == ""


async def test_a_failed_pull_says_what_to_do(local_node):
    from dataclasses import replace

    settings = replace(local_node.settings, directory_peers=frozenset({PEER}))
    refusing = httpx.MockTransport(lambda request: httpx.Response(403, json={"error": "no"}))
    node = Node.create(settings, refusing)
    try:
        result = await pull_peer(node, PEER)
    finally:
        await node.close()
    assert "403" in result.error
    assert "add flurfunk.test to FEDI_DIRECTORY_PEERS" in result.hint
    assert (await DirectoryPeer.get(domain=PEER)).last_error == result.error


# ---- two real nodes ---------------------------------------------------------------------------


def test_two_nodes_exchange_their_directories_incrementally(start_node):
    eng, sales = start_peers(start_node, 2)
    alice_token = eng.add_user("alice")
    eng.add_user("bob")
    eng.cli("user", "set", "alice", "--department", "Research", "--skills", "Kubernetes;Go", "--location", "Wien")
    carol_token = sales.add_user("carol")

    first = pull(sales)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{eng.domain}: 2 added, 0 updated, 0 withdrawn" in first.stdout
    found = people(sales, carol_token, q="kubernetes")
    assert handles(found) == {f"alice@{eng.domain}"}
    assert found[0]["flurfunk"] == {
        "department": "Research",
        "title": "",
        "location": "Wien",
        "skills": ["Kubernetes", "Go"],
        "node": eng.domain,
    }

    # Only what changed comes again (and what changed within the overlap minute, unchanged).
    eng.cli("user", "set", "alice", "--title", "Architect")
    second = pull(sales)
    assert f"{eng.domain}: 0 added, 1 updated, 0 withdrawn" in second.stdout
    assert people(sales, carol_token, q="architect")[0]["acct"] == f"alice@{eng.domain}"

    back = pull(eng)
    assert f"{sales.domain}: 1 added" in back.stdout

    # alice opts out of being found: she disappears from the other node at the next pull.
    with eng.client(alice_token) as client:
        assert client.patch("/api/v1/accounts/update_credentials", json={"discoverable": False}).status_code == 200
    third = pull(sales)
    assert f"{eng.domain}: 0 added, 0 updated, 1 withdrawn" in third.stdout
    assert people(sales, carol_token, q="alice") == []
    assert people(sales, carol_token, q="kubernetes") == []


def test_a_node_that_is_not_a_peer_is_refused_and_told_why(start_node):
    (guarded,) = start_peers(start_node, 1)  # its only peer is a node that does not exist
    outsider = start_node(FEDI_DIRECTORY_PEERS=guarded.domain)
    assert httpx.get(f"{guarded.url}/directory").status_code == 401

    done = pull(outsider)
    assert done.returncode == 1
    assert "answered 403" in done.stdout
    assert f"add {outsider.domain} to FEDI_DIRECTORY_PEERS" in done.stdout
    body = json.loads(httpx.get(f"{guarded.url}/directory").text)
    assert "signed" in body["error"]
