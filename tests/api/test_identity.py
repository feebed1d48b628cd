"""Bearer tokens: what is accepted, and every way a token is refused, with real keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm

from api.identity import (
    DEV_PRIVATE_KEY_FILE,
    DEV_PUBLIC_KEY_FILE,
    Claims,
    InvalidToken,
    TokenProblem,
    TokenVerifier,
    ensure_dev_keypair,
    mint_token,
)

ISSUER = "https://login.hub.test"
AUDIENCE = "safeguarding-hub"


@pytest.fixture
def dev_keys(tmp_path: Path) -> tuple[bytes, bytes]:
    return ensure_dev_keypair(tmp_path / "keys")


@pytest.fixture
def verifier(dev_keys: tuple[bytes, bytes]) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[dev_keys[1]])


def mint(private_pem: bytes, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "subject": "pro-1",
        "agency": "agency-police",
        "team": "team-police-mash",
        "roles": ["police_mash_officer"],
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    arguments.update(overrides)
    return mint_token(private_pem, **arguments)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def valid_payload() -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "pro-1",
        "agency": "agency-police",
        "team": "team-police-mash",
        "roles": ["crs_manager"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }


def sign(payload: dict[str, Any], private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return jwt.encode(payload, key, algorithm="EdDSA")


def pem_of(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem_of(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def refusal(verifier: TokenVerifier, token: str) -> TokenProblem:
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(token)
    assert refused.value.status == 401
    return refused.value.reason


class TestValidTokenIsAccepted:
    def test_eddsa_token_from_the_dev_key_maps_to_claims(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        issued = datetime.now(UTC).replace(microsecond=0)
        token = mint(
            dev_keys[0],
            roles=["mash_social_worker", "crs_manager"],
            name="Sam Okafor",
            now=issued,
            lifetime_seconds=900,
        )

        claims = verifier.verify(token)

        assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
        assert claims == Claims(
            subject="pro-1",
            agency="agency-police",
            team="team-police-mash",
            roles=("mash_social_worker", "crs_manager"),
            issuer=ISSUER,
            issued_at=issued,
            expires_at=issued + timedelta(seconds=900),
            name="Sam Okafor",
        )

    @pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
    def test_rsa_and_p256_tokens_are_accepted_with_their_keys(self, algorithm: str) -> None:
        private_key = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if algorithm == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        token = mint(pem_of(private_key))
        assert jwt.get_unverified_header(token)["alg"] == algorithm
        verifier = TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[public_pem_of(private_key)]
        )

        assert verifier.verify(token).subject == "pro-1"

    def test_ps256_token_is_accepted_with_an_rsa_key(self) -> None:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        verifier = TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[public_pem_of(private_key)]
        )
        token = jwt.encode(valid_payload(), private_key, algorithm="PS256")

        assert verifier.verify(token).roles == ("crs_manager",)

    def test_any_one_of_several_configured_keys_verifies(
        self, dev_keys: tuple[bytes, bytes]
    ) -> None:
        other = ed25519.Ed25519PrivateKey.generate()
        verifier = TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[public_pem_of(other), dev_keys[1]]
        )

        assert verifier.verify(mint(dev_keys[0])).subject == "pro-1"
        assert verifier.verify(mint(pem_of(other))).subject == "pro-1"

    def test_token_naming_only_the_subject_maps_to_empty_optional_claims(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint_token(dev_keys[0], subject="pro-2", issuer=ISSUER, audience=AUDIENCE)

        claims = verifier.verify(token)

        assert (claims.subject, claims.agency, claims.team, claims.roles, claims.name) == (
            "pro-2",
            "",
            "",
            (),
            "",
        )

    def test_now_may_be_given_as_a_posix_timestamp(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        issued = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        token = mint(dev_keys[0], now=issued.timestamp())

        payload = jwt.decode(token, options={"verify_signature": False})

        assert (payload["iat"], payload["nbf"]) == (int(issued.timestamp()),) * 2
        assert payload["exp"] == int(issued.timestamp()) + 3600

    def test_clock_skew_within_the_leeway_is_tolerated(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint(dev_keys[0], now=datetime.now(UTC) + timedelta(seconds=10))

        assert verifier.verify(token).subject == "pro-1"


class TestUnsignedAndSymmetricTokensAreRefused:
    def test_alg_none_is_refused(self, verifier: TokenVerifier) -> None:
        token = f"{b64url_json({'alg': 'none', 'typ': 'JWT'})}.{b64url_json(valid_payload())}."

        assert refusal(verifier, token) is TokenProblem.UNSUPPORTED_ALGORITHM

    def test_hs256_signed_with_the_public_key_as_secret_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        signing_input = (
            f"{b64url_json({'alg': 'HS256', 'typ': 'JWT'})}.{b64url_json(valid_payload())}"
        )
        signature = hmac.new(dev_keys[1], signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64url(signature)}"

        assert refusal(verifier, token) is TokenProblem.UNSUPPORTED_ALGORITHM

    def test_rs256_header_over_an_hmac_signature_finds_no_key(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        signing_input = (
            f"{b64url_json({'alg': 'RS256', 'typ': 'JWT'})}.{b64url_json(valid_payload())}"
        )
        signature = hmac.new(dev_keys[1], signing_input.encode(), hashlib.sha256).digest()

        assert refusal(verifier, f"{signing_input}.{b64url(signature)}") is TokenProblem.UNKNOWN_KEY

    @pytest.mark.parametrize("algorithm", ["HS256", "HS512", "none", "RS384"])
    def test_a_verifier_cannot_be_configured_for_other_algorithms(
        self, dev_keys: tuple[bytes, bytes], algorithm: str
    ) -> None:
        with pytest.raises(ValueError, match="only asymmetric"):
            TokenVerifier(
                issuer=ISSUER,
                audience=AUDIENCE,
                public_keys_pem=[dev_keys[1]],
                algorithms=["EdDSA", algorithm],
            )

    def test_a_verifier_cannot_be_given_a_symmetric_secret_as_a_key(self) -> None:
        with pytest.raises(ValueError):
            TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[b"a shared secret"])


class TestClaimsAreChecked:
    def test_wrong_audience_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint(dev_keys[0], audience="another-service")

        assert refusal(verifier, token) is TokenProblem.WRONG_AUDIENCE

    def test_wrong_issuer_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint(dev_keys[0], issuer="https://login.elsewhere.test")

        assert refusal(verifier, token) is TokenProblem.WRONG_ISSUER

    def test_expired_token_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint(dev_keys[0], now=datetime.now(UTC) - timedelta(hours=2), lifetime_seconds=3600)

        assert refusal(verifier, token) is TokenProblem.EXPIRED

    def test_token_not_yet_valid_beyond_the_leeway_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        token = mint(dev_keys[0], now=datetime.now(UTC) + timedelta(minutes=5))

        assert refusal(verifier, token) is TokenProblem.NOT_YET_VALID

    def test_nbf_in_the_future_is_refused_even_when_issued_now(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        payload = valid_payload() | {"nbf": int(datetime.now(UTC).timestamp()) + 300}
        token = sign(payload, dev_keys[0])

        assert refusal(verifier, token) is TokenProblem.NOT_YET_VALID

    def test_a_token_without_nbf_is_accepted(self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier) -> None:
        # Entra and Keycloak access tokens may leave it out; when present it is checked (above).
        payload = valid_payload()
        del payload["nbf"]

        assert verifier.verify(sign(payload, dev_keys[0])).subject == "pro-1"

    @pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub"])
    def test_missing_claim_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier, claim: str
    ) -> None:
        payload = valid_payload()
        del payload[claim]
        token = sign(payload, dev_keys[0])

        assert refusal(verifier, token) is TokenProblem.MISSING_CLAIM

    @pytest.mark.parametrize(
        ("claim", "value"),
        [
            ("roles", "crs_manager"),
            ("roles", [1, 2]),
            ("agency", None),
            ("team", 7),
            ("name", ["x"]),
            ("sub", ""),
        ],
    )
    def test_claim_of_the_wrong_shape_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier, claim: str, value: object
    ) -> None:
        payload = valid_payload() | {claim: value}
        token = sign(payload, dev_keys[0])

        assert refusal(verifier, token) is TokenProblem.INVALID_CLAIM


class TestSignatureIsChecked:
    def test_tampered_payload_is_refused(
        self, dev_keys: tuple[bytes, bytes], verifier: TokenVerifier
    ) -> None:
        header, _, signature = mint(dev_keys[0]).split(".")
        escalated = valid_payload() | {"roles": ["crs_manager", "auditor"]}
        token = f"{header}.{b64url_json(escalated)}.{signature}"

        assert refusal(verifier, token) is TokenProblem.BAD_SIGNATURE

    def test_token_signed_by_another_key_is_refused(self, verifier: TokenVerifier) -> None:
        stranger = pem_of(ed25519.Ed25519PrivateKey.generate())

        assert refusal(verifier, mint(stranger)) is TokenProblem.BAD_SIGNATURE

    def test_token_signed_with_a_key_type_not_configured_is_refused(
        self, verifier: TokenVerifier
    ) -> None:
        stranger = pem_of(ec.generate_private_key(ec.SECP256R1()))

        assert refusal(verifier, mint(stranger)) is TokenProblem.UNKNOWN_KEY

    @pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "e30.e30"])
    def test_malformed_token_is_refused(self, verifier: TokenVerifier, token: str) -> None:
        assert refusal(verifier, token) is TokenProblem.MALFORMED


class _JwksHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def jwks_url() -> Iterator[tuple[str, bytes]]:
    """A real HTTP JWKS endpoint on localhost, publishing one Ed25519 key as kid "k1"."""
    private_key = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    handler = type(
        "Handler", (_JwksHandler,), {"body": json.dumps({"keys": [jwk | {"kid": "k1"}]}).encode()}
    )
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json", pem_of(private_key)
    finally:
        server.shutdown()
        server.server_close()


class TestJwksKeys:
    def test_token_with_a_published_kid_is_accepted(self, jwks_url: tuple[str, bytes]) -> None:
        url, private_pem = jwks_url
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)

        assert verifier.verify(mint(private_pem, key_id="k1")).subject == "pro-1"

    def test_token_with_an_unpublished_kid_is_refused(self, jwks_url: tuple[str, bytes]) -> None:
        url, private_pem = jwks_url
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)

        assert refusal(verifier, mint(private_pem, key_id="k2")) is TokenProblem.UNKNOWN_KEY

    def test_token_without_a_kid_and_no_configured_key_is_refused(
        self, jwks_url: tuple[str, bytes]
    ) -> None:
        url, private_pem = jwks_url
        verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)

        assert refusal(verifier, mint(private_pem)) is TokenProblem.UNKNOWN_KEY

    def test_unreachable_key_set_is_refused_as_unavailable(
        self, dev_keys: tuple[bytes, bytes]
    ) -> None:
        server = HTTPServer(("127.0.0.1", 0), _JwksHandler)
        closed_port = server.server_port
        server.server_close()
        verifier = TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, jwks_url=f"http://127.0.0.1:{closed_port}/jwks.json"
        )

        assert refusal(verifier, mint(dev_keys[0], key_id="k1")) is TokenProblem.KEYS_UNAVAILABLE


class TestDevKeypair:
    def test_created_once_with_a_private_key_only_the_owner_can_read(self, tmp_path: Path) -> None:
        directory = tmp_path / "keys"

        private_pem, public_pem = ensure_dev_keypair(directory)

        private_file = directory / DEV_PRIVATE_KEY_FILE
        assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
        assert private_file.read_bytes() == private_pem
        assert (directory / DEV_PUBLIC_KEY_FILE).read_bytes() == public_pem
        assert isinstance(
            serialization.load_pem_private_key(private_pem, None), ed25519.Ed25519PrivateKey
        )

    def test_reused_on_later_calls(self, tmp_path: Path) -> None:
        first = ensure_dev_keypair(tmp_path)
        modified = (tmp_path / DEV_PRIVATE_KEY_FILE).stat().st_mtime_ns

        assert ensure_dev_keypair(tmp_path) == first
        assert (tmp_path / DEV_PRIVATE_KEY_FILE).stat().st_mtime_ns == modified

    def test_a_widened_private_key_is_made_private_again(self, tmp_path: Path) -> None:
        first = ensure_dev_keypair(tmp_path)
        (tmp_path / DEV_PRIVATE_KEY_FILE).chmod(0o644)

        assert ensure_dev_keypair(tmp_path) == first
        assert stat.S_IMODE((tmp_path / DEV_PRIVATE_KEY_FILE).stat().st_mode) == 0o600

    def test_a_lost_public_key_is_derived_again_from_the_private_key(self, tmp_path: Path) -> None:
        first = ensure_dev_keypair(tmp_path)
        (tmp_path / DEV_PUBLIC_KEY_FILE).unlink()

        assert ensure_dev_keypair(tmp_path) == first

    def test_tokens_minted_with_the_dev_key_verify_with_its_public_key(
        self, tmp_path: Path
    ) -> None:
        private_pem, public_pem = ensure_dev_keypair(tmp_path)
        verifier = TokenVerifier(
            issuer=ISSUER, audience=AUDIENCE, public_keys_pem=[public_pem.decode()]
        )

        assert verifier.verify(mint(private_pem)).roles == ("police_mash_officer",)
