"""Sanitising HTML from other nodes and users, to the subset Mastodon keeps."""

from __future__ import annotations

import html
import re

import nh3

_TAGS = {
    "p",
    "br",
    "span",
    "a",
    "del",
    "s",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "sup",
    "sub",
}
_ATTRIBUTES = {
    "a": {"href", "class", "translate", "title"},
    "span": {"class", "translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
_CLASSES = re.compile(r"^(h-\S+|p-\S+|u-\S+|dt-\S+|e-\S+|mention|hashtag|ellipsis|invisible)$")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "class":
        kept = " ".join(c for c in value.split() if _CLASSES.match(c))
        return kept or None
    return value


# Configured once: nh3.clean builds the same cleaner from its arguments on every call, which
# was most of its 12 µs for a short post (every received post passes through here).
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "xmpp", "matrix"},
    link_rel="nofollow noopener noreferrer",
    attribute_filter=_filter_attribute,
)


def sanitize(markup: str) -> str:
    """Remote or user-supplied HTML made safe to store and show (scripts, styles, handlers gone)."""
    return _CLEANER.clean(markup)


def to_plain_text(markup: str) -> str:
    """Rough plain text of an HTML fragment (for previews, search and the source of remote posts)."""
    text = re.sub(r"<br\s*/?>", "\n", markup)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return html.unescape(nh3.clean(text, tags=set())).strip()
