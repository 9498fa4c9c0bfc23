"""Turning what a person typed into a status's HTML: paragraphs, links, mentions and hashtags."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from models.accounts import Account

# @user, @user@domain, @user@host:port. Not preceded by a word character or '/', so e-mail
# addresses and URL paths are not mentions.
MENTION = re.compile(r"(?<![\w/@])@([a-zA-Z0-9_][a-zA-Z0-9_.-]*)(?:@([a-zA-Z0-9.-]+\.?[a-zA-Z0-9-]*(?::\d+)?))?")
HASHTAG = re.compile(r"(?<![\w/&#])#(\w{1,100})", re.UNICODE)
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
TOKEN = re.compile(f"({URL.pattern})|({MENTION.pattern})|({HASHTAG.pattern})", re.IGNORECASE | re.UNICODE)

Resolver = Callable[[str, str | None], Awaitable[Account | None]]


@dataclass
class Composed:
    html: str
    mentions: list[Account] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)  # as written, without '#'


def _link(url: str) -> str:
    shown = re.sub(r"^https?://(www\.)?", "", url)
    visible, rest = shown[:30], shown[30:]
    rest_html = (
        f'<span class="ellipsis">{html.escape(visible)}</span><span class="invisible">{html.escape(rest)}</span>'
    )
    inner = rest_html if rest else f"<span>{html.escape(visible)}</span>"
    return f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer">{inner}</a>'


async def compose(text: str, base: str, resolve: Resolver, tag_url: Callable[[str], str]) -> Composed:
    """HTML for `text`. `resolve(username, domain)` finds mentioned accounts (None: left as text)."""
    result = Composed(html="")
    paragraphs = []
    for block in re.split(r"\n{2,}", text.strip()):
        pieces: list[str] = []
        position = 0
        for match in TOKEN.finditer(block):
            pieces.append(html.escape(block[position : match.start()]))
            position = match.end()
            token = match.group(0)
            if match.group(1):
                pieces.append(_link(token))
            elif token.startswith("@"):
                username, _, domain = token[1:].partition("@")
                account = await resolve(username, domain or None)
                if account is None:
                    pieces.append(html.escape(token))
                    continue
                if account.id not in {a.id for a in result.mentions}:
                    result.mentions.append(account)
                href = account.url or account.uri
                pieces.append(
                    f'<span class="h-card" translate="no"><a href="{html.escape(href)}" class="u-url mention">'
                    f"@<span>{html.escape(account.username)}</span></a></span>"
                )
            else:
                name = token[1:]
                if name.isdigit():
                    pieces.append(html.escape(token))
                    continue
                # Stored case-insensitively, shown as first written (#QuarterlyNumbers stays readable).
                if name.lower() not in {t.lower() for t in result.hashtags}:
                    result.hashtags.append(name)
                pieces.append(
                    f'<a href="{html.escape(tag_url(name.lower()))}" class="mention hashtag" rel="tag">'
                    f"#<span>{html.escape(name)}</span></a>"
                )
        pieces.append(html.escape(block[position:]))
        paragraphs.append("<p>" + "".join(pieces).replace("\n", "<br />") + "</p>")
    result.html = "".join(paragraphs)
    return result
