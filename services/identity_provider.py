"""The council's identity provider as its issuer describes itself: OpenID Connect Discovery.

Read from `<issuer>/.well-known/openid-configuration` by both faces: the API, at start, for the
JWKS its bearer tokens are verified with, and the pages, for where a browser signs in. One
reading, held to one rule (OpenID Connect Discovery 4.3): the document must name as its issuer
exactly the issuer configured (HUB_JWT_ISSUER), else it is another provider's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DISCOVERY_PATH = "/.well-known/openid-configuration"
PROVIDER_TIMEOUT_SECONDS = 10.0


class DiscoveryFailed(Exception):
    """The provider's metadata cannot be used; the message is one line, naming what is wrong."""


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    jwks_uri: str
    # Empty when the provider publishes none: the API needs only the keys.
    authorization_endpoint: str = ""
    token_endpoint: str = ""


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def read_metadata(issuer: str, document: object) -> ProviderMetadata:
    """The metadata in a discovery document, if it is the configured issuer's own."""
    if not isinstance(document, dict):
        raise DiscoveryFailed(f"{discovery_url(issuer)} did not answer with a JSON object")
    named = document.get("issuer")
    if named != issuer:
        raise DiscoveryFailed(
            f"{discovery_url(issuer)} names {_shown(named)} as its issuer, not HUB_JWT_ISSUER {issuer!r}"
        )
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
        raise DiscoveryFailed(f"{discovery_url(issuer)} gives no http(s) jwks_uri")
    return ProviderMetadata(
        issuer=issuer, jwks_uri=jwks_uri,
        authorization_endpoint=_text(document.get("authorization_endpoint")),
        token_endpoint=_text(document.get("token_endpoint")),
    )


def discover(
    issuer: str, *, timeout: float = PROVIDER_TIMEOUT_SECONDS, transport: httpx.BaseTransport | None = None
) -> ProviderMetadata:
    url = discovery_url(issuer)
    try:
        with httpx.Client(timeout=timeout, transport=transport) as http:
            document = _json(http.get(url))
    except (httpx.HTTPError, ValueError) as error:
        raise DiscoveryFailed(f"{url} did not answer ({type(error).__name__})") from None
    return read_metadata(issuer, document)


async def adiscover(
    issuer: str, *, timeout: float = PROVIDER_TIMEOUT_SECONDS, transport: httpx.AsyncBaseTransport | None = None
) -> ProviderMetadata:
    url = discovery_url(issuer)
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
            document = _json(await http.get(url))
    except (httpx.HTTPError, ValueError) as error:
        raise DiscoveryFailed(f"{url} did not answer ({type(error).__name__})") from None
    return read_metadata(issuer, document)


def _json(answer: httpx.Response) -> Any:
    answer.raise_for_status()
    return answer.json()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _shown(value: object) -> str:
    # repr keeps the message on one line whatever the document holds; a long value is cut.
    shown = repr(value)
    return shown if len(shown) <= 200 else shown[:200] + "..."
