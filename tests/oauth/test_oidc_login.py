"""Company single sign-on end to end: a Mastodon app's authorize flow through a real OpenID Connect provider.

The provider is panva's oidc-provider (tests/oidc/provider.mjs, `make peer-deps` installs it), a
separate process on loopback; the test drives its login and consent pages as a browser would.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from mastodon_shapes import check

from core.registration import create_local_account
from models.directory import WorkProfile
from models.oauth import AuthorizationCode
from server import create_app
from settings import Settings
from tests.conftest import LocalNode
from tests.nodes import free_port, wait_for

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
BASE_URL = "https://flurfunk.test"
CALLBACK = "https://app.example/callback"
CLIENT_ID = "flurfunk-node"
CLIENT_SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789"
PEOPLE = {
    "carol": {"email": "carol@corp.example", "name": "Carol"},
    "e1234": {"email": "dave@corp.example", "name": "Dave"},
    "mallory": {"email": "mallory@corp.example", "name": "Mallory"},
}


@dataclass
class Provider:
    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed; the OpenID Connect provider needs node >= 20")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"the provider's npm packages are missing; run `make peer-deps` (npm ci in {PROVIDER_DIR})")
    config = tmp_path / "provider.json"
    config.write_text(
        json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{BASE_URL}/oauth/oidc/callback"],
                "people": PEOPLE,
            }
        )
    )
    port = free_port()
    log_path = tmp_path / "provider.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["node", "provider.mjs", str(port), str(config)], cwd=PROVIDER_DIR, stdout=log, stderr=subprocess.STDOUT
        )
    found = Provider(process, f"http://127.0.0.1:{port}", log_path)

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the provider exited: {found.log()}")
        try:
            return httpx.get(f"{found.url}/.well-known/openid-configuration", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, timeout=20, what="the OpenID Connect provider")
        yield found
    finally:
        process.terminate()
        process.wait(10)


async def sso_node(
    tmp_path: Path, database_url: str, provider: Provider, **settings: object
) -> AsyncIterator[LocalNode]:
    config = Settings(
        domain="flurfunk.test",
        scheme="https",
        data_dir=tmp_path / "node",
        db_url=database_url,
        run_workers=False,
        oidc_issuer=provider.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Example Corp",
        **settings,  # type: ignore[arg-type]
    )
    app = create_app(config)
    async with app.router.lifespan_context(app):
        yield LocalNode(app, config)


@pytest.fixture
async def node(tmp_path: Path, database_url: str, provider: Provider) -> AsyncIterator[LocalNode]:
    async for made in sso_node(tmp_path, database_url, provider):
        yield made


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append((values.get("action") or "", {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"] or ""] = values.get("value") or ""


def first_form(page: str) -> tuple[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(page)
    assert parser.forms, page[:2000]
    return parser.forms[0]


def log_in_at_provider(start: str, login: str) -> str:
    """Plays the browser at the provider: its login page, then its consent page; returns our callback URL."""
    with httpx.Client(timeout=10) as browser:
        url = start
        for _ in range(12):
            response = browser.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
            else:
                assert response.status_code == 200, response.text[:2000]
                action, fields = first_form(response.text)
                if fields.get("prompt") == "login":
                    fields.update(login=login, password="any password: the provider's dev login takes it")
                response = browser.post(urljoin(url, action), data=fields)
                assert response.is_redirect, response.text[:2000]
                url = urljoin(url, response.headers["location"])
            if url.startswith(BASE_URL):
                return url
    raise AssertionError(f"the provider never sent the browser back to us (last at {url})")


async def register_app(client: httpx.AsyncClient) -> dict:
    response = await client.post(
        "/api/v1/apps", data={"client_name": "Phone app", "redirect_uris": CALLBACK, "scopes": "read write"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def sign_in_with_company(client: httpx.AsyncClient, app: dict, login: str) -> httpx.Response:
    """From the app's /oauth/authorize to our callback's answer, following the company login link."""
    page = await client.get(
        "/oauth/authorize",
        params={
            "client_id": app["client_id"],
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "read write",
            "state": "app-state-42",
        },
    )
    assert page.status_code == 200
    link = re.search(r'<a class="button sso" href="([^"]+)">Sign in with Example Corp</a>', page.text)
    assert link, page.text
    to_provider = await client.get(html.unescape(link.group(1)))
    assert to_provider.status_code == 302, to_provider.text
    callback = log_in_at_provider(to_provider.headers["location"], login)
    return await client.get(callback.removeprefix(BASE_URL))


async def test_an_app_logs_in_with_the_company_account_and_its_token_works(node: LocalNode) -> None:
    carol = await create_local_account(BASE_URL, "carol", "a local password nobody uses", email="carol@corp.example")
    async with node.client() as client:
        app = await register_app(client)
        back = await sign_in_with_company(client, app, "carol")
        assert back.status_code == 302, back.text
        redirect = urlsplit(back.headers["location"])
        assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == CALLBACK
        query = parse_qs(redirect.query)
        assert query["state"] == ["app-state-42"]
        token = await client.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "redirect_uri": CALLBACK,
            },
        )
        assert token.status_code == 200, token.text
        assert token.json()["scope"] == "read write"
        me = await client.get(
            "/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert me.status_code == 200, me.text
    check("CredentialAccount", me.json())
    assert me.json()["id"] == str(carol.id)
    assert me.json()["username"] == "carol"


async def test_the_claim_can_match_a_directory_id(node: LocalNode) -> None:
    # Dave's login at the company is his staff number, which the directory import stored as external_id.
    dave = await create_local_account(BASE_URL, "dave", "a local password nobody uses")
    await WorkProfile.create(account=dave, source="ldap", external_id="e1234")
    async with node.client() as client:
        back = await sign_in_with_company(client, await register_app(client), "e1234")
    assert back.status_code == 302, back.text
    assert "code=" in back.headers["location"]


async def test_nobody_matching_and_suspended_people_are_refused(node: LocalNode) -> None:
    carol = await create_local_account(BASE_URL, "carol", "a local password nobody uses")
    carol.suspended = True
    await carol.save()
    async with node.client() as client:
        app = await register_app(client)
        unknown = await sign_in_with_company(client, app, "mallory")
        suspended = await sign_in_with_company(client, app, "carol")
    assert unknown.status_code == 403
    assert "No account on flurfunk.test belongs to preferred_username &#39;mallory&#39;" in unknown.text
    assert suspended.status_code == 403
    assert "suspended" in suspended.text


async def test_a_callback_with_a_forged_state_or_from_another_browser_is_refused(node: LocalNode) -> None:
    carol = await create_local_account(BASE_URL, "carol", "a local password nobody uses")
    async with node.client() as client:
        app = await register_app(client)
        page = await client.get(
            "/oauth/authorize",
            params={"client_id": app["client_id"], "redirect_uri": CALLBACK, "response_type": "code"},
        )
        link = html.unescape(re.search(r'class="button sso" href="([^"]+)"', page.text).group(1))
        to_provider = await client.get(link)
        callback = log_in_at_provider(to_provider.headers["location"], "carol")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    async with node.client() as other_browser:  # has not got the cookie of the browser that started
        stolen = await other_browser.get(callback.removeprefix(BASE_URL))
        forged = await other_browser.get(
            "/oauth/oidc/callback",
            params={"code": "x", "state": state[:-4] + ("AAAA" if state[-4:] != "AAAA" else "BBBB")},
        )
    assert stolen.status_code == 403
    assert "another browser" in stolen.text
    assert forged.status_code == 403
    assert "damaged" in forged.text
    assert not await AuthorizationCode.filter(account_id=carol.id).exists()


async def test_without_local_passwords_only_the_company_login_is_offered(
    tmp_path: Path, database_url: str, provider: Provider
) -> None:
    async for node in sso_node(tmp_path, database_url, provider, local_passwords=False):
        await create_local_account(BASE_URL, "carol", "a local password nobody uses")
        async with node.client() as client:
            app = await register_app(client)
            params = {"client_id": app["client_id"], "redirect_uri": CALLBACK, "response_type": "code"}
            page = await client.get("/oauth/authorize", params=params)
            by_form = await client.post(
                "/oauth/authorize",
                data={**params, "username": "carol", "password": "a local password nobody uses"},
            )
            by_grant = await client.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "username": "carol",
                    "password": "a local password nobody uses",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "scope": "read",
                },
            )
            metadata = await client.get("/.well-known/oauth-authorization-server")
            back = await sign_in_with_company(client, app, "carol")
        assert "Sign in with Example Corp" in page.text
        assert 'type="password"' not in page.text
        assert by_form.status_code == 403
        assert "Passwords are switched off" in by_form.text
        assert by_grant.status_code == 400
        assert by_grant.json()["error"] == "unsupported_grant_type"
        assert "Passwords are switched off" in by_grant.json()["error_description"]
        assert "password" not in metadata.json()["grant_types_supported"]
        assert back.status_code == 302 and "code=" in back.headers["location"]
