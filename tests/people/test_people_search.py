"""Ranked people search across the company: names above skills, prefixes, German spellings, filters, paging."""

from __future__ import annotations

import httpx
from mastodon_shapes import check

from models.directory import DirectoryEntry
from oauth.tokens import cli_application, issue_token
from tests.people.directory_people import add_person

PEOPLE = "/api/v1/flurfunk/people"


async def find(client: httpx.AsyncClient, **params: str) -> list[dict]:
    response = await client.get(PEOPLE, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def handles(found: list[dict]) -> list[str]:
    return [p["acct"] for p in found]


async def test_a_name_match_ranks_above_a_title_or_skill_match(local_node):
    _, token = await local_node.user("viewer")
    await add_person("tool", display_name="Tina Tool", skills=["Weber grills"], node="ops.example")
    await add_person("jweber", display_name="Julia Weber", title="Accountant", node="fin.example")
    await add_person("title", display_name="Tom Title", title="Weber specialist", node="ops.example")

    async with local_node.client(token) as client:
        found = await find(client, q="weber")

    assert handles(found) == ["jweber@fin.example", "title@ops.example", "tool@ops.example"]


async def test_prefixes_find_whole_words_in_every_field(local_node):
    _, token = await local_node.user("viewer")
    await add_person("kim", display_name="Kim Lee", skills=["Kubernetes", "Go"], node="ops.example")
    await add_person("ana", display_name="Ana Gomez", department="Platform Engineering", node="dev.example")
    await add_person("bo", display_name="Bo Berg", location="Vienna", node="dev.example")

    async with local_node.client(token) as client:
        assert handles(await find(client, q="kube")) == ["kim@ops.example"]
        assert handles(await find(client, q="plat eng")) == ["ana@dev.example"]
        assert handles(await find(client, q="Vien")) == ["bo@dev.example"]
        assert handles(await find(client, q="ki")) == ["kim@ops.example"]
        assert await find(client, q="kube vienna") == []  # every word must match


async def test_german_spellings_find_each_other(local_node):
    _, token = await local_node.user("viewer")
    await add_person("mueller", display_name="Jürgen Müller", node="a.example")
    await add_person("mueller", display_name="Hans Mueller", node="b.example")
    await add_person("muller", display_name="Eva Muller", node="c.example")
    await add_person("gross", display_name="Petra Groß", location="Köln", node="c.example")
    everyone = {"mueller@a.example", "mueller@b.example", "muller@c.example"}

    async with local_node.client(token) as client:
        assert set(handles(await find(client, q="Müller"))) == everyone
        assert set(handles(await find(client, q="mueller"))) == everyone
        assert set(handles(await find(client, q="muller"))) >= {"mueller@a.example", "muller@c.example"}
        assert handles(await find(client, q="Jurgen")) == ["mueller@a.example"]
        assert handles(await find(client, q="juergen muel")) == ["mueller@a.example"]
        assert handles(await find(client, q="Gross")) == ["gross@c.example"]
        assert handles(await find(client, q="koeln")) == ["gross@c.example"]
        assert handles(await find(client, location="Koln")) == ["gross@c.example"]


async def test_filters_narrow_by_department_location_and_skill(local_node):
    _, token = await local_node.user("viewer")
    await add_person("ana", department="Engineering", location="Wien", skills=["Kubernetes"], node="dev.example")
    await add_person("ben", department="Engineering", location="Berlin", skills=["Tax law"], node="dev.example")
    await add_person("cem", department="Finance", location="Wien", skills=["Tax law"], node="fin.example")
    await add_person("dora", department="Platform Engineering", location="Wien", node="dev.example")

    async with local_node.client(token) as client:
        assert set(handles(await find(client, department="engineering"))) == {"ana@dev.example", "ben@dev.example"}
        assert set(handles(await find(client, department="ENG", location="wien"))) == {"ana@dev.example"}
        assert set(handles(await find(client, skill="tax"))) == {"ben@dev.example", "cem@fin.example"}
        assert set(handles(await find(client, q="tax", location="Wien"))) == {"cem@fin.example"}
        assert await find(client, skill="kubernetes", department="finance") == []


async def test_a_filter_holds_even_when_the_best_ranked_matches_fail_it(local_node):
    # 80 people named Eng… in "Platform Engineering" rank above Zed, whose department merely
    # contains the word: the search must look past all of them for the one in "Engineering".
    _, token = await local_node.user("viewer")
    for n in range(80):
        await add_person(f"eng{n}", display_name=f"Eng Person{n}", department="Platform Engineering")
    await add_person("zed", display_name="Zed Zimmer", department="Engineering")

    async with local_node.client(token) as client:
        assert handles(await find(client, q="eng", department="engineering", limit="5")) == ["zed@hr.example"]
        platform = await find(client, q="eng", department="platform", limit="40")
    assert len(platform) == 40 and "zed@hr.example" not in handles(platform)


async def test_results_show_their_node_and_never_withdrawn_people(local_node):
    _, token = await local_node.user("viewer")
    await add_person("here", display_name="Sam Here", node="flurfunk.test", local_domain="flurfunk.test")
    await add_person("there", display_name="Sam There", department="Sales", title="Lead", node="sales.example")
    await add_person("gone", display_name="Sam Gone", node="sales.example", withdrawn=True)
    later = await add_person("left", display_name="Sam Left", node="sales.example")
    later.withdrawn = True
    await later.save()  # withdrawn by the directory exchange after being found once

    async with local_node.client(token) as client:
        found = await find(client, q="sam")

    assert set(handles(found)) == {"here", "there@sales.example"}
    by_handle = {p["acct"]: p for p in found}
    assert by_handle["there@sales.example"]["flurfunk"] == {
        "department": "Sales",
        "title": "Lead",
        "location": "",
        "skills": [],
        "node": "sales.example",
    }
    assert by_handle["here"]["flurfunk"]["node"] == "flurfunk.test"
    for person in found:
        extra = person.pop("flurfunk")
        assert set(extra) == {"department", "title", "location", "skills", "node"}
        check("Account", person)


async def test_pages_with_offset_and_a_link_header(local_node):
    _, token = await local_node.user("viewer")
    for i in range(5):
        await add_person(f"dev{i}", display_name=f"Developer {i}", node="dev.example")

    async with local_node.client(token) as client:
        first = await client.get(PEOPLE, params={"q": "developer", "limit": "2"})
        nxt = first.links["next"]["url"]
        second = await client.get(nxt)
        last = await client.get(PEOPLE, params={"q": "developer", "limit": "2", "offset": "4"})

    assert handles(first.json()) == ["dev0@dev.example", "dev1@dev.example"]
    assert "prev" not in first.links
    assert nxt.startswith("https://flurfunk.test/api/v1/flurfunk/people?")
    assert "offset=2" in nxt and "q=developer" in nxt
    assert handles(second.json()) == ["dev2@dev.example", "dev3@dev.example"]
    assert "offset=0" in second.links["prev"]["url"]
    assert handles(last.json()) == ["dev4@dev.example"]
    assert "next" not in last.links


async def test_entries_changed_by_any_kind_of_write_are_found_as_they_are_now(local_node):
    _, token = await local_node.user("viewer")
    first = await add_person("ann", display_name="Ann Old", node="dev.example")
    second = await add_person("bea", display_name="Bea Old", node="dev.example")
    async with local_node.client(token) as client:
        assert len(await find(client, q="old")) == 2
    # As the directory exchange writes: queryset updates and deletes, no model signals.
    await DirectoryEntry.filter(id=first.id).update(display_name="Ann Newname")
    await DirectoryEntry.filter(id=second.id).delete()

    async with local_node.client(token) as client:
        assert handles(await find(client, q="newname")) == ["ann@dev.example"]
        assert await find(client, q="old") == []


async def test_the_people_search_needs_a_user_token_with_read_accounts(local_node):
    account, _ = await local_node.user("viewer")
    writer = (await issue_token(account, await cli_application(), "write")).token
    app_only = (await issue_token(None, await cli_application(), "read")).token

    async with local_node.client() as anonymous:
        assert (await anonymous.get(PEOPLE, params={"q": "x"})).status_code == 401
        assert (await anonymous.get("/api/v1/directory")).status_code == 401
    async with local_node.client(writer) as client:
        response = await client.get(PEOPLE, params={"q": "x"})
        assert response.status_code == 403
        assert response.json() == {"error": "This action is outside the authorized scopes"}
    async with local_node.client(app_only) as client:
        assert (await client.get(PEOPLE, params={"q": "x"})).status_code == 422


async def test_the_directory_lists_the_whole_company_by_activity_or_age(local_node):
    from datetime import UTC, datetime

    from models.accounts import Account

    _, token = await local_node.user("viewer")
    here = await add_person("here", node="flurfunk.test", local_domain="flurfunk.test")
    await add_person("quiet", node="b.example")
    busy = await add_person("busy", node="a.example")
    await add_person("gone", node="a.example", withdrawn=True)
    await Account.filter(id=busy.account_id).update(last_status_at=datetime(2025, 5, 1, tzinfo=UTC))
    await Account.filter(id=here.account_id).update(last_status_at=datetime(2025, 1, 1, tzinfo=UTC))

    async with local_node.client(token) as client:
        active = await client.get("/api/v1/directory")
        new = await client.get("/api/v1/directory", params={"order": "new"})
        local = await client.get("/api/v1/directory", params={"local": "true"})
        paged = await client.get("/api/v1/directory", params={"limit": "1", "offset": "1"})

    # The viewer's own entry (every local person has one) has never posted either.
    assert handles(active.json()) == ["busy@a.example", "here", "quiet@b.example", "viewer"]
    assert handles(new.json()) == ["busy@a.example", "quiet@b.example", "here", "viewer"]
    assert handles(local.json()) == ["here", "viewer"]
    assert handles(paged.json()) == ["here"]
    assert "offset=2" in paged.links["next"]["url"] and "offset=0" in paged.links["prev"]["url"]
    for account in active.json():
        check("Account", account)


async def test_mastodon_search_also_finds_colleagues_by_department_and_skill(local_node):
    _, token = await local_node.user("viewer")
    await add_person("kim", display_name="Kim Lee", department="Platform", skills=["Kubernetes"], node="ops.example")

    async with local_node.client(token) as client:
        by_skill = await client.get("/api/v2/search", params={"q": "kubernetes", "type": "accounts"})
        by_name = await client.get("/api/v2/search", params={"q": "kim"})

    assert handles(by_skill.json()["accounts"]) == ["kim@ops.example"]
    assert handles(by_name.json()["accounts"]) == ["kim@ops.example"]
    check("Search", by_skill.json())
