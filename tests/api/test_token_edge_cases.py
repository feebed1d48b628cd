"""Tokens whose header or times the verifier could not handle are refused with 401, not a 500.

Each token is put together by hand, segment by segment, and signed with the real dev key,
so the signature is good and only the odd header field or claim is left to refuse it (an
"invalid claim" is only ever found once the signature has been checked).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.identity import ensure_dev_keypair
from config.settings import Settings
from devtools import demo_city

ME = "query { me { professionalId } }"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(settings: Settings, header: dict[str, Any], **claim_changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": demo_city.MASH_SOCIAL_WORKER_ID, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": now, "nbf": now, "exp": now + 600,
    }
    claims.update(claim_changes)
    encoded_header = _b64(json.dumps({"alg": "EdDSA", "typ": "JWT", **header}).encode())
    signing_input = f"{encoded_header}.{_b64(json.dumps(claims).encode())}"
    private_key = serialization.load_pem_private_key(ensure_dev_keypair(settings.dev_keys_dir)[0], password=None)
    assert isinstance(private_key, Ed25519PrivateKey)
    return f"{signing_input}.{_b64(private_key.sign(signing_input.encode()))}"


@pytest.fixture
def client(demo_city_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, driver=demo_city_db), raise_server_exceptions=False) as test_client:
        yield test_client


def ask(client: TestClient, token: str) -> Any:
    return client.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})


class TestOddHeaders:
    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            ({"crit": ["exp"]}, "unsupported critical header"),
            ({"crit": ["urn:example:unknown"], "urn:example:unknown": True}, "unsupported critical header"),
            ({"crit": "exp"}, "unsupported critical header"),
            ({"kid": 7}, "malformed"),
            ({"kid": {"nested": "key"}}, "malformed"),
            ({"kid": None}, "malformed"),
        ],
        ids=["crit naming a registered claim", "crit naming an extension", "crit not a list",
             "kid a number", "kid an object", "kid null"],
    )
    def test_are_401_with_a_reason(
        self, client: TestClient, test_settings: Settings, header: dict[str, Any], reason: str
    ) -> None:
        response = ask(client, signed(test_settings, header))

        assert response.status_code == 401
        assert response.json()["reason"] == reason
        assert "data" not in response.json()


class TestTimesNoDateCanHold:
    @pytest.mark.parametrize(
        "claims",
        [{"exp": 1e20}, {"exp": 10**12}, {"iat": -1e20}, {"iat": -(10**12)}],
        ids=["exp 1e20", "exp in the year 33658", "iat -1e20", "iat before year 1"],
    )
    def test_are_401_with_a_reason(self, client: TestClient, test_settings: Settings, claims: dict[str, Any]) -> None:
        response = ask(client, signed(test_settings, {}, **claims))

        assert response.status_code == 401
        assert response.json()["reason"] == "invalid claim"
        assert "data" not in response.json()

    def test_a_boolean_is_not_a_time(self, client: TestClient, test_settings: Settings) -> None:
        # JSON true is an integer to Python, and 1 to PyJWT: a token "issued" in 1970.
        response = ask(client, signed(test_settings, {}, iat=True))

        assert response.status_code == 401
        assert response.json()["reason"] == "invalid claim"
