"""Mastodon.py, a real client, against two real nodes: it logs in, posts, replies, follows local and
remote people, reads and pages timelines with the Link header, gets notifications and resolves
people on the other node — and each node sees the other's posts in its home timeline.

(Mastodon.py parses what it receives into Python objects; the raw JSON shapes are checked against
the OpenAPI description in the other API tests.)"""

from __future__ import annotations

from mastodon import Mastodon

from tests.nodes import NodeProcess, wait_for

PASSWORD = "correct horse battery"


def logged_in(node: NodeProcess, name: str) -> Mastodon:
    """A Mastodon.py client that registered an app and logged in with the password grant, as toot does."""
    node.cli("user", "add", name, "--password", PASSWORD, "--email", f"{name}@example.com")
    client_id, client_secret = Mastodon.create_app(
        "Flurfunk tests", api_base_url=node.url, scopes=["read", "write", "follow"]
    )
    api = Mastodon(
        client_id=client_id, client_secret=client_secret, api_base_url=node.url, version_check_mode="created"
    )
    # allow_http: the nodes run on loopback over plain http (FEDI_SCHEME=http).
    api.log_in(username=name, password=PASSWORD, scopes=["read", "write", "follow"], allow_http=True)
    return api


def test_mastodon_py_on_two_nodes(start_node):
    eng, sales = start_node(), start_node()
    alice, carol = logged_in(eng, "alice"), logged_in(eng, "carol")
    bob = logged_in(sales, "bob")

    assert alice.account_verify_credentials()["username"] == "alice"

    # A local follow, and a remote one through search with resolve (WebFinger on the other node).
    carol_on_eng = alice.account_lookup("carol")
    assert alice.account_follow(carol_on_eng["id"])["following"] is True
    found = alice.search_v2(f"bob@{sales.domain}", resolve=True, result_type="accounts")["accounts"]
    assert [a["acct"] for a in found] == [f"bob@{sales.domain}"]
    alice.account_follow(found[0]["id"])
    wait_for(lambda: alice.account_relationships(found[0]["id"])[0]["following"], what="alice following bob")
    alice_on_sales = bob.search_v2(f"alice@{eng.domain}", resolve=True, result_type="accounts")["accounts"][0]
    bob.account_follow(alice_on_sales["id"])
    wait_for(lambda: bob.account_relationships(alice_on_sales["id"])[0]["following"], what="bob following alice")

    # Posts cross in both directions and land in home timelines.
    from_bob = bob.status_post("Numbers are in")
    seen_by_alice = wait_for(
        lambda: next((s for s in alice.timeline_home() if s["uri"] == from_bob["uri"]), None), what="bob's post"
    )
    reply = alice.status_post(f"@bob@{sales.domain} great!", in_reply_to_id=seen_by_alice["id"])
    mention = wait_for(
        lambda: next((n for n in bob.notifications(types=["mention"]) if n["status"]["uri"] == reply["uri"]), None),
        what="bob's mention notification",
    )
    assert mention["account"]["acct"] == f"alice@{eng.domain}"
    assert wait_for(lambda: any(s["uri"] == reply["uri"] for s in bob.timeline_home()), what="alice's reply on sales")
    carol.status_post("Lunch at noon")
    follow_note = next(n for n in carol.notifications() if n["type"] == "follow")
    assert follow_note["account"]["acct"] == "alice"

    # Paging the home timeline with the Link header, as Mastodon.py's fetch_next does.
    for n in range(5):
        alice.status_post(f"note {n}")
    first = alice.timeline_home(limit=3)
    seen = [s["id"] for s in first]
    page = first
    while (page := alice.fetch_next(page)) is not None and page:
        seen += [s["id"] for s in page]
    assert len(seen) == len(set(seen)) >= 8
    assert seen == sorted(seen, key=int, reverse=True)
    newer = alice.fetch_previous(alice.timeline_home(limit=3, max_id=first[-1]["id"]))
    assert [s["id"] for s in newer] == [s["id"] for s in first]

    # The public timeline of each node shows the other's public posts it knows of.
    assert any(s["uri"] == from_bob["uri"] for s in alice.timeline_public(remote=True))
