"""The issue's "done when": three departmental nodes, people imported on each from the company's
directory export, one search on any node finds a person on another node by department, by skill and
by a name typed without its accent, and a follow from the search result works."""

from __future__ import annotations

from mastodon_shapes import check

from tests.directory.peers import handles, people, pull, start_peers
from tests.federation.people import Person
from tests.nodes import wait_for

HEADER = "uid,cn,mail,departmentNumber,title,l,telephoneNumber,manager,skills\n"


def import_people(node, tmp_path, name: str, rows: str) -> None:
    """Each departmental node imports its own people from the company directory's CSV export."""
    export = tmp_path / f"{name}.csv"
    export.write_text(HEADER + rows, encoding="utf-8")
    node.cli("directory", "import", str(export))


def test_one_search_on_any_node_finds_people_of_every_node_and_a_follow_from_the_result_works(start_node, tmp_path):
    eng, sales, hr = start_peers(start_node, 3)
    import_people(
        eng,
        tmp_path,
        "eng",
        "jmueller,Jürgen Müller,jm@corp.example,Tax Advisory,Tax Partner,Wien,,,Transfer pricing;IFRS\n",
    )
    import_people(
        sales, tmp_path, "sales", "anna,Anna Berger,ab@corp.example,Sales,Account Manager,Graz,,,Negotiation\n"
    )
    import_people(
        hr, tmp_path, "hr", "hanna,Hanna Huber,hh@corp.example,People & Culture,HR Partner,Linz,,,Recruiting\n"
    )
    hanna = Person(hr, "hanna", hr.cli("token", "hanna").strip())

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
