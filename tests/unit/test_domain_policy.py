"""Domain policy: open federation, allowlists, blocked domains and their subdomains."""

from __future__ import annotations

from federation.policy import DomainPolicy


def test_open_federation_allows_everyone_but_blocked_domains_and_their_subdomains():
    policy = DomainPolicy("eng.example.com", None, frozenset({"spam.example"}))
    assert policy.allows("mastodon.social")
    assert not policy.allows("spam.example")
    assert not policy.allows("a.spam.example")
    assert policy.allows("notspam.example")


def test_allowlist_allows_only_listed_domains_and_itself():
    policy = DomainPolicy("eng.example.com", frozenset({"sales.example.com", "127.0.0.1:8002"}), frozenset())
    assert policy.allows("eng.example.com")
    assert policy.allows("sales.example.com")
    assert policy.allows("127.0.0.1:8002")
    assert not policy.allows("127.0.0.1:8003")
    assert not policy.allows("mastodon.social")
    assert policy.allows_url("https://sales.example.com/users/a")
    assert not policy.allows_url("https://evil.example/users/a")


def test_blocking_wins_over_the_allowlist():
    policy = DomainPolicy("eng.example.com", frozenset({"sales.example.com"}), frozenset({"sales.example.com"}))
    assert not policy.allows("sales.example.com")
