"""Who is calling: a JWT bearer token, verified with public keys only.

A token is a signed statement by an identity provider (or, in development, by the hub's
own dev key) carrying these claims:

- `iss`, `aud`: must equal the configured issuer and audience;
- `exp`, `iat`: required, checked with a small leeway for clock skew; `nbf` is checked with
  the same leeway when present (Entra and Keycloak access tokens may leave it out);
- `sub`: the professional's id in the graph (required), or, when the verifier is told another
  claim names the professional (HUB_JWT_SUBJECT_CLAIM: `oid`, `preferred_username`, `email`),
  that claim, required instead and matched to the professional's external id
  (services/principal.py);
- `agency`, `team`: the ids of the professional's agency and team (optional strings);
- `roles`: role names, `graph.model.Role` values (optional list of strings);
- `name`: optional, for display.

A verified token is not yet a principal: the app confirms the professional in the graph
(an unknown professional is refused) and takes agency, team and roles from the graph,
which is authoritative. The optional claims are there for identity providers that can
state them, and so that a mismatch with the graph can be noticed; an identity provider
that knows only who the user is still works.

Only asymmetric signatures are accepted. Each key is tried only with the algorithms of
its own family, and PyJWT is never offered an HMAC algorithm, so a token "signed" with a
public key as an HMAC secret cannot pass. The keys are PEM files, or the provider's JWKS,
trusted for a bounded time and read again for an unknown key id at a bounded rate
(api/jwks.py).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from api.jwks import DEFAULT_LIFETIME_SECONDS, DEFAULT_REFETCH_SECONDS, JwksCache, KeysUnavailable, UnknownKeyId

DEFAULT_LEEWAY_SECONDS = 30.0

DEV_PRIVATE_KEY_FILE = "dev-jwt-ed25519.pem"
DEV_PUBLIC_KEY_FILE = "dev-jwt-ed25519.pub.pem"

PublicKey: TypeAlias = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)

# Which algorithms each kind of key may verify. Nothing symmetric appears here, and a key
# is never offered an algorithm from another family.
_PUBLIC_KEY_TYPES = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
)
_PRIVATE_KEY_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
_RSA_ALGORITHMS = ("RS256", "PS256")
_EC_P256_ALGORITHMS = ("ES256",)
_EDDSA_ALGORITHMS = ("EdDSA",)
ACCEPTED_ALGORITHMS: frozenset[str] = frozenset(
    (*_RSA_ALGORITHMS, *_EC_P256_ALGORITHMS, *_EDDSA_ALGORITHMS)
)
_REQUIRED_REGISTERED_CLAIMS = ["iss", "aud", "exp", "iat"]


class TokenProblem(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported algorithm"
    UNSUPPORTED_CRITICAL_HEADER = "unsupported critical header"
    UNKNOWN_KEY = "unknown key"
    KEYS_UNAVAILABLE = "signing keys unavailable"
    BAD_SIGNATURE = "bad signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    WRONG_AUDIENCE = "wrong audience"
    WRONG_ISSUER = "wrong issuer"
    MISSING_CLAIM = "missing claim"
    INVALID_CLAIM = "invalid claim"


# Named for the outcome, as the hub's other errors are (NotAManager, OverrideNotFound).
class InvalidToken(Exception):
    """The bearer token cannot be trusted; `reason` is short enough to show the caller."""

    status = 401

    def __init__(self, reason: TokenProblem, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        # For the server's log only: it may say more than a caller should learn.
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Claims:
    # The value of the claim that names the professional: `sub` unless configured otherwise.
    subject: str
    issuer: str
    issued_at: datetime
    expires_at: datetime
    agency: str = ""
    team: str = ""
    roles: tuple[str, ...] = ()
    name: str = ""


def _algorithms_for(key: object) -> tuple[str, ...]:
    if isinstance(key, rsa.RSAPublicKey):
        return _RSA_ALGORITHMS
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return _EC_P256_ALGORITHMS
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return _EDDSA_ALGORITHMS
    return ()


def load_public_key(pem: bytes | str) -> PublicKey:
    """A PEM public key usable for verification, or ValueError for anything else."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_public_key(data)
    if isinstance(key, _PUBLIC_KEY_TYPES) and _algorithms_for(key):
        return key
    raise ValueError(f"not a key for an accepted algorithm: {type(key).__name__}")


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_keys_pem: Iterable[bytes | str] = (),
        jwks_url: str | None = None,
        leeway_seconds: float = DEFAULT_LEEWAY_SECONDS,
        algorithms: Iterable[str] = ACCEPTED_ALGORITHMS,
        subject_claim: str = "sub",
        jwks_cache_seconds: float = DEFAULT_LIFETIME_SECONDS,
        jwks_refetch_seconds: float = DEFAULT_REFETCH_SECONDS,
    ) -> None:
        self._algorithms = frozenset(algorithms)
        if refused := self._algorithms - ACCEPTED_ALGORITHMS:
            raise ValueError(f"only asymmetric algorithms are accepted, not {sorted(refused)}")
        if not self._algorithms:
            raise ValueError("at least one algorithm must be accepted")
        self._keys = tuple(load_public_key(pem) for pem in public_keys_pem)
        if not self._keys and jwks_url is None:
            raise ValueError("a verifier needs public keys or a JWKS URL")
        self._jwks = (
            JwksCache(jwks_url, lifetime_seconds=jwks_cache_seconds, refetch_seconds=jwks_refetch_seconds)
            if jwks_url else None
        )
        self._subject_claim = subject_claim
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Claims:
        _refuse_header_fields(token)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            # Not only DecodeError: PyJWT refuses some headers with its base
            # InvalidTokenError, which must not become a 500.
            raise InvalidToken(TokenProblem.MALFORMED, str(error)) from error
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise InvalidToken(TokenProblem.UNSUPPORTED_ALGORITHM, repr(algorithm))

        keys = [key for key in self._candidate_keys(header) if algorithm in self._fit(key)]
        if not keys:
            raise InvalidToken(TokenProblem.UNKNOWN_KEY, f"no {algorithm} key")
        for key in keys:
            try:
                payload = jwt.decode(
                    token,
                    key=key,
                    # From configuration and the key's own family, never from the token.
                    algorithms=list(self._fit(key)),
                    audience=self._audience,
                    issuer=self._issuer,
                    leeway=self._leeway,
                    options={"require": _REQUIRED_REGISTERED_CLAIMS},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as error:
                raise InvalidToken(_problem(error), str(error)) from error
            return _claims(payload, self._subject_claim)
        raise InvalidToken(TokenProblem.BAD_SIGNATURE)

    def _fit(self, key: PublicKey) -> tuple[str, ...]:
        return tuple(name for name in _algorithms_for(key) if name in self._algorithms)

    def _candidate_keys(self, header: dict[str, Any]) -> list[PublicKey]:
        keys = list(self._keys)
        kid = header.get("kid")
        if self._jwks is not None and isinstance(kid, str):
            try:
                candidate = self._jwks.key(kid)
            except KeysUnavailable as error:
                raise InvalidToken(TokenProblem.KEYS_UNAVAILABLE, str(error)) from error
            except UnknownKeyId as error:
                raise InvalidToken(TokenProblem.UNKNOWN_KEY, "kid not in the key set") from error
            # A JWKS may publish symmetric ("oct") keys; those are never candidates.
            if isinstance(candidate, _PUBLIC_KEY_TYPES) and _algorithms_for(candidate):
                keys.insert(0, candidate)
        return keys


def _refuse_header_fields(token: str) -> None:
    """Refuses header fields the hub cannot honour, whatever PyJWT's version makes of them."""
    encoded = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except ValueError:
        return  # PyJWT's own reading says how it is malformed.
    if not isinstance(header, dict):
        return
    if "crit" in header:
        # RFC 7515 4.1.11: a token whose critical extensions are not all understood must
        # be refused, and the hub understands none.
        raise InvalidToken(TokenProblem.UNSUPPORTED_CRITICAL_HEADER, repr(header["crit"]))
    if not isinstance(header.get("kid", ""), str):
        # A key id selects a key from the JWKS, where it is looked up as a string.
        raise InvalidToken(TokenProblem.MALFORMED, "kid must be a string")


def _problem(error: jwt.PyJWTError) -> TokenProblem:
    # Subclasses before their bases: InvalidSignatureError is a DecodeError, and most
    # errors here are InvalidTokenErrors.
    problems: list[tuple[type[jwt.PyJWTError], TokenProblem]] = [
        (jwt.ExpiredSignatureError, TokenProblem.EXPIRED),
        (jwt.ImmatureSignatureError, TokenProblem.NOT_YET_VALID),
        (jwt.InvalidAudienceError, TokenProblem.WRONG_AUDIENCE),
        (jwt.InvalidIssuerError, TokenProblem.WRONG_ISSUER),
        (jwt.MissingRequiredClaimError, TokenProblem.MISSING_CLAIM),
        (jwt.InvalidAlgorithmError, TokenProblem.UNSUPPORTED_ALGORITHM),
        (jwt.InvalidKeyError, TokenProblem.UNKNOWN_KEY),
        (jwt.DecodeError, TokenProblem.MALFORMED),
    ]
    for kind, problem in problems:
        if isinstance(error, kind):
            return problem
    return TokenProblem.INVALID_CLAIM


def _text_claim(payload: dict[str, Any], name: str, *, required: bool) -> str:
    if name not in payload:
        if required:
            raise InvalidToken(TokenProblem.MISSING_CLAIM, name)
        return ""
    value = payload[name]
    if not isinstance(value, str) or (required and not value):
        raise InvalidToken(TokenProblem.INVALID_CLAIM, f"{name} must be a non-empty string")
    return value


def _instant_claim(payload: dict[str, Any], name: str) -> datetime:
    # PyJWT compares the numbers but never makes them times: a signed token may carry an
    # `exp` of 1e20 or an `iat` of -1e20, which no datetime can hold.
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(TokenProblem.INVALID_CLAIM, f"{name} must be a number")
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidToken(TokenProblem.INVALID_CLAIM, f"{name} is out of range") from error


def _claims(payload: dict[str, Any], subject_claim: str) -> Claims:
    roles = payload.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken(TokenProblem.INVALID_CLAIM, "roles must be a list of strings")
    return Claims(
        subject=_text_claim(payload, subject_claim, required=True),
        issuer=_text_claim(payload, "iss", required=True),
        issued_at=_instant_claim(payload, "iat"),
        expires_at=_instant_claim(payload, "exp"),
        agency=_text_claim(payload, "agency", required=False),
        team=_text_claim(payload, "team", required=False),
        roles=tuple(roles),
        name=_text_claim(payload, "name", required=False),
    )


def ensure_dev_keypair(directory: Path) -> tuple[bytes, bytes]:
    """The development signing keypair (Ed25519), created on first use and reused after.

    Returns (private key PEM, public key PEM). Never for production: tokens there come
    from the identity provider, verified against its published keys.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path = directory / DEV_PRIVATE_KEY_FILE
    if not private_path.exists():
        key = ed25519.Ed25519PrivateKey.generate()
        _create_private_file(
            private_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    if private_path.stat().st_mode & 0o077:
        # A copy or an unpacked archive may have widened it; a signing key stays private.
        private_path.chmod(0o600)
    private_pem = private_path.read_bytes()
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path = directory / DEV_PUBLIC_KEY_FILE
    if not public_path.exists() or public_path.read_bytes() != public_pem:
        _replace_file(public_path, public_pem)
    return private_pem, public_pem


def _create_private_file(path: Path, content: bytes) -> None:
    # mkstemp creates the file 0600 from the start, so the key is never readable by
    # others even for a moment; linking it into place fails if another process got there
    # first, and then that process's key is the one kept.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _replace_file(path: Path, content: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pub-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _signing_algorithm(key: object) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError(f"cannot sign hub tokens with a {type(key).__name__}")


def mint_token(
    private_pem: bytes,
    *,
    subject: str,
    issuer: str,
    audience: str,
    agency: str = "",
    team: str = "",
    roles: Sequence[str] = (),
    lifetime_seconds: int = 3600,
    now: datetime | float | None = None,
    name: str = "",
    key_id: str | None = None,
) -> str:
    """A signed token for development and tests, in the shape `TokenVerifier` expects.

    `now` (a datetime or a POSIX timestamp) backdates or postdates the token, for tests of
    expiry; empty optional claims are left out of the token.
    """
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, _PRIVATE_KEY_TYPES):
        raise ValueError(f"cannot sign hub tokens with a {type(key).__name__}")
    algorithm = _signing_algorithm(key)
    if now is None:
        issued = datetime.now(UTC)
    elif isinstance(now, datetime):
        issued = now
    else:
        issued = datetime.fromtimestamp(now, UTC)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=lifetime_seconds)).timestamp()),
    }
    optional: dict[str, Any] = {"agency": agency, "team": team, "roles": list(roles), "name": name}
    claims.update({claim: value for claim, value in optional.items() if value})
    return jwt.encode(
        claims,
        key,
        algorithm=algorithm,
        headers={"kid": key_id} if key_id is not None else None,
    )
