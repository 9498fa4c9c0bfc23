"""Grouped notifications (/api/v2/notifications): likes and boosts of one post, and follows, read as
one group each, with counts, sample accounts and the statuses and accounts they name; the rest one
by one. Checked against the OpenAPI description, and with Mastodon.py against a node process."""

from __future__ import annotations

from datetime import timedelta

from mastodon import Mastodon
from mastodon_shapes import check

from core.notification_groups import MAXIMUM_GROUP_SPAN_HOURS, group_key_for, hour_of
from models.base import utcnow
from models.interactions import Notification
from outbox.follows import follow
from outbox.interactions import block, favourite
from outbox.statuses import create_status, reblog
from tests.nodes import NodeProcess


async def grouped(client, *args, **params) -> tuple[dict, object]:
    response = await client.get("/api/v2/notifications", params=list(args) + list(params.items()))
    assert response.status_code == 200, response.text
    body = response.json()
    check("GroupedNotificationsResults", body)
    return body, response


async def popular_post(local_node):
    """Alice's post liked by bob, carol and dave (in that order) and boosted by bob; carol and dave
    follow her, and erin mentions her."""
    node = local_node.node
    alice, token = await local_node.user("alice")
    people = {name: (await local_node.user(name))[0] for name in ("bob", "carol", "dave", "erin")}
    post = await create_status(node, alice, "quarterly numbers")
    for name in ("bob", "carol", "dave"):
        await favourite(node, people[name], post)
    await reblog(node, people["bob"], post)
    await follow(node, people["carol"], alice)
    await follow(node, people["dave"], alice)
    await create_status(node, people["erin"], "@alice nice numbers")
    return alice, token, people, post


async def test_likes_boosts_and_follows_come_grouped_and_the_rest_one_by_one(local_node):
    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        body, _ = await grouped(client)

    groups = body["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "follow", "reblog", "favourite"]
    mention, follows, boosts, likes = groups
    assert likes["notifications_count"] == 3 and boosts["notifications_count"] == 1
    assert likes["sample_account_ids"] == [str(people[n].id) for n in ("dave", "carol", "bob")]
    assert likes["status_id"] == boosts["status_id"] == str(post.id)
    assert follows["notifications_count"] == 2 and "status_id" not in follows
    assert follows["sample_account_ids"] == [str(people["dave"].id), str(people["carol"].id)]
    assert mention["group_key"] == f"ungrouped-{mention['most_recent_notification_id']}"
    assert len({g["group_key"] for g in groups}) == 4
    # Each status and account once, at the top level.
    assert sorted(s["id"] for s in body["statuses"]) == sorted({str(post.id), mention["status_id"]})
    assert sorted(a["acct"] for a in body["accounts"]) == ["bob", "carol", "dave", "erin"]
    for group in groups:
        check("NotificationGroup", group)
        newest = await Notification.filter(account_id=alice.id, type=group["type"]).order_by("-id").first()
        assert group["most_recent_notification_id"] == newest.id
        assert group["page_max_id"] == str(newest.id)


async def test_the_v1_list_and_a_group_agree_on_the_key(local_node):
    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        listed = (await client.get("/api/v1/notifications", params={"types[]": "favourite"})).json()
        body, _ = await grouped(client, ("types[]", "favourite"))
        one = await client.get(f"/api/v2/notifications/{listed[0]['group_key']}")
        who = await client.get(f"/api/v2/notifications/{listed[0]['group_key']}/accounts")
        missing = await client.get("/api/v2/notifications/favourite-1-1")
        not_a_number = await client.get("/api/v2/notifications/ungrouped-abc")

    assert len({n["group_key"] for n in listed}) == 1
    assert [g["group_key"] for g in body["notification_groups"]] == [listed[0]["group_key"]]
    assert one.status_code == 200
    check("GroupedNotificationsResults", one.json())
    (group,) = one.json()["notification_groups"]
    assert group["notifications_count"] == 3 and "page_min_id" not in group
    assert [a["username"] for a in who.json()] == ["dave", "carol", "bob"]
    for account in who.json():
        check("Account", account)
    assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    assert not_a_number.status_code == 404


async def test_grouped_types_leaves_the_other_kinds_one_by_one(local_node):
    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        body, _ = await grouped(client, ("grouped_types[]", "follow"), ("exclude_types[]", "mention"))

    kinds = [(g["type"], g["notifications_count"]) for g in body["notification_groups"]]
    assert kinds == [("follow", 2), ("reblog", 1), ("favourite", 1), ("favourite", 1), ("favourite", 1)]
    likes = [g for g in body["notification_groups"] if g["type"] == "favourite"]
    assert all(g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}" for g in likes)


async def test_a_group_spans_twelve_hours_at_most(local_node):
    alice, _ = await local_node.user("alice")
    post = await create_status(local_node.node, alice, "hello")
    start = utcnow()
    first = await group_key_for(alice.id, "favourite", post.id, start)
    assert first == f"favourite-{post.id}-{hour_of(start)}"
    await Notification.create(account=alice, from_account=alice, type="favourite", status=post, group_key=first)

    later = start + timedelta(hours=MAXIMUM_GROUP_SPAN_HOURS - 1)
    much_later = start + timedelta(hours=MAXIMUM_GROUP_SPAN_HOURS + 1)
    assert await group_key_for(alice.id, "favourite", post.id, later) == first
    assert (
        await group_key_for(alice.id, "favourite", post.id, much_later) == f"favourite-{post.id}-{hour_of(much_later)}"
    )
    # Another post's likes, boosts of this one, and a mention never join it.
    assert await group_key_for(alice.id, "favourite", post.id * 10 + 1, later) != first
    assert await group_key_for(alice.id, "reblog", post.id, later) == f"reblog-{post.id}-{hour_of(later)}"
    assert await group_key_for(alice.id, "mention", post.id, later) is None


async def test_pages_of_groups_follow_the_link_header(local_node):
    """A group met again below a page's end shows again on the next page, as on Mastodon (clients
    merge by key), counting what lies up to that page's newest notification."""
    alice, token, people, post = await popular_post(local_node)
    pages = []
    async with local_node.client(token) as client:
        body, response = await grouped(client, limit=2)
        newer_than_second = None
        while body["notification_groups"] and len(pages) < 10:
            pages.append([(g["type"], g["notifications_count"], g["group_key"]) for g in body["notification_groups"]])
            if len(pages) == 2:
                newer_than_second, _ = await grouped_url(client, response.links["prev"]["url"])
            body, response = await grouped_url(client, response.links["next"]["url"])

    follows, likes = pages[0][1][2], pages[2][0][2]
    assert [[(kind, count) for kind, count, _ in page] for page in pages] == [
        [("mention", 1), ("follow", 2)],
        [("follow", 1), ("reblog", 1)],
        [("favourite", 3)],
        [("favourite", 2)],
        [("favourite", 1)],
    ]
    assert pages[1][0][2] == follows and pages[3][0][2] == pages[4][0][2] == likes
    assert [(g["type"], g["notifications_count"]) for g in newer_than_second["notification_groups"]] == [
        ("mention", 1),
        ("follow", 2),
    ]


async def grouped_url(client, url: str) -> tuple[dict, object]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    check("GroupedNotificationsResults", response.json())
    return response.json(), response


async def test_partial_avatars_render_only_each_groups_newest_account_in_full(local_node):
    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        body, _ = await grouped(client, ("types[]", "favourite"), expand_accounts="partial_avatars")

    assert [a["username"] for a in body["accounts"]] == ["dave"]
    assert sorted(a["acct"] for a in body["partial_accounts"]) == ["bob", "carol"]
    for partial in body["partial_accounts"]:
        check("PartialAccountWithAvatar", partial)
        assert "note" not in partial


async def test_blocked_people_are_neither_counted_nor_shown(local_node):
    alice, token, people, post = await popular_post(local_node)
    await block(local_node.node, alice, people["carol"])
    async with local_node.client(token) as client:
        body, _ = await grouped(client, ("types[]", "favourite"))

    (likes,) = body["notification_groups"]
    assert likes["notifications_count"] == 2
    assert str(people["carol"].id) not in likes["sample_account_ids"]
    assert "carol" not in [a["username"] for a in body["accounts"]]


async def test_dismissing_a_group_removes_all_of_it_and_unread_counts_groups(local_node):
    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        unread = await client.get("/api/v2/notifications/unread_count")
        body, _ = await grouped(client)
        likes = next(g for g in body["notification_groups"] if g["type"] == "favourite")
        dismissed = await client.post(f"/api/v2/notifications/{likes['group_key']}/dismiss")
        after, _ = await grouped(client)
        await client.post(
            "/api/v1/markers", data={"notifications[last_read_id]": body["notification_groups"][1]["page_max_id"]}
        )
        unread_after = await client.get("/api/v2/notifications/unread_count")

    assert unread.json() == {"count": 4}
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert [g["type"] for g in after["notification_groups"]] == ["mention", "follow", "reblog"]
    assert await Notification.filter(account_id=alice.id, type="favourite").count() == 0
    assert unread_after.json() == {"count": 1}  # the mention, newer than the follows read


async def test_grouped_notifications_need_a_token_with_the_scope(local_node):
    async with local_node.client() as client:
        anonymous = await client.get("/api/v2/notifications")
    assert anonymous.status_code == 401 and "error" in anonymous.json()


def test_mastodon_py_reads_grouped_notifications(start_node):
    node: NodeProcess = start_node()
    apis = {}
    for name in ("alice", "bob", "carol"):
        node.cli("user", "add", name, "--password", "correct horse battery")
        apis[name] = Mastodon(access_token=node.cli("token", name).strip(), api_base_url=node.url)
    post = apis["alice"].status_post("Grouped, please")
    apis["bob"].status_favourite(post["id"])
    apis["carol"].status_favourite(post["id"])

    results = apis["alice"].grouped_notifications()
    (likes,) = results.notification_groups
    assert likes.type == "favourite" and likes.notifications_count == 2
    assert likes.status_id == post["id"]
    shown = {a.acct for a in results.accounts} | {a.acct for a in results.partial_accounts or []}
    assert shown == {"bob", "carol"}
    assert [a.acct for a in apis["alice"].grouped_notification_accounts(likes.group_key)] == ["carol", "bob"]
    assert apis["alice"].unread_grouped_notifications_count() == 1
    apis["alice"].dismiss_grouped_notification(likes.group_key)
    assert apis["alice"].grouped_notifications().notification_groups == []


async def test_the_notification_policy_says_nothing_is_filtered_and_refuses_to_filter(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        policy = await client.get("/api/v2/notifications/policy")
        kept = await client.patch("/api/v2/notifications/policy", json={"for_not_following": "accept"})
        filtering = await client.patch("/api/v2/notifications/policy", json={"for_new_accounts": "filter"})
        nonsense = await client.patch("/api/v2/notifications/policy", data={"for_not_followers": "maybe"})
        requests = await client.get("/api/v1/notifications/requests")
        merged = await client.get("/api/v1/notifications/requests/merged")
        one = await client.get("/api/v1/notifications/requests/123")
        accepted = await client.post("/api/v1/notifications/requests/accept", data={"id[]": "123"})
        # The group routes do not take these paths for group keys.
        unread = await client.get("/api/v2/notifications/unread_count")

    assert policy.status_code == 200 and kept.status_code == 200
    check("NotificationPolicy", policy.json())
    assert policy.json()["for_new_accounts"] == "accept" and policy.json()["summary"]["pending_requests_count"] == 0
    assert filtering.status_code == 422 and "for_new_accounts can only be accept" in filtering.json()["error"]
    assert nonsense.status_code == 422
    assert nonsense.json() == {"error": "Validation failed: For not followers is not included in the list"}
    assert requests.json() == [] and merged.json() == {"merged": True}
    assert one.status_code == 404 and accepted.json() == {}
    assert unread.json() == {"count": 0}


async def test_groups_found_across_several_reads_are_the_same_as_in_one(local_node, monkeypatch):
    import api.notification_groups

    alice, token, people, post = await popular_post(local_node)
    async with local_node.client(token) as client:
        whole, _ = await grouped(client)
        older_half, _ = await grouped(
            client, min_id=str(whole["notification_groups"][-1]["most_recent_notification_id"])
        )
        monkeypatch.setattr(api.notification_groups, "SCAN_CHUNK", 3)  # 8 notifications: three reads
        chunked, _ = await grouped(client)
        chunked_up, _ = await grouped(
            client, min_id=str(whole["notification_groups"][-1]["most_recent_notification_id"])
        )
    assert chunked == whole and chunked_up == older_half
    assert len(whole["notification_groups"]) == 4
