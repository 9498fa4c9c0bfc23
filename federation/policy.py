"""Which domains this node talks to: open federation, or an allowlist; blocked domains in both."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from settings import Settings

# The netloc of a plain http(s) URL: what urlsplit finds, without its work. Anything it would
# clean or check first (tabs and line breaks, which it removes; brackets of IPv6 hosts;
# non-ASCII hosts) takes urlsplit's way.
_PLAIN_NETLOC = re.compile(r"https?://([^/?#\[\]\t\r\n]*)(?:[/?#]|\Z)")


def host_of(url: str) -> str:
    """The host with its port, lower case, as domains are written in FEDI_* settings and handles."""
    # Called several times per received activity, each time for other URLs (activity ids are
    # all new), so urlsplit's own cache of 128 seldom has them; this costs a tenth of a parse.
    plain = _PLAIN_NETLOC.match(url)
    netloc = plain.group(1) if plain is not None and plain.group(1).isascii() else urlsplit(url).netloc
    return netloc.lower().rsplit("@", 1)[-1]


@dataclass(frozen=True)
class DomainPolicy:
    own_domain: str
    allowlist: frozenset[str] | None
    blocked: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> DomainPolicy:
        allow = settings.allowed_domains if settings.federation == "allowlist" else None
        return cls(settings.domain, allow, settings.blocked_domains)

    def allows(self, domain: str) -> bool:
        domain = domain.lower()
        if domain == self.own_domain:
            return True
        if self._matches(domain, self.blocked):
            return False
        return self.allowlist is None or self._matches(domain, self.allowlist)

    def allows_url(self, url: str) -> bool:
        return self.allows(host_of(url))

    @staticmethod
    def _matches(domain: str, domains: frozenset[str]) -> bool:
        # A listed domain covers its subdomains too (blocking example.com blocks a.example.com),
        # as in Mastodon's domain blocks. A listed host with a port matches only that port.
        host = domain.split(":", 1)[0]
        for listed in domains:
            if domain == listed or (":" not in listed and (host == listed or host.endswith("." + listed))):
                return True
        return False
