"""Discovery: WebFinger, host-meta and NodeInfo answer as Mastodon's peers expect."""

from __future__ import annotations


async def test_webfinger_finds_a_local_account_by_acct_and_by_actor_url(local_node):
    await local_node.user("alice")
    async with local_node.client() as client:
        by_acct = await client.get("/.well-known/webfinger", params={"resource": "acct:alice@flurfunk.test"})
        by_url = await client.get("/.well-known/webfinger", params={"resource": "https://flurfunk.test/users/alice"})
    assert by_acct.status_code == 200
    assert by_acct.headers["content-type"].startswith("application/jrd+json")
    jrd = by_acct.json()
    assert jrd["subject"] == "acct:alice@flurfunk.test"
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": "https://flurfunk.test/users/alice",
    }
    assert any(link["rel"] == "http://webfinger.net/rel/profile-page" for link in jrd["links"])
    assert by_url.json()["subject"] == "acct:alice@flurfunk.test"


async def test_webfinger_says_404_for_strangers_and_400_for_nonsense(local_node):
    async with local_node.client() as client:
        unknown = await client.get("/.well-known/webfinger", params={"resource": "acct:nobody@flurfunk.test"})
        elsewhere = await client.get("/.well-known/webfinger", params={"resource": "acct:alice@other.test"})
        malformed = await client.get("/.well-known/webfinger", params={"resource": "alice"})
        missing = await client.get("/.well-known/webfinger")
    assert unknown.status_code == 404
    assert elsewhere.status_code == 404
    assert malformed.status_code == 400
    assert missing.status_code == 400
    assert "error" in malformed.json()


async def test_webfinger_handles_domains_with_a_port(tmp_path):
    from server import create_app
    from settings import Settings
    from tests.conftest import LocalNode

    settings = Settings(domain="127.0.0.1:8123", scheme="http", data_dir=tmp_path, run_workers=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        node = LocalNode(app, settings)
        await node.user("bob")
        async with node.client() as client:
            response = await client.get("/.well-known/webfinger", params={"resource": "acct:bob@127.0.0.1:8123"})
    assert response.status_code == 200
    assert response.json()["links"][-3]["href"] == "http://127.0.0.1:8123/users/bob"


async def test_host_meta_in_xml_and_json(local_node):
    async with local_node.client() as client:
        xml = await client.get("/.well-known/host-meta")
        as_json = await client.get("/.well-known/host-meta", headers={"Accept": "application/json"})
    assert xml.headers["content-type"].startswith("application/xrd+xml")
    assert 'template="https://flurfunk.test/.well-known/webfinger?resource={uri}"' in xml.text
    assert as_json.json()["links"][0]["rel"] == "lrdd"


async def test_nodeinfo_counts_real_users_and_posts(local_node):
    await local_node.user("alice")
    await local_node.user("bob")
    async with local_node.client() as client:
        links = (await client.get("/.well-known/nodeinfo")).json()["links"]
        assert [link["href"] for link in links] == [
            "https://flurfunk.test/nodeinfo/2.0",
            "https://flurfunk.test/nodeinfo/2.1",
        ]
        for version in ("2.0", "2.1"):
            info = (await client.get(f"/nodeinfo/{version}")).json()
            assert info["version"] == version
            assert info["software"]["name"] == "flurfunk"
            assert info["protocols"] == ["activitypub"]
            assert info["usage"]["users"]["total"] == 2
