"""Follow relations made and ended, with their counters and home-feed effects."""

from __future__ import annotations

from core.counters import bump
from core.feeds import add_to_feed, remove_author_from_feed
from models.accounts import Account
from models.relationships import AccountPin, Follow, FollowRequest


async def create_follow(
    follower: Account, target: Account, uri: str | None, show_reblogs: bool = True, notify: bool = False
) -> Follow:
    follow, created = await Follow.get_or_create(
        account=follower, target_account=target, defaults={"uri": uri, "show_reblogs": show_reblogs, "notify": notify}
    )
    await FollowRequest.filter(account_id=follower.id, target_account_id=target.id).delete()
    if created:
        await bump(Account, follower.id, "following_count")
        await bump(Account, target.id, "followers_count")
        if follower.local:
            await add_to_feed(follower.id, target.id)
    return follow


async def remove_follow(follower: Account, target: Account) -> bool:
    deleted = await Follow.filter(account_id=follower.id, target_account_id=target.id).delete()
    await FollowRequest.filter(account_id=follower.id, target_account_id=target.id).delete()
    # Only someone followed can be featured (Mastodon's Follow#remove_endorsements).
    await AccountPin.filter(account_id=follower.id, target_account_id=target.id).delete()
    if deleted:
        await bump(Account, follower.id, "following_count", -1)
        await bump(Account, target.id, "followers_count", -1)
        if follower.local:
            await remove_author_from_feed(follower.id, target.id)
    return bool(deleted)
