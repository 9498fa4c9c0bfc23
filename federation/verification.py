"""Verifying signed requests from other nodes: the pure checks plus the key lookup they need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from core.lru import LRU
from federation.errors import FetchError, SignatureError
from federation.signatures import SignatureParams, check_request, signed_values, signing_string, verify_signature


@dataclass(frozen=True)
class SignedBy:
    """Whom a verified request came from."""

    key_id: str
    actor_uri: str


@dataclass(frozen=True)
class PublicKey:
    owner_uri: str
    pem: str


class KeyCache(LRU[str, PublicKey]):
    """The owners and keys of recently verified key ids, newest used last, at most `size` of them.

    Every signed request needs its key: from memory it costs no query. A cached key that no
    longer verifies is looked up again (refresh), as after a key rotation, and replaced. Each
    node has its own (Node.keys), as it mirrors the keys in that node's database.
    """

    def __init__(self, size: int = 10_000) -> None:
        super().__init__(size)


KeyLookup = Callable[[str, bool], Awaitable[PublicKey]]


async def verify_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup_key: KeyLookup,
    now: datetime | None = None,
    max_age: int | None = None,
    params: SignatureParams | None = None,
) -> SignedBy:
    """Raise SignatureError unless the request carries a valid signature.

    `lookup_key(key_id, refresh)` returns the key; on a failed check it is asked once more
    with refresh=True, because the sender may have rotated its key since we cached it.
    `params`: the request's Signature header, if the caller parsed it already.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    kwargs = {"max_age": max_age} if max_age else {}
    params, text = check_request(method, path, lowered, body, now=now, params=params, **kwargs)
    texts = [text]
    if "?" in path and "(request-target)" in params.headers:
        # Some servers sign the path without its query string; Mastodon accepts that too
        # (SignatureVerification's "compatibility quirk"), so try both.
        texts.append(signing_string(method, path.split("?", 1)[0], signed_values(lowered, params), params.headers))
    try:
        key = await lookup_key(params.key_id, False)
        if not _verifies(params, texts, key.pem):
            key = await lookup_key(params.key_id, True)
            if not _verifies(params, texts, key.pem):
                raise SignatureError("signature does not verify")
    except FetchError as exc:
        raise SignatureError(f"the signing key could not be fetched: {exc}") from exc
    return SignedBy(params.key_id, key.owner_uri)


def _verifies(params: SignatureParams, texts: list[str], pem: str) -> bool:
    return any(verify_signature(params, text, pem) for text in texts)
