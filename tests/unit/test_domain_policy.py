"""Domain policy: open federation, allowlists, blocked domains and their subdomains."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from federation.policy import DomainPolicy, host_of


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


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/users/x",
        "http://A.Example:8080",
        "https://a.example?x",
        "https://a.example#f",
        "https://u:p@h.example/x",
        "https://a@b@c/x",
        "https://a.ex\tample/x",
        "https://a.example\r\n/x",
        "https://a.example/x\n",
        "https://[::1]:80/x",
        "https://ä.example/x",
        "https://a.example/ä",
        "HTTPS://A.example/x",
        " https://a.example/x",
        "http:///x",
        "ftp://a/x",
        "a.example/x",
        "https://a.example:/",
        "https://a.example\x00/x",
        "https://a.example /x",
    ],
)
def test_the_host_of_a_url_is_what_urlsplit_finds_lower_case_without_credentials(url):
    assert host_of(url) == urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


def test_a_url_urlsplit_refuses_is_refused():
    with pytest.raises(ValueError):
        host_of("https://[::1/x")
