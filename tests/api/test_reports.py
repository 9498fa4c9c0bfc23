"""Reports: filed here they reach this node's admins; forwarded, a Flag files one on the reported person's node."""

from __future__ import annotations

from mastodon_shapes import check

from oauth.tokens import cli_application, issue_token
from outbox.statuses import create_status
from tests.federation.people import Person


async def admin_reports(local_node, token: str) -> list[dict]:
    async with local_node.client(token) as client:
        response = await client.get("/api/v1/notifications", params={"types[]": "admin.report"})
    assert response.status_code == 200, response.text
    for notification in response.json():
        check("Notification", notification)
    return response.json()


async def test_a_report_reaches_every_admin_with_the_report_attached(local_node):
    node = local_node.node
    _, admin_token = await local_node.user("admin", admin=True)
    _, other_admin_token = await local_node.user("deputy", admin=True)
    reporter, token = await local_node.user("reporter")
    spammer, _ = await local_node.user("spammer")
    bystander, bystander_token = await local_node.user("bystander")
    post = await create_status(node, spammer, "buy now")
    hidden = await create_status(node, spammer, "@bystander psst", visibility="direct")

    async with local_node.client(token) as client:
        response = await client.post(
            "/api/v1/reports",
            json={
                "account_id": str(spammer.id),
                "status_ids": [str(post.id), str(hidden.id)],
                "comment": "Advertising all day",
                "category": "spam",
                "forward": True,
            },
        )
    assert response.status_code == 200, response.text
    report = response.json()
    check("Report", report)
    assert report["category"] == "spam" and report["comment"] == "Advertising all day"
    # The direct post the reporter cannot see is left out; a local account is never forwarded.
    assert report["status_ids"] == [str(post.id)]
    assert report["forwarded"] is False and report["action_taken"] is False and report["rule_ids"] is None
    assert report["target_account"]["id"] == str(spammer.id)

    for admin_token_ in (admin_token, other_admin_token):
        [notification] = await admin_reports(local_node, admin_token_)
        assert notification["account"]["id"] == str(reporter.id)
        assert notification["report"] == report
    assert await admin_reports(local_node, bystander_token) == []


async def test_bad_reports_are_refused_as_mastodon_refuses_them(local_node):
    node = local_node.node
    reporter, token = await local_node.user("reporter")
    target, _ = await local_node.user("target")
    other, _ = await local_node.user("other")
    others_post = await create_status(node, other, "not theirs")
    read_only = (await issue_token(reporter, await cli_application(), "read")).token

    async with local_node.client(token) as client:

        async def report(**body):
            return await client.post("/api/v1/reports", json={"account_id": str(target.id), **body})

        unknown_account = await client.post("/api/v1/reports", json={"account_id": "12345"})
        no_account = await client.post("/api/v1/reports", json={"comment": "who?"})
        wrong_status = await report(status_ids=[str(others_post.id)])
        too_long = await report(comment="x" * 1001)
        bad_category = await report(category="rude")
        violation_without_rules = await report(category="violation", rule_ids=["1"])
    async with local_node.client(read_only) as reader:
        without_scope = await reader.post("/api/v1/reports", json={"account_id": str(target.id)})
    async with local_node.client() as anonymous:
        without_token = await anonymous.post("/api/v1/reports", json={"account_id": str(target.id)})

    assert unknown_account.status_code == 404 and unknown_account.json() == {"error": "Record not found"}
    assert no_account.status_code == 404
    assert wrong_status.status_code == 404
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "Validation failed: Comment is too long (maximum is 1000 characters)"}
    assert bad_category.status_code == 422
    assert violation_without_rules.status_code == 422
    assert violation_without_rules.json() == {"error": "Validation failed: Rule ids does not reference valid rules"}
    assert without_scope.status_code == 403 and without_token.status_code == 401


def test_a_forwarded_report_becomes_a_report_for_the_remote_admin(start_node):
    eng, sales = start_node(), start_node()
    alice = Person.on(eng, "alice")
    bob = Person.on(sales, "bob")
    sales.cli("user", "add", "boss", "--password", "correct horse battery", "--admin")
    boss = Person(sales, "boss", sales.cli("token", "boss").strip())

    alice.follow(bob)
    alice.wait_following(bob)
    post = bob.toot("Unsolicited offers #deals")
    seen = alice.wait_in_home(post["uri"])

    report = alice.post(
        "/api/v1/reports",
        account_id=alice.account_id(bob),
        status_ids=[seen["id"]],
        comment="Spam from your node",
        category="spam",
        forward=True,
    )
    check("Report", report)
    assert report["forwarded"] is True

    notification = boss.wait_notification("admin.report")
    check("Notification", notification)
    remote_report = notification["report"]
    assert remote_report["target_account"]["acct"] == "bob"
    assert remote_report["status_ids"] == [post["id"]]
    assert remote_report["comment"] == "Spam from your node"
    # The node itself forwards it: the reporter's name never leaves eng.
    assert notification["account"]["acct"] != alice.handle
    assert notification["account"]["acct"].endswith(f"@{eng.domain}")

    # A report that is not forwarded stays on eng.
    kept = alice.post("/api/v1/reports", account_id=alice.account_id(bob), comment="just for us")
    assert kept["forwarded"] is False
    assert len(boss.notifications("admin.report")) == 1
