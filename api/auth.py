"""Who is calling: a bearer JWT verified, then the professional it names read from the graph."""

from __future__ import annotations

from neo4j import Driver

from api.identity import InvalidToken, TokenVerifier, ensure_dev_keypair
from config.settings import Settings
from graph.professionals import get_professional
from services.errors import Unauthenticated
from services.policy import PolicySync
from services.principal import Principal


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
    def __init__(
        self, verifier: TokenVerifier, driver: Driver, *, database: str, policy_sync: PolicySync
    ) -> None:
        self._verifier = verifier
        self._driver = driver
        self._database = database
        self._policy_sync = policy_sync

    def principal(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("a bearer token is required")
        try:
            claims = self._verifier.verify(token.strip())
        except InvalidToken as error:
            raise Unauthenticated(error.reason) from error
        with self._driver.session(database=self._database) as session:
            professional = session.execute_read(get_professional, professional_id=claims.subject)
        if professional is None:
            raise Unauthenticated("unknown professional")
        self._policy_sync.ensure(professional.policy_revision)
        return Principal(
            professional_id=professional.id, name=professional.name,
            agency_id=professional.agency_id, agency_kind=professional.agency_kind,
            team_id=professional.team_id, team_service=professional.team_service,
            roles=professional.roles, discipline=professional.discipline,
        )
