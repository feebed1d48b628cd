"""One settings class, read from HUB_* environment variables (and an optional .env file).

The same names are used by docker-compose.yml, the local runner and the README, so a
deployment is configured the same way wherever it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from graph.driver import ACQUISITION_TIMEOUT_SECONDS, CONNECTION_TIMEOUT_SECONDS, TRANSACTION_RETRY_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What the hub makes for itself in development (keys, the local Neo4j): a source checkout
# keeps it in its own .cache; an installed hub under the folder it runs in, never beside its
# code in site-packages, which is not its to write (and in the image is not writable).
SOURCE_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
STATE_DIR = PROJECT_ROOT / ".cache" if SOURCE_CHECKOUT else Path(".hub")
LOOPBACK_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = (IPv4Network("127.0.0.0/8"), IPv6Network("::1/128"))


class SecretFileError(ValueError):
    """A secret's `HUB_<NAME>_FILE` cannot be used; the message names the variable, never the content."""


def _is_secret(field: FieldInfo) -> bool:
    return field.annotation is SecretStr or SecretStr in get_args(field.annotation)


class SecretFiles(PydanticBaseSettingsSource):
    """`HUB_<NAME>_FILE` for every secret setting (each `SecretStr` field): the secret is read
    from the file the variable names, as Docker and Kubernetes mount secrets, so it need never
    sit in the environment, where `docker inspect` and every child process can read it.

    Giving a secret both ways is refused rather than one quietly preferred.
    """

    def __init__(self, settings_cls: type[BaseSettings], sources: tuple[EnvSettingsSource, ...]) -> None:
        super().__init__(settings_cls)
        self._sources = sources

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ reads every secret at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            if not _is_secret(field):
                continue
            variable = f"HUB_{name.upper()}_FILE"
            path = self._first(f"hub_{name}_file")
            if path is None:
                continue
            if self._first(f"hub_{name}") is not None:
                raise SecretFileError(f"set HUB_{name.upper()} or {variable}, not both")
            values[name] = _read_secret(variable, Path(path))
        return values

    def _first(self, variable: str) -> str | None:
        for source in self._sources:
            value = _lookup(source.env_vars, variable)
            if value:
                return value
        return None


def _lookup(env_vars: Mapping[str, str | None], variable: str) -> str | None:
    # Variables are matched without regard to case, as the other HUB_* settings are.
    return env_vars.get(variable) or env_vars.get(variable.upper())


def _read_secret(variable: str, path: Path) -> str:
    try:
        # The newline `echo secret > file` leaves is not part of the secret.
        secret = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise SecretFileError(f"{variable} names {path}, which cannot be read ({type(error).__name__})") from error
    if not secret:
        raise SecretFileError(f"{variable} names {path}, which is empty")
    return secret


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SubjectClaim(StrEnum):
    """The token claim that names the professional: `sub` is their id in the graph; any other is
    matched to the professional's `external_id` (services/principal.py)."""

    SUB = "sub"
    OID = "oid"
    PREFERRED_USERNAME = "preferred_username"
    EMAIL = "email"


DEVELOPMENT_ISSUER = "https://hub.local/dev"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environment = tuple(
            source for source in (env_settings, dotenv_settings) if isinstance(source, EnvSettingsSource)
        )
        secret_files = SecretFiles(settings_cls, environment)
        return init_settings, env_settings, secret_files, dotenv_settings, file_secret_settings

    environment: Environment = Environment.DEVELOPMENT

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("hub-dev-password")
    neo4j_database: str = "neo4j"
    # How long a request waits on an unreachable Neo4j before it answers 503: opening a
    # connection, getting one from the pool, and retrying a failed transaction.
    neo4j_connection_timeout_seconds: float = Field(default=CONNECTION_TIMEOUT_SECONDS, gt=0, le=60)
    neo4j_acquisition_timeout_seconds: float = Field(default=ACQUISITION_TIMEOUT_SECONDS, gt=0, le=120)
    neo4j_transaction_retry_seconds: float = Field(default=TRANSACTION_RETRY_SECONDS, ge=0, le=120)
    # /health answers within this however Neo4j is (a load balancer's probe must not hang),
    # and repeats a probe's answer for this long so frequent probes cost Neo4j one query.
    health_timeout_seconds: float = Field(default=1.5, gt=0, le=30)
    health_cache_seconds: float = Field(default=1.0, ge=0, le=60)

    # The local runner: where Neo4j Community is cached and where its instance lives.
    neo4j_version: str = "5.26.30"
    neo4j_cache_dir: Path = STATE_DIR / "neo4j"
    neo4j_home: Path = STATE_DIR / "neo4j" / "instances" / "local"
    # Sized for a 2-core, 24 GB machine: room for the API, tests and a county-scale graph.
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "4g"
    neo4j_start_timeout_seconds: float = Field(default=120.0, gt=0)

    # Identity: bearer JWTs signed with an asymmetric key. In development the hub makes its
    # own signing key under dev_keys_dir and trusts it; in production list the issuer's
    # public keys (PEM files) or a JWKS URL.
    jwt_issuer: str = DEVELOPMENT_ISSUER
    jwt_audience: str = "safeguarding-hub"
    jwt_public_key_files: list[Path] = Field(default_factory=list)
    jwt_jwks_url: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # Which claim names the professional, for the API's tokens and the pages' ID tokens alike.
    jwt_subject_claim: SubjectClaim = SubjectClaim.SUB
    # Where the keys are when no JWKS URL is set: read from <issuer>/.well-known/openid-configuration.
    # Unset, discovery is on for an https issuer other than the development one when no key
    # files are listed either.
    jwt_discovery: bool | None = None
    # How long the JWKS is trusted before it is read again (a key the provider removed is refused
    # after this), and how often at most a token with a key id not in it has it read again early
    # (how a rotated key is picked up, without a flood of made-up key ids reaching the provider).
    jwt_jwks_cache_seconds: float = Field(default=300.0, gt=0, le=24 * 3600)
    jwt_jwks_refetch_seconds: float = Field(default=10.0, ge=0, le=3600)
    dev_keys_dir: Path = STATE_DIR / "keys"

    # The audit chain's checkpoint signing key (Ed25519 PEM). In development the hub makes
    # one under dev_keys_dir; in production it must be given.
    audit_signing_key_file: Path | None = None
    audit_checkpoint_every: int = Field(default=1000, ge=1)
    audit_checkpoint_seconds: float = Field(default=300.0, gt=0)
    # Every checkpoint is also appended to this file, outside the database, for the offline
    # verifier to compare an export with (`--checkpoint-log`). Put it where the database's
    # operators cannot rewrite it: append-only storage, another host's mount.
    audit_checkpoint_log: Path | None = None

    # Field encryption: the key-encryption key (base64 of 32 bytes) that wraps every data
    # key, from a file or the environment; retired KEKs still unwrap during a rotation. In
    # development the hub makes one under dev_keys_dir; in production it must be given.
    kek_file: Path | None = None
    kek_base64: SecretStr | None = None
    retired_kek_files: list[Path] = Field(default_factory=list)

    # Consent override: how long an approval lasts.
    override_valid_hours: int = Field(default=72, ge=1, le=24 * 14)
    # How long break glass gives a professional access to one child.
    break_glass_hours: int = Field(default=8, ge=1, le=24)
    # The largest request the API reads: a GraphQL body (1 MiB holds any operation the hub
    # takes, free text included) and all of its headers together.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_request_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)

    # The front door: when a contact's decision is due, by urgency.
    contact_due_red_hours: int = Field(default=4, ge=1, le=72)
    contact_due_amber_hours: int = Field(default=24, ge=1, le=24 * 7)
    contact_due_green_working_days: int = Field(default=3, ge=1, le=20)
    # How far back a contact's receivedAt may be: older is taken for a typing or import error.
    contact_received_window_days: int = Field(default=365, ge=1, le=3650)

    # The pages (web/): a browser's session is a cookie sealed with this key (a Fernet key:
    # base64 of 32 bytes, in a file). In development the hub makes one under dev_keys_dir; in
    # production browser sign-in needs it. A session ends after this long without a request,
    # and after the absolute limit however busy it is.
    web_session_key_file: Path | None = None
    web_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    web_session_absolute_hours: int = Field(default=10, ge=1, le=24)
    # Browser sign-in with OpenID Connect (authorization code flow with PKCE) at the identity
    # provider that issues the API's tokens (HUB_JWT_ISSUER; its metadata is read from
    # <issuer>/.well-known/openid-configuration). The ID token names the professional by the
    # claim a bearer token does (jwt_subject_claim). Off until a client id is set.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # Where the provider sends the browser back: this hub's /sign-in/callback as the browser reaches it.
    oidc_redirect_url: str | None = None
    oidc_scopes: str = "openid profile"

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"

    # /metrics answers only these scrapers (addresses or networks); anyone else gets the
    # 404 of an unknown path. With a token set, a scraper must also send it as a bearer.
    metrics_allowed_clients: list[IPvAnyNetwork] = Field(default_factory=lambda: list(LOOPBACK_NETWORKS))
    metrics_token: SecretStr | None = None

    # OpenTelemetry tracing, off unless a collector is named: each request a span, each Neo4j
    # transaction a child of it, sent over OTLP/HTTP (e.g. http://collector:4318/v1/traces).
    # The headers are the collector's credentials, as `name=value,name=value`.
    otlp_traces_endpoint: str | None = None
    otlp_headers: SecretStr | None = None
    tracing_service_name: str = "safeguarding-hub"
    tracing_sample_ratio: float = Field(default=1.0, ge=0, le=1)

    # Production refuses plain bolt:// to any host but this machine's, which would carry
    # the password and every query unencrypted, unless this says the network is trusted.
    neo4j_allow_unencrypted_remote: bool = False

    # How many generated operations the schema fuzz test (tests/api/test_schema_fuzz.py)
    # sends, each as one of the demo city's roles: bounded for CI; 2000 or more for a long run.
    fuzz_examples: int = Field(default=200, ge=1)

    @property
    def neo4j_bolt_port(self) -> int:
        port = urlsplit(self.neo4j_uri).port
        return port if port is not None else 7687

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def jwt_discovers_keys(self) -> bool:
        """Whether the API finds the provider's JWKS through OpenID Connect discovery from its issuer."""
        if self.jwt_jwks_url:
            return False
        if self.jwt_discovery is not None:
            return self.jwt_discovery
        return (
            not self.jwt_public_key_files and self.jwt_issuer.startswith("https://")
            and self.jwt_issuer != DEVELOPMENT_ISSUER
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
