"""Bearer tokens as councils' identity providers issue them, against a provider served beside the hub.

The provider is a real HTTP server on 127.0.0.1 publishing a JWKS (and, for Keycloak, its OpenID
Connect discovery document) made from real RSA and EC keys; every token is signed with them and
sent through the whole app. The server counts what it is asked, so a test can say how often the
hub read the keys.

- Entra ID (v2.0 access tokens): issuer https://login.microsoftonline.com/<tenant>/v2.0, the user
  named by `oid` (HUB_JWT_SUBJECT_CLAIM=oid), `nbf` present or not, the JWKS URL configured.
- Keycloak (access tokens): issuer http://<host>/realms/<realm>, found by discovery, `sub` a UUID,
  the user named by `preferred_username`, no `nbf`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from neo4j import Driver

from api.app import create_app
from api.auth import IdentityProviderUnusable, build_verifier
from api.identity import InvalidToken, TokenProblem
from config.settings import DEVELOPMENT_ISSUER, Settings, SubjectClaim
from devtools import demo_city
from graph.model import GraphBatch
from graph.writes import write_batch
from tests.api.query_counter import CountingDriver

ME = "query { me { professionalId agencyId } }"
NETWORK_OF_THE_DEMO_FAMILY = (
    f'query {{ familyNetwork(childId: "{demo_city.DEMO_FAMILY_CHILD_ID}", depth: 2) {{ access {{ basis }} }} }}'
)

TENANT = "8c7f3e2a-5d41-4b9a-a6f0-1e2d3c4b5a69"
ENTRA_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
# An Entra access token's audience is the API's application (client) id.
ENTRA_AUDIENCE = "5a0e7d3c-9b18-4f62-8e4d-7c1b2a3f6e90"
# The officer's object id in the council's tenant, stored as their external id.
OFFICER_OID = "0f4c9b7e-2a61-4d38-b5e7-93a1c6d2f480"

REALM = "fenbridge"
KEYCLOAK_AUDIENCE = "safeguarding-hub"
OFFICER_USERNAME = "rob.whitfield"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @property
    def algorithm(self) -> str:
        return "RS256" if isinstance(self.private, rsa.RSAPrivateKey) else "ES256"

    def jwk(self) -> dict[str, Any]:
        if isinstance(self.private, rsa.RSAPrivateKey):
            public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            public = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return public | {"kid": self.kid, "use": "sig", "alg": self.algorithm}

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.algorithm, headers={"kid": kid or self.kid, "typ": "JWT"}
        )


@cache
def _rsa_key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, _rsa_key(kid))


def ec_key(kid: str) -> SigningKey:
    return SigningKey(kid, ec.generate_private_key(ec.SECP256R1()))


@dataclass
class Provider:
    """What the local identity provider publishes, changed by the test as it runs."""

    base_url: str
    jwks_path: str
    keys: list[dict[str, Any]] = field(default_factory=list)
    discovery: dict[str, dict[str, Any]] = field(default_factory=dict)
    asked: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def jwks_url(self) -> str:
        return self.base_url + self.jwks_path

    def publish(self, *keys: SigningKey, extra: tuple[dict[str, Any], ...] = ()) -> None:
        with self.lock:
            self.keys = [key.jwk() for key in keys] + list(extra)

    def jwks_reads(self) -> int:
        with self.lock:
            return self.asked[self.jwks_path]

    def answer(self, path: str) -> dict[str, Any] | None:
        with self.lock:
            self.asked[path] += 1
            if path == self.jwks_path:
                return {"keys": list(self.keys)}
            return self.discovery.get(path)


@pytest.fixture
def provider() -> Iterator[Provider]:
    published: list[Provider] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = published[0].answer(self.path)
            encoded = json.dumps(body).encode() if body is not None else b"{}"
            self.send_response(200 if body is not None else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    published.append(Provider(f"http://127.0.0.1:{server.server_port}", "/keys"))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield published[0]
    finally:
        server.shutdown()
        server.server_close()


@cache
def _demo_professionals() -> dict[str, Any]:
    return {professional.id: professional for professional in demo_city.demo_city().professionals}


def give_external_id(driver: Driver, professional_id: str, external_id: str) -> None:
    """As a council's load of its professionals records the name its identity provider uses."""
    professional = replace(_demo_professionals()[professional_id], external_id=external_id)
    write_batch(driver, GraphBatch(professionals=[professional]), database="neo4j")


def ask(client: TestClient, token: str) -> Any:
    return client.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})


def refusal(response: Any) -> tuple[int, str, str, str | None]:
    """All a caller learns from a refusal (the request id aside)."""
    body = response.json()
    assert set(body) == {"error", "reason", "request_id"}
    return response.status_code, body["error"], body["reason"], response.headers.get("www-authenticate")


# Entra ID


def entra_settings(test_settings: Settings, provider: Provider, **changes: Any) -> Settings:
    return test_settings.model_copy(update={
        "jwt_issuer": ENTRA_ISSUER, "jwt_audience": ENTRA_AUDIENCE, "jwt_subject_claim": SubjectClaim.OID,
        # As Entra publishes them: https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys.
        "jwt_jwks_url": provider.jwks_url,
    } | changes)


def entra_claims(oid: str, *, nbf: bool = False, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": ENTRA_AUDIENCE, "iss": ENTRA_ISSUER, "iat": now - 5, "exp": now + 3600,
        "aio": "AWQAm/8ZAAAAq1fFhWx0", "azp": "c0d5e8a1-6b27-4f3e-9a12-b4e7d9c3f815", "azpacr": "0",
        "name": "Rob Whitfield", "oid": oid, "preferred_username": "rob.whitfield@fenbridge.police.uk",
        "rh": "1.AR8AKj5_jEFdmkum8B4tPEtaaQ", "roles": ["Hub.Reader"], "scp": "access_as_user",
        # Entra's sub is pairwise, per application: it names nobody in the hub.
        "sub": "Xq3vJ1mU8wTzA2cE5gH7kL9nP0rS4uW6yB", "tid": TENANT, "uti": "Gx2sN0aY1k6FzC3r7QeLAA",
        "ver": "2.0",
    }
    if nbf:
        claims["nbf"] = now - 5
    return claims | changes


class TestEntraId:
    @pytest.mark.parametrize("nbf", [False, True], ids=["without nbf", "with nbf"])
    def test_a_token_named_by_oid_is_the_professional_with_that_external_id(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider, nbf: bool
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)

        with TestClient(create_app(entra_settings(test_settings, provider), driver=demo_city_db)) as client:
            response = ask(client, key.sign(entra_claims(OFFICER_OID, nbf=nbf)))

        assert response.status_code == 200, response.text
        assert response.json()["data"]["me"] == {
            "professionalId": demo_city.POLICE_OFFICER_ID, "agencyId": demo_city.POLICE_AGENCY_ID,
        }

    def test_an_oid_given_to_another_professional_names_them_on_the_next_family_network_read(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        # The process remembers whom the oid named and the network query confirms it: once the
        # council's load gives the oid to someone else, the next read must be theirs.
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        token = key.sign(entra_claims(OFFICER_OID))

        with TestClient(create_app(entra_settings(test_settings, provider), driver=demo_city_db)) as client:
            as_officer = client.post(
                "/graphql", json={"query": NETWORK_OF_THE_DEMO_FAMILY}, headers={"authorization": f"Bearer {token}"},
            ).json()
            give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, "another-oid")
            give_external_id(demo_city_db, demo_city.MASH_SOCIAL_WORKER_ID, OFFICER_OID)
            as_social_worker = client.post(
                "/graphql", json={"query": NETWORK_OF_THE_DEMO_FAMILY}, headers={"authorization": f"Bearer {token}"},
            ).json()

        assert as_officer["data"]["familyNetwork"]["access"]["basis"] != "OWN_AGENCY"
        assert as_social_worker["data"]["familyNetwork"]["access"]["basis"] == "OWN_AGENCY"

    def test_with_oid_configured_a_sub_naming_a_professional_id_names_nobody(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        claims = entra_claims(str(uuid.uuid4()), sub=demo_city.POLICE_OFFICER_ID)

        with TestClient(create_app(entra_settings(test_settings, provider), driver=demo_city_db)) as client:
            response = ask(client, key.sign(claims))

        assert refusal(response) == (401, "unauthenticated", "unknown professional", "Bearer")

    @pytest.mark.parametrize(
        ("changes", "reason"),
        [
            ({"oid": None}, "missing claim"),
            ({"nbf": int(time.time()) + 3600}, "not yet valid"),
            ({"exp": None}, "missing claim"),
            ({"iat": None}, "missing claim"),
            ({"aud": "00000003-0000-0000-c000-000000000000"}, "wrong audience"),
            ({"iss": "https://login.microsoftonline.com/another-tenant/v2.0"}, "wrong issuer"),
        ],
        ids=["no oid", "nbf ahead", "no exp", "no iat", "a token for Microsoft Graph", "another tenant"],
    )
    def test_a_refused_token_gets_the_401_and_reason_any_refusal_gets(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider, changes: dict[str, Any], reason: str,
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        claims = {name: value for name, value in (entra_claims(OFFICER_OID) | changes).items() if value is not None}

        with TestClient(create_app(entra_settings(test_settings, provider), driver=demo_city_db)) as client:
            response = ask(client, key.sign(claims))

        assert refusal(response) == (401, "unauthenticated", reason, "Bearer")

    def test_the_callers_lookup_by_external_id_is_one_query(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        counter = CountingDriver(demo_city_db)
        app = create_app(entra_settings(test_settings, provider), driver=cast(Driver, counter))

        with TestClient(app) as client:
            counter.sent.clear()
            response = client.post(
                "/graphql", json={"query": "query { __typename }"},
                headers={"authorization": f"Bearer {key.sign(entra_claims(OFFICER_OID))}"},
            )

        assert response.status_code == 200, response.text
        [lookup] = counter.sent
        assert "external_id: $external_id" in lookup


# Keycloak


def keycloak_issuer(provider: Provider) -> str:
    return f"{provider.base_url}/realms/{REALM}"


def serve_keycloak_discovery(provider: Provider, *, issuer: str | None = None) -> None:
    realm = keycloak_issuer(provider)
    provider.jwks_path = f"/realms/{REALM}/protocol/openid-connect/certs"
    provider.discovery[f"/realms/{REALM}/.well-known/openid-configuration"] = {
        "issuer": issuer or realm,
        "authorization_endpoint": f"{realm}/protocol/openid-connect/auth",
        "token_endpoint": f"{realm}/protocol/openid-connect/token",
        "jwks_uri": f"{realm}/protocol/openid-connect/certs",
        "userinfo_endpoint": f"{realm}/protocol/openid-connect/userinfo",
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
    }


def keycloak_settings(test_settings: Settings, provider: Provider, **changes: Any) -> Settings:
    return test_settings.model_copy(update={
        "jwt_issuer": keycloak_issuer(provider), "jwt_audience": KEYCLOAK_AUDIENCE,
        "jwt_subject_claim": SubjectClaim.PREFERRED_USERNAME, "jwt_discovery": True,
    } | changes)


def keycloak_claims(provider: Provider, username: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "exp": now + 300, "iat": now - 2, "jti": str(uuid.uuid4()), "iss": keycloak_issuer(provider),
        "aud": [KEYCLOAK_AUDIENCE, "account"], "sub": str(uuid.uuid4()), "typ": "Bearer",
        "azp": "safeguarding-hub-pages", "sid": str(uuid.uuid4()), "acr": "1",
        "allowed-origins": ["https://hub.fenbridge.gov.uk"],
        "realm_access": {"roles": ["offline_access", "uma_authorization", "default-roles-fenbridge"]},
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid profile email", "email_verified": True, "name": "Rob Whitfield",
        "preferred_username": username, "given_name": "Rob", "family_name": "Whitfield",
        "email": "rob.whitfield@fenbridge.police.uk",
    }
    return claims | changes


def keycloak_encryption_key() -> dict[str, Any]:
    """Keycloak publishes its realm's encryption key beside the signing keys; it never verifies a token."""
    public = RSAAlgorithm.to_jwk(_rsa_key("keycloak-enc").public_key(), as_dict=True)
    return public | {"kid": "keycloak-enc", "use": "enc", "alg": "RSA-OAEP"}


class TestKeycloak:
    def test_a_token_found_by_discovery_and_named_by_preferred_username_is_that_professional(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        serve_keycloak_discovery(provider)
        key = ec_key("keycloak-es256")
        provider.publish(rsa_key("keycloak-rs256"), key, extra=(keycloak_encryption_key(),))
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_USERNAME)

        with TestClient(create_app(keycloak_settings(test_settings, provider), driver=demo_city_db)) as client:
            response = ask(client, key.sign(keycloak_claims(provider, OFFICER_USERNAME)))

        assert response.status_code == 200, response.text
        assert response.json()["data"]["me"]["professionalId"] == demo_city.POLICE_OFFICER_ID
        assert provider.asked[f"/realms/{REALM}/.well-known/openid-configuration"] == 1

    def test_a_token_signed_with_the_encryption_keys_id_finds_no_key(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        serve_keycloak_discovery(provider)
        provider.publish(rsa_key("keycloak-rs256"), extra=(keycloak_encryption_key(),))
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_USERNAME)
        signer = SigningKey("keycloak-enc", _rsa_key("keycloak-enc"))

        with TestClient(create_app(keycloak_settings(test_settings, provider), driver=demo_city_db)) as client:
            response = ask(client, signer.sign(keycloak_claims(provider, OFFICER_USERNAME)))

        assert refusal(response) == (401, "unauthenticated", "unknown key", "Bearer")

    def test_a_discovery_document_naming_another_issuer_stops_the_start_in_one_line(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        serve_keycloak_discovery(provider, issuer=f"{provider.base_url}/realms/elsewhere")
        provider.publish(rsa_key("keycloak-rs256"))

        with pytest.raises(IdentityProviderUnusable) as refused:
            create_app(keycloak_settings(test_settings, provider), driver=demo_city_db)

        message = str(refused.value)
        assert "\n" not in message
        assert f"'{provider.base_url}/realms/elsewhere' as its issuer" in message
        assert keycloak_issuer(provider) in message
        assert provider.jwks_reads() == 0

    def test_an_unreachable_discovery_stops_the_start_in_one_line(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        # Nothing served at the realm's discovery path: a 404.
        provider.publish(rsa_key("keycloak-rs256"))

        with pytest.raises(IdentityProviderUnusable, match="did not answer") as refused:
            create_app(keycloak_settings(test_settings, provider), driver=demo_city_db)

        assert "\n" not in str(refused.value)


class TestWhenDiscoveryIsOn:
    @pytest.mark.parametrize(
        ("changes", "discovers"),
        [
            ({}, False),
            ({"jwt_issuer": ENTRA_ISSUER}, True),
            ({"jwt_issuer": ENTRA_ISSUER, "jwt_jwks_url": "https://keys.example/jwks"}, False),
            ({"jwt_issuer": ENTRA_ISSUER, "jwt_jwks_url": ""}, True),
            ({"jwt_issuer": ENTRA_ISSUER, "jwt_discovery": False}, False),
            ({"jwt_issuer": "http://keycloak:8080/realms/fenbridge"}, False),
            ({"jwt_issuer": "http://keycloak:8080/realms/fenbridge", "jwt_discovery": True}, True),
            ({"jwt_issuer": DEVELOPMENT_ISSUER, "jwt_discovery": True}, True),
        ],
        ids=["development", "https issuer", "JWKS URL set", "JWKS URL empty", "turned off", "http issuer",
             "http issuer, turned on", "turned on in development"],
    )
    def test_it_follows_the_issuer_unless_told(
        self, test_settings: Settings, changes: dict[str, Any], discovers: bool
    ) -> None:
        assert test_settings.model_copy(update=changes).jwt_discovers_keys is discovers

    def test_an_https_issuer_with_key_files_is_not_discovered(self, test_settings: Settings, tmp_path: Any) -> None:
        settings = test_settings.model_copy(update={"jwt_issuer": ENTRA_ISSUER, "jwt_public_key_files": [tmp_path]})

        assert settings.jwt_discovers_keys is False


# The key set's cache


def cached_settings(test_settings: Settings, provider: Provider, *, lifetime: float, refetch: float) -> Settings:
    return entra_settings(
        test_settings, provider, jwt_jwks_cache_seconds=lifetime, jwt_jwks_refetch_seconds=refetch,
    )


class TestKeySetCache:
    def test_a_key_removed_from_the_set_is_refused_once_the_cache_lifetime_has_passed(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        lifetime = 3.0
        removed, kept = rsa_key("entra-1"), rsa_key("entra-2")
        provider.publish(removed, kept)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        settings = cached_settings(test_settings, provider, lifetime=lifetime, refetch=0.5)

        with TestClient(create_app(settings, driver=demo_city_db)) as client:
            assert ask(client, removed.sign(entra_claims(OFFICER_OID))).status_code == 200
            read_by = time.monotonic()
            provider.publish(kept)
            # Within its lifetime the set as read is trusted: the provider is not asked again.
            assert ask(client, removed.sign(entra_claims(OFFICER_OID))).status_code == 200
            assert provider.jwks_reads() == 1

            time.sleep(max(0.0, read_by + lifetime + 0.3 - time.monotonic()))
            for_officer = ask(client, removed.sign(entra_claims(OFFICER_OID)))
            for_nobody = ask(client, removed.sign(entra_claims(str(uuid.uuid4()))))
            still_valid = ask(client, kept.sign(entra_claims(OFFICER_OID)))

        assert refusal(for_officer) == (401, "unauthenticated", "unknown key", "Bearer")
        # Whether the token names a professional the hub knows changes nothing in the answer.
        assert refusal(for_nobody) == refusal(for_officer)
        assert still_valid.status_code == 200, still_valid.text
        assert provider.jwks_reads() >= 2

    def test_a_rotated_key_is_picked_up_on_its_first_token(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        old, new = rsa_key("entra-1"), ec_key("entra-rotated")
        provider.publish(old)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        # The defaults: the set trusted for five minutes, read again early at most every 10 seconds.
        defaults = Settings.model_fields
        assert test_settings.jwt_jwks_cache_seconds == defaults["jwt_jwks_cache_seconds"].default == 300
        assert test_settings.jwt_jwks_refetch_seconds == defaults["jwt_jwks_refetch_seconds"].default == 10

        with TestClient(create_app(entra_settings(test_settings, provider), driver=demo_city_db)) as client:
            assert ask(client, old.sign(entra_claims(OFFICER_OID))).status_code == 200
            provider.publish(old, new)
            first = ask(client, new.sign(entra_claims(OFFICER_OID)))
            second = ask(client, new.sign(entra_claims(OFFICER_OID)))

        assert first.status_code == 200, first.text
        assert second.status_code == 200, second.text
        assert provider.jwks_reads() == 2

    def test_a_flood_of_unknown_key_ids_reads_the_set_at_most_once_per_refetch_interval(
        self, demo_city_db: Driver, test_settings: Settings, provider: Provider
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        give_external_id(demo_city_db, demo_city.POLICE_OFFICER_ID, OFFICER_OID)
        settings = cached_settings(test_settings, provider, lifetime=300, refetch=60)

        with TestClient(create_app(settings, driver=demo_city_db)) as client:
            assert ask(client, key.sign(entra_claims(OFFICER_OID))).status_code == 200
            refusals = {
                refusal(ask(client, key.sign(entra_claims(OFFICER_OID), kid=str(uuid.uuid4()))))
                for _ in range(60)
            }
            still_valid = ask(client, key.sign(entra_claims(OFFICER_OID)))

        assert refusals == {(401, "unauthenticated", "unknown key", "Bearer")}
        # The first read, and one read again for the first unknown key id; none for the rest.
        assert provider.jwks_reads() == 2
        assert still_valid.status_code == 200

    def test_a_concurrent_flood_of_unknown_key_ids_reads_the_set_at_most_twice(
        self, test_settings: Settings, provider: Provider
    ) -> None:
        key = rsa_key("entra-1")
        provider.publish(key)
        verifier = build_verifier(cached_settings(test_settings, provider, lifetime=300, refetch=60))
        tokens = [key.sign(entra_claims(OFFICER_OID), kid=str(uuid.uuid4())) for _ in range(200)]

        def verify(token: str) -> TokenProblem | None:
            try:
                verifier.verify(token)
            except InvalidToken as refused:
                return refused.reason
            return None

        with ThreadPoolExecutor(max_workers=8) as pool:
            problems = set(pool.map(verify, tokens))

        assert problems == {TokenProblem.UNKNOWN_KEY}
        assert provider.jwks_reads() <= 2

    def test_an_unreachable_key_set_is_not_asked_again_within_the_refetch_interval(
        self, test_settings: Settings, provider: Provider
    ) -> None:
        key = rsa_key("entra-1")
        provider.jwks_path = "/not-published"  # the configured URL now answers 404
        verifier = build_verifier(entra_settings(
            test_settings, provider, jwt_jwks_url=provider.base_url + "/keys", jwt_jwks_refetch_seconds=60,
        ))

        problems = set()
        for _ in range(20):
            with pytest.raises(InvalidToken) as refused:
                verifier.verify(key.sign(entra_claims(OFFICER_OID)))
            problems.add(refused.value.reason)

        assert problems == {TokenProblem.KEYS_UNAVAILABLE}
        assert provider.asked["/keys"] == 1
