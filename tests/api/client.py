"""A GraphQL client over the real ASGI app, signing in as a seeded professional."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.identity import ensure_dev_keypair, mint_token
from config.settings import Settings


def token_for(settings: Settings, professional_id: str, **overrides: Any) -> str:
    private_pem, _ = ensure_dev_keypair(settings.dev_keys_dir)
    return mint_token(
        private_pem, subject=professional_id, issuer=overrides.get("issuer", settings.jwt_issuer),
        audience=overrides.get("audience", settings.jwt_audience),
        lifetime_seconds=overrides.get("lifetime_seconds", 600), now=overrides.get("now"),
    )


class Hub:
    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def graphql(self, as_professional: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token_for(self.settings, as_professional)}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]
