"""Query depth, alias and token limits on the endpoint, and introspection off in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.graphql.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_TOKENS, build_schema
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub, token_for
from tests.api.production_hub import seeded_production_hub

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def production_hub(demo_city_db: Driver, test_settings: Settings, tmp_path: Path) -> Iterator[Hub]:
    # Production takes every key from configuration, and trusts an identity provider of its
    # own: it refuses to start with the development issuer or key.
    with seeded_production_hub(demo_city_db, test_settings, tmp_path) as hub:
        yield hub


@pytest.fixture
def hub(demo_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=demo_city_db)) as client:
        yield Hub(client, test_settings)


def bearer(hub: Hub) -> dict[str, str]:
    # The production hub's client already carries its identity provider's token.
    if hub.settings.is_production:
        return {}
    return {"authorization": f"Bearer {token_for(hub.settings, demo_city.MASH_SOCIAL_WORKER_ID)}"}


def post(hub: Hub, query: str) -> dict[str, Any]:
    response = hub.client.post("/graphql", json={"query": query}, headers=bearer(hub))
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def browser(hub: Hub) -> dict[str, str]:
    return {"accept": "text/html", **bearer(hub)}


def nested(depth: int) -> str:
    # The limit is checked on the shape of the document, before any field is resolved.
    inner = "id"
    for level in range(depth):
        inner = f"level{level} {{ {inner} }}"
    return f'{{ familyNetwork(childId: "{demo_city.DEMO_FAMILY_CHILD_ID}") {{ {inner} }} }}'


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ professionalId }}" for i in range(count)) + " }"


def oversized(tokens: int) -> str:
    return "{ " + " ".join("__typename" for _ in range(tokens)) + " }"


class TestLimits:
    def test_a_query_within_every_limit_is_answered(self, hub: Hub) -> None:
        body = post(hub, aliased(MAX_ALIASES))

        assert "errors" not in body
        assert body["data"]["a0"]["professionalId"] == demo_city.MASH_SOCIAL_WORKER_ID

    def test_a_deep_query_is_refused(self, hub: Hub) -> None:
        body = post(hub, nested(MAX_QUERY_DEPTH))

        assert body.get("data") is None
        assert any("exceeds maximum operation depth" in error["message"] for error in body["errors"])

    def test_an_aliased_query_is_refused(self, hub: Hub) -> None:
        body = post(hub, aliased(MAX_ALIASES + 1))

        assert body.get("data") is None
        assert "aliases" in body["errors"][0]["message"]

    def test_an_oversized_query_is_refused_before_it_runs(self, hub: Hub) -> None:
        body = post(hub, oversized(MAX_TOKENS + 10))

        assert body.get("data") is None
        assert "tokens" in body["errors"][0]["message"]


class TestProductionMode:
    def test_introspection_is_off_in_production(self) -> None:
        result = build_schema(production=True).execute_sync(INTROSPECTION)

        assert result.errors and "introspection" in result.errors[0].message.lower()

    def test_production_app_serves_no_graphiql_and_refuses_introspection(self, production_hub: Hub) -> None:
        ide = production_hub.client.get("/graphql", headers=browser(production_hub))
        body = post(production_hub, INTROSPECTION)
        answered = post(production_hub, "{ me { professionalId } }")

        assert ide.status_code in {404, 405} and "graphiql" not in ide.text.lower()
        assert body.get("data") is None and "introspection" in body["errors"][0]["message"].lower()
        assert answered["data"] == {"me": {"professionalId": demo_city.MASH_SOCIAL_WORKER_ID}}

    def test_development_app_serves_graphiql_from_its_own_assets(self, hub: Hub) -> None:
        ide = hub.client.get("/graphql", headers=browser(hub))

        assert ide.status_code == 200 and "/static/vendor/graphiql/graphiql.min.js" in ide.text
        assert "https://" not in ide.text

    def test_a_development_app_and_a_production_app_in_one_process_each_serve_their_own_schema(
        self, hub: Hub, production_hub: Hub,
    ) -> None:
        assert post(hub, INTROSPECTION) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        refused = post(production_hub, INTROSPECTION)
        assert refused.get("data") is None and "introspection" in refused["errors"][0]["message"].lower()
        assert post(hub, INTROSPECTION) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

    def test_introspection_is_on_in_development(self) -> None:
        result = build_schema(production=False).execute_sync(INTROSPECTION)

        assert result.errors is None
        assert result.data == {"__schema": {"queryType": {"name": "Query"}}}
