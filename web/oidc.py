"""Sign-in at the council's identity provider: OpenID Connect's authorization code flow with PKCE.

The provider is the one that issues the API's bearer tokens (HUB_JWT_ISSUER), found by the
same discovery (services/identity_provider.py), and an ID token is held to what a bearer token
is: issued by that issuer, signed with an asymmetric key the provider publishes, in date (with
the same leeway), and the professional named by the same claim (HUB_JWT_SUBJECT_CLAIM: `sub`,
or `oid`, `preferred_username`, `email`), matched in the graph by the same rule as a token's
(`PrincipalLookup.named`). Its audience is the pages' client (HUB_OIDC_CLIENT_ID), as OpenID
Connect requires of an ID token. The session then holds the professional's id in the graph.

The state, nonce and PKCE verifier of a sign-in in progress live in the sealed session
cookie, so the callback is matched to the browser that began it, by any process.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from fastapi import FastAPI, Request
from fastapi.responses import Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jws import JWSRegistry

from config.settings import Settings
from services.identity_provider import PROVIDER_TIMEOUT_SECONDS, DiscoveryFailed, ProviderMetadata, adiscover
from services.principal import Principal
from web.pages import Pages, Visit, safe_next
from web.sessions import PendingSignIn, Session

log = logging.getLogger("hub.web.oidc")

# The asymmetric algorithms the API accepts for its bearer tokens: nothing symmetric, so a
# token "signed" with a published key as an HMAC secret cannot pass.
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
_PROVIDER_TIMEOUT_SECONDS = PROVIDER_TIMEOUT_SECONDS


class SignInFailed(Exception):
    """The provider's answer cannot sign anyone in; the message names the check, never a token."""


class OpenIdProvider:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.oidc_client_id is not None, "built only when a client id is configured"
        self._settings = settings
        self._client_id = settings.oidc_client_id
        self._transport = transport
        self._metadata: ProviderMetadata | None = None

    def _client(self) -> AsyncOAuth2Client:
        secret = self._settings.oidc_client_secret
        return AsyncOAuth2Client(
            client_id=self._client_id, client_secret=secret.get_secret_value() if secret is not None else None,
            token_endpoint_auth_method="client_secret_basic" if secret is not None else "none",
            scope=self._settings.oidc_scopes, redirect_uri=self._settings.oidc_redirect_url,
            code_challenge_method="S256", timeout=_PROVIDER_TIMEOUT_SECONDS, transport=self._transport,
        )

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is None:
            try:
                found = await adiscover(
                    self._settings.jwt_issuer, timeout=_PROVIDER_TIMEOUT_SECONDS, transport=self._transport,
                )
            except DiscoveryFailed as failure:
                raise SignInFailed(f"the provider's metadata cannot be used: {failure}") from None
            for name in ("authorization_endpoint", "token_endpoint"):
                if not getattr(found, name):
                    raise SignInFailed(f"the provider's metadata has no {name}")
            self._metadata = found
        return self._metadata

    async def authorization_url(self, pending: PendingSignIn) -> str:
        metadata = await self.metadata()
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                metadata.authorization_endpoint, state=pending.state, nonce=pending.nonce,
                code_verifier=pending.code_verifier,
            )
        return str(url)

    async def subject(self, code: str, pending: PendingSignIn) -> str:
        """The claim naming the professional (HUB_JWT_SUBJECT_CLAIM) in the ID token the code is
        exchanged for, once every check holds; `PrincipalLookup.named` finds who it names."""
        metadata = await self.metadata()
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    metadata.token_endpoint, grant_type="authorization_code", code=code,
                    code_verifier=pending.code_verifier,
                )
        except (OAuthError, httpx.HTTPError, ValueError) as error:
            raise SignInFailed(f"the token endpoint refused the code ({type(error).__name__})") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the token endpoint gave no ID token")
        keys = KeySet.import_key_set(cast(KeySetSerialization, await self._get_json(metadata.jwks_uri)))
        try:
            decoded = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=ID_TOKEN_ALGORITHMS))
            claims = CodeIDToken(
                decoded.claims, decoded.header,
                {
                    "iss": {"essential": True, "value": self._settings.jwt_issuer},
                    "aud": {"essential": True, "value": self._client_id},
                    "sub": {"essential": True},
                },
                {"nonce": pending.nonce, "client_id": self._client_id, "access_token": token.get("access_token")},
            )
            claims.validate(leeway=self._settings.jwt_leeway_seconds)
        except (JoseError, ValueError) as error:
            raise SignInFailed(f"the ID token failed a check ({type(error).__name__})") from None
        subject = claims.get(self._settings.jwt_subject_claim)
        if not isinstance(subject, str) or not subject:
            raise SignInFailed(f"the ID token names nobody by {self._settings.jwt_subject_claim}")
        return subject

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=_PROVIDER_TIMEOUT_SECONDS, transport=self._transport) as http:
                answer = await http.get(url)
                answer.raise_for_status()
                found = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SignInFailed(f"the provider did not answer ({type(error).__name__})") from None
        if not isinstance(found, dict):
            raise SignInFailed("the provider's answer is not an object")
        return found


def routes(app: FastAPI, pages: Pages, provider: OpenIdProvider) -> None:
    sealer = pages.sealer

    async def start(request: Request, visit: Visit) -> Response:
        pending = PendingSignIn(
            state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
            # RFC 7636: 43 to 128 characters; 64 random bytes make 86.
            code_verifier=secrets.token_urlsafe(64), started_at=sealer.now(),
            next=safe_next(request.query_params.get("next", "/")),
        )
        try:
            location = await provider.authorization_url(pending)
        except SignInFailed as failure:
            return _failed(visit, failure)
        return pages.redirect(visit, location, session=replace(visit.session, pending=pending))

    async def callback(request: Request, visit: Visit) -> Response:
        pending = visit.session.pending
        # One use only: whatever happens next, this sign-in cannot be completed twice.
        session = replace(visit.session, pending=None)
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        if pending is None or not state or not secrets.compare_digest(state, pending.state):
            return _failed(visit, SignInFailed("the state is not the one this browser was sent with"), session)
        if not code or "error" in request.query_params:
            return _failed(visit, SignInFailed("the provider gave no code"), session)
        try:
            subject = await provider.subject(code, pending)
        except SignInFailed as failure:
            return _failed(visit, failure, session)
        principal: Principal | None = await pages.call(pages.principals.named, subject)
        if principal is None:
            return pages.redirect(visit, "/sign-in?" + urlencode({"message": "unknown"}), session=session)
        return pages.redirect(visit, safe_next(pending.next), session=sealer.signed_in(principal.professional_id))

    def _failed(visit: Visit, failure: SignInFailed, session: Session | None = None) -> Response:
        log.warning("browser sign-in failed", extra={"reason": str(failure)})
        return pages.redirect(visit, "/sign-in?" + urlencode({"message": "failed"}), session=session)

    pages.get(app, "/sign-in/start", start, signed_in=False)
    pages.get(app, "/sign-in/callback", callback, signed_in=False)
