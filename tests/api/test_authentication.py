"""Every request but /health and /metrics needs a valid bearer token; a bad one reads nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.identity import ensure_dev_keypair, mint_token
from config.settings import Settings
from devtools import demo_city
from tests.api.client import token_for
from tests.graph_state import fingerprint

ME = "query { me { professionalId agencyId roles } }"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": demo_city.POLICE_OFFICER_ID, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": now, "nbf": now, "exp": now + 600,
    }
    claims.update(changes)
    return claims


def _unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hmac_signed_with_public_key(settings: Settings, claims: dict[str, Any]) -> str:
    _, public_pem = ensure_dev_keypair(settings.dev_keys_dir)
    signing_input = (
        f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}."
        f"{_b64(json.dumps(claims).encode())}"
    )
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture
def client(demo_city_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, driver=demo_city_db)) as test_client:
        yield test_client


def _ask(client: TestClient, token: str | None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return client.post("/graphql", json={"query": ME}, headers=headers)


class TestValidToken:
    def test_maps_to_the_professional_the_graph_records(self, client: TestClient, test_settings: Settings) -> None:
        response = _ask(client, token_for(test_settings, demo_city.POLICE_OFFICER_ID))

        assert response.status_code == 200
        me = response.json()["data"]["me"]
        assert me == {"professionalId": demo_city.POLICE_OFFICER_ID, "agencyId": demo_city.POLICE_AGENCY_ID,
                      "roles": ["police_mash_officer"]}


class TestRefusedTokens:
    @pytest.mark.parametrize(
        ("case", "reason"),
        [
            ("missing", "bearer token is required"),
            ("alg_none", "unsupported algorithm"),
            ("hmac_with_public_key", "unsupported algorithm"),
            ("wrong_audience", "wrong audience"),
            ("wrong_issuer", "wrong issuer"),
            ("expired", "expired"),
            ("not_yet_valid", "not yet valid"),
            ("unknown_professional", "unknown professional"),
            ("other_key", "bad signature"),
            ("tampered", "bad signature"),
            ("garbage", "malformed"),
        ],
    )
    def test_gets_401_with_a_short_reason(
        self, client: TestClient, test_settings: Settings, tmp_path: Any, case: str, reason: str
    ) -> None:
        token = self._token(case, test_settings, tmp_path)

        response = _ask(client, token)

        assert response.status_code == 401
        assert reason in response.json()["reason"]
        assert "data" not in response.json()

    @staticmethod
    def _token(case: str, settings: Settings, tmp_path: Any) -> str | None:
        now = time.time()
        if case == "missing":
            return None
        if case == "alg_none":
            return _unsigned(_claims(settings))
        if case == "hmac_with_public_key":
            return _hmac_signed_with_public_key(settings, _claims(settings))
        if case == "wrong_audience":
            return token_for(settings, demo_city.POLICE_OFFICER_ID, audience="another-service")
        if case == "wrong_issuer":
            return token_for(settings, demo_city.POLICE_OFFICER_ID, issuer="https://elsewhere")
        if case == "expired":
            return token_for(settings, demo_city.POLICE_OFFICER_ID, now=now - 7200, lifetime_seconds=600)
        if case == "not_yet_valid":
            return token_for(settings, demo_city.POLICE_OFFICER_ID, now=now + 3600)
        if case == "unknown_professional":
            return token_for(settings, "pro-nobody")
        if case == "other_key":
            other_private, _ = ensure_dev_keypair(tmp_path / "other")
            return mint_token(other_private, subject=demo_city.POLICE_OFFICER_ID,
                              issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        if case == "tampered":
            header, payload, signature = token_for(settings, demo_city.POLICE_OFFICER_ID).split(".")
            claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
            claims["sub"] = demo_city.MASH_SOCIAL_WORKER_ID
            return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
        return "not.a.token"


class TestNothingBeforeAuthentication:
    """Authentication comes before parsing, validation and execution, so without a token a
    caller learns nothing of the schema, of the operation's faults or of the data."""

    @pytest.mark.parametrize(
        "query",
        [
            "query { noSuchField }",
            "query { familyNetwork(childId: \"person-001-06\", depth: 2) { childId } }",
            "query {",
            "mutation { recordConsent }",
        ],
        ids=["unknown field", "a real read", "unparseable", "invalid mutation"],
    )
    def test_any_operation_without_a_valid_token_is_401(self, client: TestClient, query: str) -> None:
        response = client.post("/graphql", json={"query": query})

        assert response.status_code == 401
        assert set(response.json()) == {"error", "reason", "request_id"}
        assert "noSuchField" not in response.text and "Syntax" not in response.text

    @pytest.mark.parametrize(
        "query",
        [
            "query { noSuchField }",
            "query { __typename }",
            "query { familyNetwork(childId: \"person-001-06\", depth: 2) { childId } }",
            "query { familyNetwork(childId: \"no-such-child\", depth: 2) { childId } }",
            "mutation { breakGlass(input: {childId: \"person-001-06\", reason: IMMEDIATE_RISK_OF_HARM, "
            "explanation: \"A child is at risk tonight and no manager answers\"}) { __typename } }",
        ],
        ids=["unknown field", "nothing read", "a real read", "an unknown child", "a write"],
    )
    def test_an_unknown_professional_is_refused_whatever_the_operation_and_nothing_is_read_or_written(
        self, client: TestClient, test_settings: Settings, graph_db: Driver, query: str
    ) -> None:
        before = fingerprint(graph_db)

        response = client.post(
            "/graphql", json={"query": query},
            headers={"authorization": f"Bearer {token_for(test_settings, 'pro-nobody')}"},
        )

        assert response.status_code == 401
        assert set(response.json()) == {"error", "reason", "request_id"}
        assert "unknown professional" in response.json()["reason"]
        assert fingerprint(graph_db) == before


class TestOpenEndpoints:
    def test_health_and_metrics_need_no_token(self, graph_db: Driver, test_settings: Settings) -> None:
        # /metrics is for allowed scrapers (loopback by default), not for a bearer token.
        with TestClient(create_app(test_settings, driver=graph_db), client=("127.0.0.1", 50000)) as local:
            assert local.get("/health").status_code == 200
            assert local.get("/metrics").status_code == 200
