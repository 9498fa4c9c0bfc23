"""What the server says about itself: /api/v1 and /api/v2/instance, peers, activity, rules, emojis, preferences."""

from __future__ import annotations

from datetime import timedelta

from mastodon import Mastodon
from mastodon_shapes import check

from api.instance import week_start
from models.accounts import Account, User
from models.base import utcnow
from models.oauth import AccessToken
from models.statuses import Status

VERSION = "4.3.0 (compatible; Flurfunk 0.1.0)"


async def remote_account(username: str, domain: str) -> Account:
    account = Account(username=username, domain=domain, uri=f"https://{domain}/users/{username}")
    await account.save()
    return account


async def local_status(account: Account, when=None) -> Status:
    status = Status(
        uri=f"https://flurfunk.test/statuses/{utcnow().timestamp()}-{account.id}", account=account, local=True
    )
    if when is not None:
        status.created_at = when
    await status.save()
    return status


async def test_instance_v2_describes_the_node_in_mastodons_shape(local_node):
    await local_node.user("bob")
    admin, _ = await local_node.user("boss", admin=True, display_name="The Boss")
    await local_node.user("second_admin", admin=True)
    async with local_node.client() as client:
        response = await client.get("/api/v2/instance")
        with_slash = await client.get("/api/v2/instance/")
        thumbnail = await client.get("/static/thumbnail.png")
    assert response.status_code == 200
    assert with_slash.json() == response.json()
    instance = response.json()
    check("Instance", instance)
    assert instance["version"] == VERSION
    assert instance["api_versions"] == {"mastodon": 2}
    assert instance["domain"] == "flurfunk.test"
    assert instance["title"] == "Flurfunk"
    assert instance["configuration"]["statuses"] == {
        "max_characters": 500,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }
    assert instance["configuration"]["urls"]["streaming"] == "wss://flurfunk.test"
    assert "image/png" in instance["configuration"]["media_attachments"]["supported_mime_types"]
    assert instance["registrations"]["enabled"] is False
    assert instance["contact"]["account"]["id"] == str(admin.id)  # the first administrator
    check("Account", instance["contact"]["account"])
    assert instance["thumbnail"]["url"] == "https://flurfunk.test/static/thumbnail.png"
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/png"
    assert instance["usage"]["users"]["active_month"] == 3  # each got a token today


async def test_instance_v1_has_the_legacy_shape_and_real_stats(local_node):
    alice, _ = await local_node.user("alice")
    await local_status(alice)
    await remote_account("carol", "other.example")
    await remote_account("dave", "other.example")
    await remote_account("erin", "third.example:8443")
    async with local_node.client() as client:
        instance = (await client.get("/api/v1/instance")).json()
        with_slash = await client.get("/api/v1/instance/")
    check("V1Instance", instance)
    assert with_slash.status_code == 200
    assert instance["uri"] == "flurfunk.test"
    assert instance["version"] == VERSION
    assert instance["urls"]["streaming_api"] == "wss://flurfunk.test"
    assert instance["thumbnail"] == "https://flurfunk.test/static/thumbnail.png"
    assert instance["stats"] == {"user_count": 1, "status_count": 1, "domain_count": 2}
    assert instance["configuration"]["statuses"]["max_characters"] == 500
    assert instance["contact_account"] is None  # nobody is an administrator
    assert instance["registrations"] is False


async def test_the_streaming_url_follows_the_scheme_and_the_character_limit_the_settings(tmp_path):
    from server import create_app
    from settings import Settings
    from tests.conftest import LocalNode

    settings = Settings(
        domain="127.0.0.1:8123", scheme="http", data_dir=tmp_path, run_workers=False, max_toot_chars=1000
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with LocalNode(app, settings).client() as client:
            v2 = (await client.get("/api/v2/instance")).json()
            v1 = (await client.get("/api/v1/instance")).json()
    assert v2["configuration"]["urls"]["streaming"] == "ws://127.0.0.1:8123"
    assert v1["urls"]["streaming_api"] == "ws://127.0.0.1:8123"
    assert v2["configuration"]["statuses"]["max_characters"] == 1000


async def test_monthly_active_users_leave_out_people_idle_for_four_weeks(local_node):
    idle, _ = await local_node.user("idle")
    poster, _ = await local_node.user("poster")
    await local_node.user("reader")
    await AccessToken.filter(account_id__in=[idle.id, poster.id]).update(created_at=utcnow() - timedelta(days=40))
    await local_status(poster)
    async with local_node.client() as client:
        instance = (await client.get("/api/v2/instance")).json()
    assert instance["usage"]["users"]["active_month"] == 2  # poster (posted) and reader (new token)


async def test_peers_are_the_domains_of_known_remote_accounts(local_node):
    await local_node.user("alice")
    await remote_account("carol", "other.example")
    await remote_account("dave", "other.example")
    await remote_account("erin", "third.example:8443")
    async with local_node.client() as client:
        peers = await client.get("/api/v1/instance/peers")
        with_slash = await client.get("/api/v1/instance/peers/")
    assert peers.status_code == 200
    assert peers.json() == ["other.example", "third.example:8443"]
    assert with_slash.json() == peers.json()


async def test_activity_counts_twelve_weeks_of_posts_logins_and_registrations(local_node):
    alice, _ = await local_node.user("alice")
    await local_status(alice)
    await local_status(alice)
    three_weeks_ago = utcnow() - timedelta(weeks=3)
    await local_status(alice, when=three_weeks_ago)
    old, _ = await local_node.user("old")
    await User.filter(account_id=old.id).update(created_at=three_weeks_ago)
    await AccessToken.filter(account_id=old.id).update(created_at=three_weeks_ago)
    async with local_node.client() as client:
        weeks = (await client.get("/api/v1/instance/activity")).json()
    assert len(weeks) == 12
    assert all(isinstance(value, str) for week in weeks for value in week.values())
    assert weeks[0]["week"] == str(int(week_start(utcnow()).timestamp()))
    assert int(weeks[0]["week"]) - int(weeks[1]["week"]) == 7 * 24 * 3600
    assert weeks[0] == {**weeks[0], "statuses": "2", "logins": "1", "registrations": "1"}
    # Posting needs a logged-in client, so alice's old post counts her as active that week.
    assert weeks[3] == {**weeks[3], "statuses": "1", "logins": "2", "registrations": "1"}
    assert weeks[5] == {**weeks[5], "statuses": "0", "logins": "0", "registrations": "0"}


async def test_rules_emojis_and_extended_description_need_no_token(local_node):
    async with local_node.client() as client:
        rules = await client.get("/api/v1/instance/rules")
        emojis = await client.get("/api/v1/custom_emojis/")
        about = await client.get("/api/v1/instance/extended_description")
    assert rules.status_code == 200 and rules.json() == []
    assert emojis.status_code == 200 and emojis.json() == []
    check("ExtendedDescription", about.json())


async def test_preferences_come_from_the_users_defaults_and_need_a_read_token(local_node):
    alice, token = await local_node.user("alice")
    await User.filter(account_id=alice.id).update(default_visibility="unlisted", default_language="de")
    async with local_node.client(token) as client:
        prefs = await client.get("/api/v1/preferences")
    async with local_node.client() as anonymous:
        refused = await anonymous.get("/api/v1/preferences")
    check("Preferences", prefs.json())
    assert prefs.json()["posting:default:visibility"] == "unlisted"
    assert prefs.json()["posting:default:language"] == "de"
    assert prefs.json()["posting:default:sensitive"] is False
    assert refused.status_code == 401


def test_mastodon_py_reads_the_instance_of_a_real_node(start_node):
    node = start_node()
    token = node.add_user("alice")
    api = Mastodon(access_token=token, api_base_url=node.url, version_check_mode="created")
    assert api.verify_minimum_version("4.3.0", cached=True)
    assert api.mastodon_api_version == 2
    assert api.instance()["configuration"]["statuses"]["max_characters"] == 500
    assert api.instance_v1()["uri"] == node.domain
    assert len(api.instance_activity()) == 12
    assert api.instance_peers() == []
    assert api.instance_rules() == []
    assert api.custom_emojis() == []
    assert api.preferences()["posting:default:visibility"] == "public"
    with node.client() as client:
        check("Instance", client.get("/api/v2/instance").json())
        check("V1Instance", client.get("/api/v1/instance").json())


async def test_health_says_ok_while_the_database_answers_and_translation_is_off(local_node):
    async with local_node.client() as client:
        health = await client.get("/health")
        languages = await client.get("/api/v1/instance/translation_languages")
        instance = (await client.get("/api/v2/instance")).json()
    assert health.status_code == 200 and health.text == "OK"
    assert health.headers["content-type"].startswith("text/plain")
    assert languages.status_code == 200 and languages.json() == {}
    assert instance["configuration"]["translation"]["enabled"] is False


async def test_health_is_503_when_the_database_is_gone(local_node, monkeypatch):
    import web.health

    class Gone:
        async def execute_query(self, sql):
            raise ConnectionError("connection refused")

    monkeypatch.setattr(web.health, "database", lambda: Gone())
    async with local_node.client() as client:
        health = await client.get("/health")
    assert health.status_code == 503 and health.text == "database unavailable"
