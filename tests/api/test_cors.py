"""CORS for browser clients (Elk, Phanpy): preflights answered, responses readable from any origin."""

from __future__ import annotations


async def test_a_preflight_from_a_web_client_is_allowed(local_node):
    async with local_node.client() as client:
        response = await client.options(
            "/api/v1/timelines/home",
            headers={
                "Origin": "https://elk.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_a_web_client_may_read_the_response_and_its_link_header(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.get("/api/v1/timelines/home", headers={"Origin": "https://elk.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Link" in response.headers["access-control-expose-headers"]
    assert response.headers["vary"] == "Origin"


async def test_a_response_without_origin_varies_on_origin_and_keeps_its_own_vary(local_node):
    account, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        api = await client.get("/api/v1/timelines/home")
        actor = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert api.status_code == 200 and "access-control-allow-origin" not in api.headers
    assert api.headers.get_list("vary") == ["Origin"]
    assert actor.status_code == 200
    assert [v.strip() for v in actor.headers["vary"].split(",")] == ["Accept", "Signature", "Origin"]
