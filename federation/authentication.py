"""Who signed a request: the verified remote (or local) actor behind an HTTP signature."""

from __future__ import annotations

from collections.abc import Mapping

from federation.actors import account_for_key
from federation.errors import SignatureError
from federation.signatures import SignatureParams, parse_signature_header
from federation.verification import PublicKey, SignedBy, verify_request
from models.accounts import Account
from node import Node


def signature_of(headers: Mapping[str, str]) -> SignatureParams | None:
    """The request's Signature header parsed, or None when it has none or one that does not parse."""
    value = headers.get("signature")
    if not value:
        return None
    try:
        return parse_signature_header(value)
    except SignatureError:
        return None


def key_id_of(headers: Mapping[str, str]) -> str | None:
    params = signature_of(headers)
    return params.key_id if params is not None else None


async def verify_signed_request(
    node: Node,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    params: SignatureParams | None = None,
) -> SignedBy:
    """Raise SignatureError unless the request is validly signed by an actor this node can fetch.

    `params`: its Signature header, if the caller parsed it already (`signature_of`).
    """

    async def lookup(key_id: str, refresh: bool) -> PublicKey:
        if not node.policy.allows_url(key_id):
            raise SignatureError("the signing key is on a domain this node does not federate with")
        cache = node.keys
        if not refresh and (cached := cache.get(key_id)) is not None:
            return cached
        account = await account_for_key(node, key_id, refresh)
        key = PublicKey(account.uri, account.public_key_pem)
        cache.put(key_id, key)
        return key

    max_age = node.settings.signature_max_age
    return await verify_request(method, path, headers, body, lookup, max_age=max_age, params=params)


async def signed_actor(node: Node, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Account:
    signed_by = await verify_signed_request(node, method, path, headers, body)
    account = await Account.get_or_none(uri=signed_by.actor_uri)
    if account is None:
        raise SignatureError("the signing actor is unknown")
    return account
