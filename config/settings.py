"""One settings class, read from HUB_* environment variables (and an optional .env file).

The same names are used by docker-compose.yml, the local runner and the README, so a
deployment is configured the same way wherever it runs.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.driver import ACQUISITION_TIMEOUT_SECONDS, CONNECTION_TIMEOUT_SECONDS, TRANSACTION_RETRY_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = (IPv4Network("127.0.0.0/8"), IPv6Network("::1/128"))


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

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
    neo4j_cache_dir: Path = PROJECT_ROOT / ".cache" / "neo4j"
    neo4j_home: Path = PROJECT_ROOT / ".cache" / "neo4j" / "instances" / "local"
    # Sized for a 2-core, 24 GB machine: room for the API, tests and a county-scale graph.
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "4g"
    neo4j_start_timeout_seconds: float = Field(default=120.0, gt=0)

    # Identity: bearer JWTs signed with an asymmetric key. In development the hub makes its
    # own signing key under dev_keys_dir and trusts it; in production list the issuer's
    # public keys (PEM files) or a JWKS URL.
    jwt_issuer: str = "https://hub.local/dev"
    jwt_audience: str = "safeguarding-hub"
    jwt_public_key_files: list[Path] = Field(default_factory=list)
    jwt_jwks_url: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    dev_keys_dir: Path = PROJECT_ROOT / ".cache" / "keys"

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

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"

    # /metrics answers only these scrapers (addresses or networks); anyone else gets the
    # 404 of an unknown path. With a token set, a scraper must also send it as a bearer.
    metrics_allowed_clients: list[IPvAnyNetwork] = Field(default_factory=lambda: list(LOOPBACK_NETWORKS))
    metrics_token: SecretStr | None = None

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
