"""HTTP signatures as Mastodon uses them (draft-cavage-http-signatures-12, rsa-sha256).

Everything here is a pure function of its inputs; fetching keys is the caller's job
(see federation.verification).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from federation.errors import SignatureError
from federation.keys import load_private_key, load_public_key

# Mastodon refuses signatures whose Date is more than 12 hours old, or more than an hour
# in the future (app/controllers/concerns/signature_verification.rb).
DEFAULT_MAX_AGE = 12 * 3600
CLOCK_SKEW = 3600

# Most parameters are quoted strings; created and expires are bare integers. The quoted form
# is `(?:[^"\\]|\\.)*` unrolled (the same matches): one alternation per character made this
# the slowest step of reading a header whose signature is 344 characters long.
_PARAM = re.compile(r'(\w+)=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]*))')


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: int | None = None

    def pseudo_headers(self) -> dict[str, str]:
        """Values of the (created) and (expires) pseudo-headers, signed like headers."""
        values = {"(created)": self.created, "(expires)": self.expires}
        return {name: str(value) for name, value in values.items() if value is not None}


def body_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(now: datetime | None = None) -> str:
    return format_datetime(now or datetime.now(UTC), usegmt=True)


def signing_string(method: str, path: str, headers: Mapping[str, str], names: tuple[str, ...]) -> str:
    """The text that is signed. `headers` must be keyed by lower-case names."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            raise SignatureError(f"signed header {name!r} is missing from the request")
    return "\n".join(lines)


def sign(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
    digest: str | None = None,
) -> dict[str, str]:
    """Headers to add to a request so Mastodon accepts it: Host, Date, Digest (with a body), Signature.

    `digest`: the body's Digest when the caller already has it (one body, many inboxes).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"host": parts.netloc, "date": http_date(now)}
    names: tuple[str, ...] = ("(request-target)", "host", "date")
    if body is not None:
        headers["digest"] = digest or body_digest(body)
        names += ("digest",)
    text = signing_string(method, path, headers, names)
    key = load_private_key(private_key_pem)
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",signature="{signature}"'
    )
    return {
        "Host": headers["host"],
        "Date": headers["date"],
        **({"Digest": headers["digest"]} if "digest" in headers else {}),
        "Signature": headers["signature"],
    }


def parse_signature_header(value: str) -> SignatureParams:
    params = {k.lower(): quoted or bare for k, quoted, bare in _PARAM.findall(value)}
    if "keyid" not in params or "signature" not in params:
        raise SignatureError("Signature header lacks keyId or signature")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureError("signature is not valid base64") from exc
    algorithm = params.get("algorithm", "rsa-sha256").lower()
    # hs2019 means "look at the key"; with RSA keys it is rsa-sha256 in practice (Mastodon does the same).
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported signature algorithm {algorithm!r}")
    names = tuple(params.get("headers", "date").lower().split())
    times: dict[str, int] = {}
    for name in ("created", "expires"):
        if params.get(name):
            try:
                times[name] = int(float(params[name]))
            except ValueError as exc:
                raise SignatureError(f"{name} is not a Unix time") from exc
    return SignatureParams(params["keyid"], algorithm, names, signature, **times)


def signed_values(headers: Mapping[str, str], params: SignatureParams) -> dict[str, str]:
    """The request's (lower-cased) headers plus the signature's pseudo-headers, for signing_string."""
    return {**headers, **params.pseudo_headers()}


@functools.lru_cache(maxsize=256)
def _http_date(value: str) -> datetime:
    """The moment of a Date header. Requests signed in the same second share it, and email's
    parser was a fiftieth of accepting an activity: each value is parsed once."""
    date = parsedate_to_datetime(value)
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


def check_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    params: SignatureParams | None = None,
) -> tuple[SignatureParams, str]:
    """Check everything but the cryptography; returns the parameters and the string to verify.

    `headers` must be keyed by lower-case names; `path` includes the query string. `params`:
    the Signature header already parsed, if the caller has it.
    """
    value = headers.get("signature")
    if not value:
        raise SignatureError("request is not signed")
    if params is None:
        params = parse_signature_header(value)
    signed = set(params.headers)
    required = {"(request-target)", "host"}
    if method.upper() == "POST":
        # Mastodon: "Mastodon requires the Digest header to be signed when doing a POST request".
        required.add("digest")
    missing = required - signed
    if missing:
        raise SignatureError(f"signature does not cover {', '.join(sorted(missing))}")
    # As Mastodon: a signed Date or a signed (created) dates the request; an unsigned Date
    # proves nothing, since anyone on the way could have rewritten it.
    if not signed & {"date", "(created)"}:
        raise SignatureError("signature covers neither date nor (created)")
    now = now or datetime.now(UTC)
    if "date" in signed:
        try:
            date = _http_date(headers.get("date", ""))
        except (TypeError, ValueError) as exc:
            raise SignatureError("Date header is not an HTTP date") from exc
        _check_window((now - date).total_seconds(), max_age, "Date header")
    if "(created)" in signed:
        if params.created is None:
            raise SignatureError("signature covers (created) but has no created parameter")
        _check_window(now.timestamp() - params.created, max_age, "created")
    if "(expires)" in signed and params.expires is None:
        raise SignatureError("signature covers (expires) but has no expires parameter")
    if params.expires is not None and params.expires < now.timestamp():
        raise SignatureError("signature has expired")
    if method.upper() == "POST" or "digest" in params.headers:
        digest = headers.get("digest", "")
        expected = body_digest(body)
        offered = [d.strip() for d in digest.split(",")]
        sha256 = [d for d in offered if d.lower().startswith("sha-256=")]
        if not sha256:
            raise SignatureError("Digest header with SHA-256 is missing")
        if "SHA-256=" + sha256[0][8:] != expected:
            raise SignatureError("Digest does not match the body")
    return params, signing_string(method, path, signed_values(headers, params), params.headers)


def _check_window(age: float, max_age: int, what: str) -> None:
    if age > max_age or age < -CLOCK_SKEW:
        raise SignatureError(f"{what} is outside the accepted window")


def verify_signature(params: SignatureParams, text: str, public_key_pem: str) -> bool:
    try:
        load_public_key(public_key_pem).verify(params.signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
