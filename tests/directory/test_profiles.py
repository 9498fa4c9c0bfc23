"""Work profiles: set through update_credentials or `user set`, shown to Mastodon apps as profile
fields, published in the actor document and read back from other nodes' actors."""

from __future__ import annotations

from mastodon_shapes import check

from federation.actors import store_actor
from federation.documents import FLURFUNK_NS
from models.accounts import Account
from models.directory import DirectoryEntry, WorkProfile

ACTIVITY_JSON = {"Accept": "application/activity+json"}


def fields_by_name(entity: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in entity["fields"]}


async def test_update_credentials_sets_the_work_profile_shown_as_fields_and_in_the_actor(local_node):
    alice, token = await local_node.user("alice")
    boss, _ = await local_node.user("boss")
    async with local_node.client(token) as client:
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            data={
                "fields_attributes[0][name]": "Pronouns",
                "fields_attributes[0][value]": "she/her",
                "department": "Research & Development",
                "title": "Staff Engineer",
                "location": "Wien",
                "phone": "+43 1 234 5678",
                "skills": "Kubernetes; Tax law, kubernetes ;",
                "manager": "boss",
            },
        )
        assert response.status_code == 200, response.text
        me = response.json()
        check("CredentialAccount", me)
        shown = fields_by_name(me)
        assert list(shown) == ["Pronouns", "Department", "Title", "Location", "Skills"]
        assert shown["Department"] == "Research &amp; Development"  # field values are HTML, as in Mastodon
        assert shown["Skills"] == "Kubernetes, Tax law"
        # Mastodon apps edit source.fields and send them back: the work rows are not among them.
        assert [f["name"] for f in me["source"]["fields"]] == ["Pronouns"]

        public = (await client.get(f"/api/v1/accounts/{alice.id}")).json()
        check("Account", public)
        assert fields_by_name(public) == shown

        actor = (await client.get("/users/alice", headers=ACTIVITY_JSON)).json()
    assert {"name": "Department", "value": "Research &amp; Development"} in [
        {k: a[k] for k in ("name", "value")} for a in actor["attachment"] if a["type"] == "PropertyValue"
    ]
    assert actor["department"] == "Research & Development"
    assert actor["jobTitle"] == "Staff Engineer"
    assert actor["workLocation"] == "Wien"
    assert actor["telephone"] == "+43 1 234 5678"
    assert actor["skills"] == ["Kubernetes", "Tax law"]
    assert actor["manager"] == boss.uri
    terms = actor["@context"][-1]
    assert terms["flurfunk"] == FLURFUNK_NS and terms["manager"]["@type"] == "@id"


async def test_editing_own_fields_keeps_the_work_fields_and_clearing_a_value_removes_its_field(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        await client.patch(
            "/api/v1/accounts/update_credentials", json={"department": "Sales", "skills": ["CRM", "Golf"]}
        )
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            json={"fields_attributes": [{"name": "Web", "value": "example.com"}], "skills": ""},
        )
        me = response.json()
    check("CredentialAccount", me)
    assert list(fields_by_name(me)) == ["Web", "Department"]
    assert [f["name"] for f in me["source"]["fields"]] == ["Web"]


async def test_work_profile_values_are_validated_and_a_bad_request_changes_nothing(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        unknown = await client.patch(
            "/api/v1/accounts/update_credentials", json={"department": "Legal", "manager": "nobody"}
        )
        too_long = await client.patch("/api/v1/accounts/update_credentials", json={"title": "x" * 256})
        own = await client.patch("/api/v1/accounts/update_credentials", json={"manager": "alice"})
        me = (await client.get("/api/v1/accounts/verify_credentials")).json()
    assert unknown.status_code == 422 and "nobody" in unknown.json()["error"]
    assert too_long.status_code == 422 and "Title is too long" in too_long.json()["error"]
    assert own.status_code == 422
    assert "Department" not in fields_by_name(me)


async def test_the_directory_entry_follows_the_profile_and_withdraws_when_not_discoverable(local_node):
    alice, token = await local_node.user("alice", display_name="Alice Müller")
    entry = await DirectoryEntry.get(account_id=alice.id)
    assert not entry.withdrawn and entry.handle == "alice@flurfunk.test"
    async with local_node.client(token) as client:
        await client.patch("/api/v1/accounts/update_credentials", json={"department": "Tax", "skills": "VAT"})
        entry = await DirectoryEntry.get(account_id=alice.id)
        assert (entry.department, entry.skills) == ("Tax", ["VAT"])
        assert "muller" in entry.search_text and "mueller" in entry.search_text
        await client.patch("/api/v1/accounts/update_credentials", json={"discoverable": False})
    entry = await DirectoryEntry.get(account_id=alice.id)
    assert entry.withdrawn
    assert (entry.department, entry.display_name, entry.search_text) == ("", "", "")


async def test_a_remote_actors_work_properties_are_kept_as_its_work_profile(local_node):
    uri = "https://sales.example/users/bob"
    document = {
        "id": uri,
        "type": "Person",
        "preferredUsername": "bob",
        "inbox": f"{uri}/inbox",
        "department": "Sales",
        "jobTitle": "Account Manager",
        "workLocation": {"de": "Graz"},
        "skills": ["Negotiation", 7, ""],
        "manager": {"id": "https://sales.example/users/carol", "type": "Person"},
        "telephone": "+43 316 1",
    }
    account = await store_actor(document, uri)
    profile = await WorkProfile.get(account_id=account.id)
    assert (profile.source, profile.department, profile.title, profile.location) == (
        "actor",
        "Sales",
        "Account Manager",
        "Graz",
    )
    assert profile.skills == ["Negotiation"]
    assert profile.manager_uri == "https://sales.example/users/carol"
    assert profile.phone == "+43 316 1"

    # An Update without the properties drops them.
    await store_actor({k: v for k, v in document.items() if k in ("id", "type", "preferredUsername", "inbox")}, uri)
    assert not await WorkProfile.exists(account_id=account.id)
    assert await Account.exists(uri=uri)


def test_user_set_changes_the_profile_from_the_command_line(start_node):
    node = start_node()
    token = node.add_user("alice")
    node.add_user("boss")
    out = node.cli(
        "user",
        "set",
        "alice",
        "--department",
        "Finance",
        "--title",
        "Controller",
        "--location",
        "Linz",
        "--phone",
        "+43 732 1",
        "--skills",
        "SAP;IFRS",
        "--manager",
        f"boss@{node.domain}",
    )
    assert "department = 'Finance'" in out
    with node.client(token) as client:
        me = client.get("/api/v1/accounts/verify_credentials").json()
        actor = client.get("/users/alice", headers=ACTIVITY_JSON).json()
    check("CredentialAccount", me)
    assert fields_by_name(me) == {
        "Department": "Finance",
        "Title": "Controller",
        "Location": "Linz",
        "Skills": "SAP, IFRS",
    }
    assert actor["skills"] == ["SAP", "IFRS"] and actor["manager"] == f"{node.url}/users/boss"
    assert "nothing changed" in node.cli("user", "set", "alice", "--department", "Finance")
