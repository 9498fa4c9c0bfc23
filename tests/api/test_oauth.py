"""OAuth 2 as Mastodon apps use it: registering, the login page, the four grants, PKCE, revocation, throttling."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mastodon import Mastodon
from mastodon_shapes import check

from api.auth import has_scope
from core.registration import create_local_account
from models.base import utcnow
from models.oauth import AccessToken, AuthorizationCode
from oauth.tokens import cli_application, issue_token
from server import create_app
from settings import Settings
from tests.conftest import LocalNode
from tests.nodes import NodeProcess, wait_for

PASSWORD = "correct horse battery"
CALLBACK = "https://app.example/callback"


class _Forms(HTMLParser):
    """The fields of each <form> on a page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][values["name"] or ""] = values.get("value") or ""


def login_form(html: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms[0]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


# ---- in-process node -----------------------------------------------------------------------


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[LocalNode]:
    """Like local_node, with a short failed-login delay so the slow-down can be waited out."""
    settings = Settings(
        domain="flurfunk.test", scheme="https", data_dir=tmp_path / "n", run_workers=False, login_delay_seconds=1.0
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield LocalNode(app, settings)


async def register(client: httpx.AsyncClient, redirect_uris: str = CALLBACK, scopes: str = "read write follow") -> dict:
    response = await client.post(
        "/api/v1/apps", data={"client_name": "Test app", "redirect_uris": redirect_uris, "scopes": scopes}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def authorize(
    client: httpx.AsyncClient, app: dict, username: str, password: str = PASSWORD, **query
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": app["redirect_uris"][0],
        "scope": "read",
        **query,
    }
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    form = login_form(page.text)
    form.update(username=username, password=password, decision="approve")
    return await client.post("/oauth/authorize", data=form)


def code_from(response: httpx.Response) -> str:
    assert response.status_code in (302, 303), response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


async def test_registering_an_app_returns_its_credentials_in_mastodons_shape(node):
    async with node.client() as client:
        form = await register(
            client, redirect_uris=f"{CALLBACK}\nurn:ietf:wg:oauth:2.0:oob", scopes="read write:statuses"
        )
        as_json = await client.post(
            "/api/v1/apps/",
            json={
                "client_name": "JSON app",
                "redirect_uris": ["com.example.app:/cb", CALLBACK],
                "website": "https://a.example",
            },
        )
    check("CredentialApplication", form)
    assert form["redirect_uris"] == [CALLBACK, "urn:ietf:wg:oauth:2.0:oob"]
    assert form["redirect_uri"] == f"{CALLBACK}\nurn:ietf:wg:oauth:2.0:oob"
    assert form["scopes"] == ["read", "write:statuses"]
    assert as_json.status_code == 200
    check("CredentialApplication", as_json.json())
    assert as_json.json()["scopes"] == ["read"]  # Mastodon's default
    assert as_json.json()["redirect_uris"] == ["com.example.app:/cb", CALLBACK]
    assert as_json.json()["website"] == "https://a.example"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"redirect_uris": CALLBACK}, "name"),
        ({"client_name": "x"}, "Redirect URI"),
        ({"client_name": "x", "redirect_uris": "/relative/callback"}, "absolute"),
        ({"client_name": "x", "redirect_uris": "https://app.example/cb#frag"}, "fragment"),
        ({"client_name": "x", "redirect_uris": "javascript:alert(1)"}, "forbidden"),
        ({"client_name": "x", "redirect_uris": CALLBACK, "scopes": "read launch:missiles"}, "Scopes"),
    ],
)
async def test_registering_an_app_with_bad_input_is_unprocessable(node, data, message):
    async with node.client() as client:
        response = await client.post("/api/v1/apps", data=data)
    assert response.status_code == 422
    assert message in response.json()["error"]


async def test_the_login_page_shows_the_app_and_its_scopes_and_needs_no_javascript(node):
    async with node.client() as client:
        app = await register(client)
        page = await client.get(
            "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": app["client_id"],
                "redirect_uri": CALLBACK,
                "scope": "read write",
            },
        )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert "Test app" in page.text and "(read)" in page.text and "(write)" in page.text
    assert "<script" not in page.text
    form = login_form(page.text)
    assert {"username", "password", "client_id", "redirect_uri", "scope"} <= set(form)
    assert form["scope"] == "read write"


async def test_authorization_code_flow_issues_a_token_with_the_approved_scopes(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client)
        redirect = await authorize(client, app, "alice", scope="read write", state="xyz 1")
        query = parse_qs(urlsplit(redirect.headers["location"]).query)
        assert redirect.headers["location"].startswith(CALLBACK + "?")
        assert query["state"] == ["xyz 1"]
        grant = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": CALLBACK,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
        token = await client.post("/oauth/token", data=grant)
        again = await client.post("/oauth/token", data=grant)
        creds = await client.get(
            "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
    assert token.status_code == 200, token.text
    check("Token", token.json())
    assert token.json()["token_type"] == "Bearer"
    assert token.json()["scope"] == "read write"
    assert isinstance(token.json()["created_at"], int)
    assert token.headers["cache-control"] == "no-store"
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # codes work once
    check("Application", creds.json())
    assert creds.json()["name"] == "Test app" and "client_secret" not in creds.json()


async def test_login_by_email_works_too(node):
    await node.user("carol", email="carol@corp.example")
    async with node.client() as client:
        app = await register(client)
        assert code_from(await authorize(client, app, "Carol@corp.example"))


async def test_an_unknown_client_or_a_foreign_redirect_uri_gets_an_error_page_not_a_redirect(node):
    async with node.client() as client:
        app = await register(client)
        base = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": CALLBACK}
        unknown = await client.get("/oauth/authorize", params={**base, "client_id": "nope"})
        foreign = await client.get("/oauth/authorize", params={**base, "redirect_uri": "https://evil.example/cb"})
        foreign_post = await client.post(
            "/oauth/authorize",
            data={**base, "redirect_uri": "https://evil.example/cb", "username": "a", "password": "b"},
        )
    for response in (unknown, foreign, foreign_post):
        assert response.status_code == 400
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
    assert "unknown" in unknown.text


async def test_scopes_beyond_the_apps_or_plain_pkce_go_back_to_the_app_as_errors(node):
    async with node.client() as client:
        app = await register(client, scopes="read")
        base = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": CALLBACK, "state": "s"}
        too_much = await client.get("/oauth/authorize", params={**base, "scope": "read write"})
        plain = await client.get("/oauth/authorize", params={**base, "code_challenge": "abc"})
        implicit = await client.get("/oauth/authorize", params={**base, "response_type": "token"})
        granular = await client.get("/oauth/authorize", params={**base, "scope": "read:statuses"})
    too_much_query = parse_qs(urlsplit(too_much.headers["location"]).query)
    assert too_much.headers["location"].startswith(CALLBACK + "?")
    assert too_much_query["error"] == ["invalid_scope"] and too_much_query["state"] == ["s"]
    assert parse_qs(urlsplit(plain.headers["location"]).query)["error"] == ["invalid_request"]
    assert parse_qs(urlsplit(implicit.headers["location"]).query)["error"] == ["unsupported_response_type"]
    assert granular.status_code == 200  # a granular part of a registered scope may be asked for


async def test_a_wrong_password_shows_the_page_again_and_issues_no_code(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client)
        response = await authorize(client, app, "alice", password="wrong password")
        nobody = await authorize(client, app, "nobody", password="wrong password")
    assert response.status_code == 401
    assert "Invalid" in response.text and 'value="alice"' in response.text
    assert nobody.status_code == 401
    assert await AuthorizationCode.all().count() == 0


async def test_repeated_failed_logins_are_slowed_down_until_the_delay_passes(node):
    alice, _ = await node.user("alice")
    async with node.client() as client:
        app = await register(client)
        for _ in range(5):
            assert (await authorize(client, app, "alice", password="guess")).status_code == 401
        locked = await authorize(client, app, "alice")  # even the right password waits
        grant = {
            "grant_type": "password",
            "username": "alice",
            "password": PASSWORD,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
        locked_token = await client.post("/oauth/token", data=grant)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) >= 1
        assert "Too many failed logins" in locked.text
        assert locked_token.status_code == 429 and "retry-after" in locked_token.headers

        async def unlocked() -> httpx.Response | None:
            response = await client.post("/oauth/token", data=grant)
            return response if response.status_code == 200 else None

        deadline = utcnow() + timedelta(seconds=10)
        while (response := await unlocked()) is None:
            assert utcnow() < deadline, "the login stayed locked"
    assert response.json()["access_token"]
    await alice.fetch_related("user")
    assert alice.user.failed_logins == 0  # a success forgives earlier misses


async def test_pkce_s256_binds_the_code_to_the_verifier(node):
    await node.user("alice")
    verifier, challenge = pkce_pair()
    async with node.client() as client:
        app = await register(client)
        code = code_from(await authorize(client, app, "alice", code_challenge=challenge, code_challenge_method="S256"))
        grant = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": app["client_id"],
        }
        missing = await client.post("/oauth/token", data=grant)
        wrong = await client.post("/oauth/token", data={**grant, "code_verifier": pkce_pair()[0]})
        right = await client.post("/oauth/token", json={**grant, "code_verifier": verifier})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert right.status_code == 200, right.text
    check("Token", right.json())


async def test_codes_expire_after_ten_minutes_and_need_their_redirect_uri(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client, redirect_uris=f"{CALLBACK} https://app.example/other")
        grant = {
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
        old = code_from(await authorize(client, app, "alice"))
        await AuthorizationCode.filter(code=old).update(created_at=utcnow() - timedelta(minutes=11))
        expired = await client.post("/oauth/token", data={**grant, "code": old, "redirect_uri": CALLBACK})
        fresh = code_from(await authorize(client, app, "alice"))
        other_uri = await client.post(
            "/oauth/token", data={**grant, "code": fresh, "redirect_uri": "https://app.example/other"}
        )
        wrong_secret = await client.post(
            "/oauth/token", data={**grant, "code": fresh, "redirect_uri": CALLBACK, "client_secret": "nope"}
        )
        ok = await client.post("/oauth/token", data={**grant, "code": fresh, "redirect_uri": CALLBACK})
    assert expired.json()["error"] == "invalid_grant"
    assert other_uri.json()["error"] == "invalid_grant"
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert ok.status_code == 200


async def test_the_out_of_band_uri_shows_the_code_on_a_page(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client, redirect_uris="urn:ietf:wg:oauth:2.0:oob")
        page = await authorize(client, app, "alice")
        code = (await AuthorizationCode.get()).code
    assert page.status_code == 200
    assert f'<code class="big" id="code">{code}</code>' in page.text


async def test_client_credentials_give_an_app_token_that_acts_for_nobody(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client)
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "read"},
            auth=(app["client_id"], app["client_secret"]),  # client_secret_basic
        )
        token = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        app_creds = await client.get("/api/v1/apps/verify_credentials", headers=headers)
        prefs = await client.get("/api/v1/preferences", headers=headers)
        too_much = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "admin:write", **_secret(app)}
        )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert (await AccessToken.get(token=token)).account_id is None
    assert app_creds.status_code == 200
    assert prefs.status_code == 422  # needs a user
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"


def _secret(app: dict) -> dict[str, str]:
    return {"client_id": app["client_id"], "client_secret": app["client_secret"]}


async def test_bad_clients_and_grant_types_get_oauth_errors(node):
    async with node.client() as client:
        app = await register(client)
        unknown = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        )
        no_secret = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"]}
        )
        grant = await client.post("/oauth/token", data={"grant_type": "implicit", **_secret(app)})
        bad_code = await client.post(
            "/oauth/token", data={"grant_type": "authorization_code", "code": "nope", **_secret(app)}
        )
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    assert no_secret.status_code == 401
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    assert bad_code.status_code == 400 and bad_code.json()["error"] == "invalid_grant"
    assert bad_code.json()["error_description"]


async def test_a_token_without_the_needed_scope_is_forbidden(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client, scopes="read write")
        tokens = {}
        for scope in ("write", "read:accounts"):
            response = await client.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "username": "alice",
                    "password": PASSWORD,
                    "scope": scope,
                    **_secret(app),
                },
            )
            tokens[scope] = response.json()["access_token"]
        write_only = await client.get("/api/v1/preferences", headers={"Authorization": f"Bearer {tokens['write']}"})
        granular = await client.get(
            "/api/v1/preferences", headers={"Authorization": f"Bearer {tokens['read:accounts']}"}
        )
    assert write_only.status_code == 403
    assert write_only.json()["error"] == "This action is outside the authorized scopes"
    assert granular.status_code == 200


async def test_refresh_tokens_rotate_and_revoked_tokens_stop_working(node):
    await node.user("alice")
    async with node.client() as client:
        app = await register(client)
        first = (
            await client.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "username": "alice",
                    "password": PASSWORD,
                    "scope": "read",
                    **_secret(app),
                },
            )
        ).json()
        refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **_secret(app)}
        second = (await client.post("/oauth/token", data=refresh)).json()
        reused = await client.post("/oauth/token", data=refresh)
        old_use = await client.get("/api/v1/preferences", headers={"Authorization": f"Bearer {first['access_token']}"})
        new_use = await client.get("/api/v1/preferences", headers={"Authorization": f"Bearer {second['access_token']}"})

        other = await register(client)
        foreign = await client.post("/oauth/revoke", data={"token": second["access_token"], **_secret(other)})
        unknown = await client.post("/oauth/revoke", data={"token": "never-issued", **_secret(app)})
        revoked = await client.post("/oauth/revoke", data={"token": second["access_token"], **_secret(app)})
        after = await client.get("/api/v1/preferences", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert second["access_token"] != first["access_token"] and second["scope"] == "read"
    assert reused.status_code == 400
    assert old_use.status_code == 401 and new_use.status_code == 200
    assert foreign.status_code == 403
    assert unknown.status_code == 200 and unknown.json() == {}
    assert revoked.status_code == 200 and revoked.json() == {}
    assert after.status_code == 401


async def test_the_authorization_server_metadata_matches_mastodon(node):
    async with node.client() as client:
        meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert meta["issuer"] == "https://flurfunk.test/"
    assert meta["authorization_endpoint"] == "https://flurfunk.test/oauth/authorize"
    assert meta["token_endpoint"] == "https://flurfunk.test/oauth/token"
    assert meta["revocation_endpoint"] == "https://flurfunk.test/oauth/revoke"
    assert meta["app_registration_endpoint"] == "https://flurfunk.test/api/v1/apps"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "password",
        "client_credentials",
        "refresh_token",
    }
    assert {"read", "write:statuses", "admin:read:accounts", "profile"} <= set(meta["scopes_supported"])
    assert "client_secret_basic" in meta["token_endpoint_auth_methods_supported"]


async def test_userinfo_tells_an_app_with_the_profile_scope_who_logged_in(node):
    alice = await create_local_account(node.settings.base_url, "alice", PASSWORD, display_name="Alice Adams")
    profile_only = (await issue_token(alice, await cli_application(), "profile")).token
    async with node.client() as client:
        meta = (await client.get("/.well-known/oauth-authorization-server")).json()
        assert meta["userinfo_endpoint"] == "https://flurfunk.test/oauth/userinfo"
        headers = {"Authorization": f"Bearer {profile_only}", "Origin": "https://elk.example"}
        answer = await client.get("/oauth/userinfo", headers=headers)
        posted = await client.post("/oauth/userinfo", headers=headers)
        actor = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
        # The profile scope reads nothing else.
        timeline = await client.get("/api/v1/timelines/home", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "*"
    claims = answer.json()
    assert claims == posted.json()
    assert claims["iss"] == meta["issuer"] == "https://flurfunk.test/"
    assert claims["sub"] == actor.json()["id"] == alice.uri
    assert claims["name"] == "Alice Adams"
    assert claims["preferred_username"] == "alice"
    assert claims["profile"] == alice.url
    assert claims["picture"].startswith("https://flurfunk.test/")
    assert timeline.status_code == 403


async def test_userinfo_refuses_tokens_without_the_profile_scope_and_no_token(node):
    _, token = await node.user("bob")  # read write follow push
    async with node.client() as client:
        without_profile = await client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
        anonymous = await client.get("/oauth/userinfo")
        revoked = await client.get("/oauth/userinfo", headers={"Authorization": "Bearer not-a-token"})
    assert without_profile.status_code == 403
    assert without_profile.json() == {"error": "This action is outside the authorized scopes"}
    assert anonymous.status_code == 401 and revoked.status_code == 401
    assert anonymous.json() == {"error": "The access token is invalid"}


def test_scope_hierarchy():
    assert has_scope(frozenset({"read"}), "read:statuses")
    assert has_scope(frozenset({"admin:read"}), "admin:read:accounts")
    assert has_scope(frozenset({"follow"}), "write:blocks")
    assert not has_scope(frozenset({"write"}), "read:accounts")
    assert not has_scope(frozenset({"admin:read"}), "admin:write:accounts")
    assert not has_scope(frozenset({"read:statuses"}), "read")


# ---- a real node and Mastodon.py ----------------------------------------------------------


@pytest.fixture(scope="module")
def real_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    # The slow-down after five wrong passwords must still be on when the test looks: 5 s leaves
    # room for a loaded machine (argon2 runs for each guess) without making the wait long.
    node = NodeProcess(tmp_path_factory.mktemp("oauth-node"), extra_env={"FEDI_LOGIN_DELAY": "5"}).start()
    node.cli("user", "add", "alice", "--password", PASSWORD, "--email", "alice@corp.example", "--admin")
    yield node
    node.stop()


def browser_login(node: NodeProcess, url: str, username: str = "alice") -> str:
    """What a person does in the browser: open the page, fill in the form; returns the redirect's Location."""
    with httpx.Client(timeout=15) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        form = login_form(page.text)
        form.update(username=username, password=PASSWORD, decision="approve")
        response = browser.post(f"{node.url}/oauth/authorize", data=form)
    assert response.status_code in (302, 303), response.text
    return response.headers["location"]


def test_mastodon_py_logs_in_with_the_authorization_code_flow(real_node):
    client_id, client_secret = Mastodon.create_app(
        "Flurfunk test", scopes=["read", "write"], redirect_uris=CALLBACK, api_base_url=real_node.url
    )
    api = Mastodon(client_id, client_secret, api_base_url=real_node.url, version_check_mode="created")
    assert api.verify_minimum_version("4.3.0")
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=["read", "write"], state="st4te", allow_http=True)
    location = browser_login(real_node, url)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(CALLBACK) and query["state"] == ["st4te"]

    token = api.log_in(code=query["code"][0], redirect_uri=CALLBACK, scopes=["read", "write"], allow_http=True)
    assert token
    assert api.app_verify_credentials()["name"] == "Flurfunk test"
    with real_node.client(token) as client:
        creds = client.get("/api/v1/apps/verify_credentials").json()
        prefs = client.get("/api/v1/preferences")
    check("Application", creds)
    assert prefs.status_code == 200
    assert api.instance()["version"].startswith("4.3.0")


def test_mastodon_py_password_grant_refresh_and_revoke(real_node):
    client_id, client_secret = Mastodon.create_app(
        "toot-like", scopes=["read", "write", "follow", "push"], api_base_url=real_node.url
    )
    api = Mastodon(client_id, client_secret, api_base_url=real_node.url, version_check_mode="created")
    first = api.log_in("alice@corp.example", PASSWORD, allow_http=True)
    assert api.preferences()["posting:default:visibility"] == "public"
    refresh_token = api._refresh_token  # Mastodon.py keeps it, without a public accessor
    assert refresh_token
    refreshed = api.log_in(refresh_token=refresh_token, allow_http=True)
    assert refreshed != first
    with real_node.client(first) as client:
        assert client.get("/api/v1/preferences").status_code == 401  # rotated away
    api.revoke_access_token(allow_http=True)
    with real_node.client(refreshed) as client:
        assert client.get("/api/v1/apps/verify_credentials").status_code == 401


def test_a_custom_scheme_redirect_uri_receives_the_code(real_node):
    native = "com.example.flurfunk:/oauth-callback"
    client_id, client_secret = Mastodon.create_app("Native app", redirect_uris=native, api_base_url=real_node.url)
    api = Mastodon(client_id, client_secret, api_base_url=real_node.url, version_check_mode="created")
    location = browser_login(real_node, api.auth_request_url(redirect_uris=native, scopes=["read"], allow_http=True))
    assert location.startswith(native + "?code=")
    code = parse_qs(urlsplit(location).query)["code"][0]
    token = api.log_in(code=code, redirect_uri=native, scopes=["read"], allow_http=True)
    with real_node.client(token) as client:
        assert client.get("/api/v1/apps/verify_credentials").json()["redirect_uris"] == [native]


def test_mastodon_py_sees_wrong_passwords_and_the_slow_down(real_node):
    real_node.cli("user", "add", "mallory", "--password", PASSWORD)
    client_id, client_secret = Mastodon.create_app("guesser", api_base_url=real_node.url)
    api = Mastodon(client_id, client_secret, api_base_url=real_node.url, version_check_mode="none")
    for _ in range(5):
        with pytest.raises(Exception, match="Invalid user name"):
            api.log_in("mallory", "not the password", scopes=["read"], allow_http=True)
    grant = {
        "grant_type": "password",
        "username": "mallory",
        "password": PASSWORD,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    with real_node.client() as client:
        assert client.post("/oauth/token", data=grant).status_code == 429
        assert wait_for(lambda: client.post("/oauth/token", data=grant).status_code == 200, timeout=20, what="unlock")
