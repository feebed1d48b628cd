"""Who is calling: a bearer JWT verified, then the professional it names read from the graph."""

from __future__ import annotations

from api.identity import InvalidToken, TokenVerifier, ensure_dev_keypair
from config.settings import Settings
from services.errors import Unauthenticated
from services.principal import Principal, PrincipalLookup


def build_verifier(settings: Settings) -> TokenVerifier:
    keys = [path.read_bytes() for path in settings.jwt_public_key_files]
    if not settings.is_production:
        keys.append(ensure_dev_keypair(settings.dev_keys_dir)[1])
    if not keys and settings.jwt_jwks_url is None:
        raise RuntimeError("no JWT public key or JWKS URL is configured (HUB_JWT_PUBLIC_KEY_FILES)")
    return TokenVerifier(
        public_keys_pem=keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds, jwks_url=settings.jwt_jwks_url,
    )


class Authenticator:
    def __init__(self, verifier: TokenVerifier, principals: PrincipalLookup) -> None:
        self._verifier = verifier
        self._principals = principals

    def principal(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        try:
            claims = self._verifier.verify(token.strip())
        except InvalidToken as error:
            raise Unauthenticated(error.reason) from error
        principal = self._principals.principal(claims.subject)
        if principal is None:
            raise Unauthenticated("unknown professional")
        return principal
