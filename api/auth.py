"""Who is calling: a bearer JWT verified, then the professional it names read from the graph."""

from __future__ import annotations

from api.identity import InvalidToken, TokenVerifier, ensure_dev_keypair
from config.settings import Settings
from services.errors import Unauthenticated
from services.identity_provider import DiscoveryFailed, discover
from services.principal import Caller, Principal, PrincipalLookup


class IdentityProviderUnusable(RuntimeError):
    """The identity provider's keys cannot be found as configured; the message is one line."""


def build_verifier(settings: Settings) -> TokenVerifier:
    keys = [path.read_bytes() for path in settings.jwt_public_key_files]
    if not settings.is_production:
        keys.append(ensure_dev_keypair(settings.dev_keys_dir)[1])
    jwks_url = settings.jwt_jwks_url or None
    if settings.jwt_discovers_keys:
        try:
            jwks_url = discover(settings.jwt_issuer).jwks_uri
        except DiscoveryFailed as failure:
            raise IdentityProviderUnusable(f"OpenID Connect discovery failed: {failure}") from None
    if not keys and jwks_url is None:
        raise IdentityProviderUnusable(
            "no JWT public key or JWKS URL is configured (HUB_JWT_PUBLIC_KEY_FILES, HUB_JWT_JWKS_URL, "
            "or HUB_JWT_DISCOVERY with the provider's HUB_JWT_ISSUER)"
        )
    return TokenVerifier(
        public_keys_pem=keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds, jwks_url=jwks_url,
        subject_claim=settings.jwt_subject_claim, jwks_cache_seconds=settings.jwt_jwks_cache_seconds,
        jwks_refetch_seconds=settings.jwt_jwks_refetch_seconds,
    )


class Authenticator:
    def __init__(self, verifier: TokenVerifier, principals: PrincipalLookup) -> None:
        self._verifier = verifier
        self._principals = principals

    def caller(self, authorization: str | None) -> Caller:
        """The caller a verified bearer token names, not yet read from the graph (see Caller)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        try:
            claims = self._verifier.verify(token.strip())
        except InvalidToken as error:
            raise Unauthenticated(error.reason) from error
        return Caller(self._principals, claims.subject)

    def principal(self, authorization: str | None) -> Principal:
        return self.caller(authorization).principal()
