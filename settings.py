"""Immutable node settings, read from FEDI_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# SQLite's durability levels (PRAGMA synchronous) that FEDI_SQLITE_SYNCHRONOUS may name.
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


class SettingsError(Exception):
    """A FEDI_* variable has a value the node cannot run with."""


def _domains(value: str) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in value.split(",") if d.strip())


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True)
class Settings:
    domain: str = "localhost:8000"
    scheme: str = "https"
    data_dir: Path = Path("./data")
    db_url: str = ""
    federation: str = "open"
    allowed_domains: frozenset[str] = field(default_factory=frozenset)
    blocked_domains: frozenset[str] = field(default_factory=frozenset)
    # Runs the delivery and inbox workers inside the web process (serve does; tests may not).
    run_workers: bool = True
    # Applies plain posts as the inbox stores them (inbox/on_arrival.py) rather than queueing them:
    # where this process also runs the worker. Web processes beside worker processes leave that
    # work to them (server.py turns it off), which spreads it over the processes.
    apply_on_arrival: bool = True
    # Only loopback tests turn this off: lets a node fetch from 127.0.0.1 without TLS checks.
    signature_max_age: int = 12 * 3600
    instance_title: str = "Flurfunk"
    max_toot_chars: int = 500
    # After five failed logins a user waits this long, doubling with each further failure (oauth/throttle.py).
    login_delay_seconds: float = 30.0
    # Company single sign-on (oauth/oidc.py): the OpenID Connect provider and this node's client there.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # The ID token / userinfo claim matched against user names, directory ids and e-mail addresses.
    oidc_claim: str = "preferred_username"
    oidc_name: str = "company login"  # "Sign in with <oidc_name>" on the login page
    # False: people log in only through the company's single sign-on, never with a local password.
    local_passwords: bool = True
    # Nodes whose people directories this node pulls and which may pull this one's (directory/exchange.py).
    # None: not configured, so the allowlist in allowlist mode and nobody in open federation.
    directory_peers: frozenset[str] | None = None
    # PRAGMA synchronous of a SQLite database (models/db.py says why NORMAL is the default).
    sqlite_synchronous: str = "NORMAL"

    def __post_init__(self) -> None:
        if self.scheme not in ("http", "https"):
            raise SettingsError(f"FEDI_SCHEME must be http or https, not {self.scheme!r}")
        if self.federation not in ("open", "allowlist"):
            raise SettingsError(f"FEDI_FEDERATION must be open or allowlist, not {self.federation!r}")
        if not self.domain or "/" in self.domain:
            raise SettingsError(f"FEDI_DOMAIN must be a host name with an optional port, not {self.domain!r}")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise SettingsError("FEDI_OIDC_ISSUER needs FEDI_OIDC_CLIENT_ID and FEDI_OIDC_CLIENT_SECRET")
        if self.sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            choices = ", ".join(SQLITE_SYNCHRONOUS)
            raise SettingsError(f"FEDI_SQLITE_SYNCHRONOUS must be one of {choices}, not {self.sqlite_synchronous!r}")
        if not self.local_passwords and not self.oidc_issuer:
            raise SettingsError("FEDI_LOCAL_PASSWORDS=false needs FEDI_OIDC_ISSUER: nobody could log in otherwise")

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def directory_peer_domains(self) -> frozenset[str]:
        if self.directory_peers is not None:
            return self.directory_peers
        return self.allowed_domains if self.federation == "allowlist" else frozenset()

    @property
    def database_url(self) -> str:
        url = self.db_url or f"sqlite://{(self.data_dir / 'flurfunk.sqlite3').resolve()}"
        if url.startswith("sqlite://") and "synchronous=" not in url:
            url += f"{'&' if '?' in url else '?'}synchronous={self.sqlite_synchronous}"
        return url

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "domain": env.get("FEDI_DOMAIN", "localhost:8000").strip().lower(),
            "scheme": env.get("FEDI_SCHEME", "https").strip().lower(),
            "data_dir": Path(env.get("FEDI_DATA_DIR", "./data")),
            "db_url": env.get("FEDI_DB", ""),
            "federation": env.get("FEDI_FEDERATION", "open").strip().lower(),
            "allowed_domains": _domains(env.get("FEDI_ALLOWED_DOMAINS", "")),
            "blocked_domains": _domains(env.get("FEDI_BLOCKED_DOMAINS", "")),
            "oidc_issuer": env.get("FEDI_OIDC_ISSUER", "").strip(),
            "oidc_client_id": env.get("FEDI_OIDC_CLIENT_ID", "").strip(),
            "oidc_client_secret": env.get("FEDI_OIDC_CLIENT_SECRET", "").strip(),
            "oidc_claim": env.get("FEDI_OIDC_CLAIM", "").strip() or "preferred_username",
            "oidc_name": env.get("FEDI_OIDC_NAME", "").strip() or "company login",
            "sqlite_synchronous": env.get("FEDI_SQLITE_SYNCHRONOUS", "").strip().upper() or "NORMAL",
        }
        if "FEDI_LOCAL_PASSWORDS" in env:
            values["local_passwords"] = _flag("FEDI_LOCAL_PASSWORDS", env["FEDI_LOCAL_PASSWORDS"])
        if "FEDI_DIRECTORY_PEERS" in env:
            values["directory_peers"] = _domains(env["FEDI_DIRECTORY_PEERS"])
        if "FEDI_LOGIN_DELAY" in env:
            try:
                values["login_delay_seconds"] = float(env["FEDI_LOGIN_DELAY"])
            except ValueError:
                delay = env["FEDI_LOGIN_DELAY"]
                raise SettingsError(f"FEDI_LOGIN_DELAY must be a number of seconds, not {delay!r}") from None
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
