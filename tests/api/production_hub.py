"""Production settings for tests: every key from configuration, none of development's.

The identity provider is a key pair of its own with an issuer of its own, so a production
app under test trusts neither the hub's development key nor its development issuer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from neo4j import Driver
from pydantic import SecretStr

from api.app import create_app
from api.identity import mint_token
from config.settings import Environment, Settings
from devtools import demo_city
from protection.chain import generate_signing_key, private_key_pem
from protection.envelope_keys import generate_kek_base64
from tests.api.client import Hub

IDENTITY_PROVIDER_ISSUER = "https://login.example-council.gov.uk/realms/safeguarding"


@dataclass(frozen=True)
class IdentityProvider:
    private_pem: bytes
    settings: Settings

    def bearer(self, professional_id: str) -> dict[str, str]:
        token = mint_token(
            self.private_pem, subject=professional_id, issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience, lifetime_seconds=600,
        )
        return {"authorization": f"Bearer {token}"}


def production(settings: Settings, keys: Path) -> IdentityProvider:
    """Production with its own identity provider's public key, audit signing key and KEK;
    the settings are the identity provider's `settings`."""
    idp_key = Ed25519PrivateKey.generate()
    (keys / "idp.pub.pem").write_bytes(
        idp_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (keys / "audit.pem").write_bytes(private_key_pem(generate_signing_key()))
    production_settings = settings.model_copy(update={
        "environment": Environment.PRODUCTION,
        "jwt_issuer": IDENTITY_PROVIDER_ISSUER,
        "jwt_public_key_files": [keys / "idp.pub.pem"],
        "audit_signing_key_file": keys / "audit.pem",
        "kek_base64": SecretStr(generate_kek_base64()),
    })
    private_pem = idp_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return IdentityProvider(private_pem, production_settings)


@contextmanager
def seeded_production_hub(driver: Driver, settings: Settings, keys: Path) -> Iterator[Hub]:
    """The demo city (`driver` is `demo_city_db`) served in production, its client signed in as
    a MASH social worker."""
    provider = production(settings, keys)
    with TestClient(create_app(provider.settings, driver=driver)) as client:
        client.headers.update(provider.bearer(demo_city.MASH_SOCIAL_WORKER_ID))
        yield Hub(client, provider.settings)
