"""The issue's "done when": three departmental nodes, people on each, one search on any node finds
a person on another node by department, by skill and by a name typed without its accent, and a
follow from the search result works."""

from __future__ import annotations

from mastodon_shapes import check

from tests.directory.peers import handles, people, pull, start_peers
from tests.federation.people import Person
from tests.nodes import wait_for


def test_one_search_on_any_node_finds_people_of_every_node_and_a_follow_from_the_result_works(start_node):
    eng, sales, hr = start_peers(start_node, 3)
    eng.cli("user", "add", "jmueller", "--password", "correct horse battery", "--display-name", "Jürgen Müller")
    eng.cli("user", "set", "jmueller", "--department", "Tax Advisory", "--title", "Tax Partner")
    eng.cli("user", "set", "jmueller", "--skills", "Transfer pricing; IFRS", "--location", "Wien")
    sales.cli("user", "add", "anna", "--password", "correct horse battery", "--display-name", "Anna Berger")
    sales.cli("user", "set", "anna", "--department", "Sales", "--skills", "Negotiation", "--location", "Graz")
    hanna = Person.on(hr, "hanna")
    hr.cli("user", "set", "hanna", "--department", "People & Culture")

    for node in (eng, sales, hr):
        done = pull(node)
        assert done.returncode == 0, done.stdout + done.stderr

    jmueller = f"jmueller@{eng.domain}"
    by_department = people(hr, hanna.token, department="tax")
    by_skill = people(hr, hanna.token, skill="transfer pricing")
    by_name = people(hr, hanna.token, q="Mueller")
    by_plain_name = people(hr, hanna.token, q="jurgen muller")
    for found in (by_department, by_skill, by_name, by_plain_name):
        assert handles(found) == {jmueller}
    result = by_name[0]
    check("Account", {k: v for k, v in result.items() if k != "flurfunk"})
    assert result["flurfunk"]["node"] == eng.domain and result["flurfunk"]["title"] == "Tax Partner"
    # Everyone is found from every node, their own included.
    assert handles(people(sales, sales.add_user("viewer"), q="hanna")) == {f"hanna@{hr.domain}"}
    assert handles(people(eng, eng.add_user("viewer"), location="graz")) == {f"anna@{sales.domain}"}

    # Following straight from the search result: the pulled account is enough to send the Follow.
    relationship = hanna.post(f"/api/v1/accounts/{result['id']}/follow")
    check("Relationship", relationship)
    wait_for(
        lambda: hanna.get("/api/v1/accounts/relationships", **{"id[]": result["id"]})[0]["following"],
        what="hanna following jmueller after his node accepted",
    )
    with eng.client() as client:
        followers = client.get("/api/v1/accounts/lookup", params={"acct": "jmueller"}).json()["followers_count"]
    assert followers == 1
