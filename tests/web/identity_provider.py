"""A real OpenID Connect provider for the sign-in tests, built from Authlib's own server classes.

It serves discovery, the authorization endpoint (the professional it signs in is whoever the
test says is at its keyboard, without a login form), the token endpoint with the
authorization code grant, PKCE (`CodeChallenge`, required) and the OpenID Connect code
extension (`OpenIDCode`, nonce required), and its JWKS. It keeps what it was sent, so a test
can say what reached it, and can be told to put a wrong nonce in its next ID token or to stop
at a page linking back to the hub (so a test can tamper with the way back).
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from joserfc.jwk import KeySet, RSAKey
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import local_neo4j
from tests.web.browser import Served, serve


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(word for word in scope.split() if word in ("openid", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        # A public client: it proves itself with its PKCE verifier, never a secret.
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Person:
    subject: str


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, method: str, uri: str, headers: dict[str, str], query: dict[str, str],
                 form: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self._query = query
        self._form = form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _opaque_token(**_: Any) -> str:
    return secrets.token_urlsafe(32)


class IdentityProvider:
    def __init__(self, issuer: str, client: Client) -> None:
        self.issuer = issuer
        self.client = client
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-key-1"})
        # Who is at the provider's keyboard: the professional the next sign-in is for.
        self.signed_in: str | None = None
        # The preferred_username an ID token carries for a subject, when the test gives one.
        self.usernames: dict[str, str] = {}
        self.wrong_nonce = False
        # Stop at a page with a link back to the hub, as a provider's consent page does, rather
        # than send the browser straight back.
        self.hold = False
        self.codes: dict[str, Code] = {}
        self.authorization_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.server = self._server()
        self.app = self._app()

    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                return None

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request

            def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=dict(headers))
                return Response(body or "", status_code=status, headers=dict(headers))

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class Grant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code, client_id=request.client.get_client_id(), redirect_uri=data.get("redirect_uri", ""),
                    scope=request.scope or "", subject=request.user.subject, nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found is not None and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return Person(authorization_code.subject)

        class Challenge(CodeChallenge):  # type: ignore[misc]
            def get_authorization_code_challenge(self, authorization_code: Code) -> str | None:
                return authorization_code.code_challenge

            def get_authorization_code_challenge_method(self, authorization_code: Code) -> str | None:
                return authorization_code.code_challenge_method

        class OpenId(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": provider.key.kid or ""}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.client_id], "exp": int(time.time()) + 300}

            def get_authorization_code_claims(self, authorization_code: Code) -> dict[str, Any]:
                claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
                if provider.wrong_nonce:
                    claims["nonce"] = "not-the-nonce-the-hub-sent"
                return claims

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                username = provider.usernames.get(user.subject)
                return UserInfo(sub=user.subject, **({"preferred_username": username} if username else {}))

        server = Server()
        server.register_token_generator("default", BearerTokenGenerator(_opaque_token, _opaque_token))
        server.register_grant(Grant, [Challenge(required=True), OpenId(require_nonce=True)])
        return server

    def _app(self) -> FastAPI:
        app = FastAPI()
        issuer = self.issuer

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> JSONResponse:
            return JSONResponse({
                "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            })

        @app.get("/jwks")
        async def jwks() -> JSONResponse:
            return JSONResponse(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        async def authorize(request: Request) -> Response:
            query = dict(request.query_params)
            self.authorization_requests.append(query)
            oauth_request = _Request("GET", str(request.url), dict(request.headers), query, {})
            person = Person(self.signed_in) if self.signed_in is not None else None
            grant = self.server.get_consent_grant(oauth_request, end_user=person)
            found: Response = self.server.create_authorization_response(oauth_request, grant_user=person, grant=grant)
            if self.hold and "location" in found.headers:
                link = html.escape(found.headers["location"])
                return HTMLResponse(f'<!doctype html><title>Provider</title><a id="back" href="{link}">Continue</a>')
            return found

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))
            self.token_requests.append(form)
            oauth_request = _Request("POST", str(request.url), dict(request.headers), {}, form)
            found: Response = self.server.create_token_response(oauth_request)
            return found

        return app


@dataclass
class ProviderAndHub:
    provider: IdentityProvider
    hub: Served


@contextmanager
def served_with_provider(
    driver: Driver, settings: Settings, client_id: str, **overrides: Any,
) -> Iterator[ProviderAndHub]:
    """A provider on a free port and a hub signing in at it as `client_id`, both served."""
    provider_port, hub_port = local_neo4j.free_port(), local_neo4j.free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    callback = f"http://127.0.0.1:{hub_port}/sign-in/callback"
    provider = IdentityProvider(issuer, Client(client_id, callback))
    configured = settings.model_copy(update={
        "jwt_issuer": issuer, "oidc_client_id": client_id, "oidc_redirect_url": callback, **overrides,
    })
    with serve(provider.app, provider_port), serve(create_app(configured, driver=driver), hub_port) as hub:
        yield ProviderAndHub(provider, hub)
