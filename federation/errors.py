from __future__ import annotations


class FederationError(Exception):
    """Something another node sent or served could not be used."""


class SignatureError(FederationError):
    """A request's HTTP signature is missing, malformed, stale or wrong."""


class DomainNotAllowed(FederationError):
    """The domain policy forbids talking to this domain."""


class FetchError(FederationError):
    """A remote document could not be fetched or is not what was asked for."""
