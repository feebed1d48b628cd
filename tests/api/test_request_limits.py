"""Size and cost limits: an oversized or over-costly request is refused with a reason and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.graphql.limits import MAX_OPERATION_COST, MAX_STRING_LITERAL
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub, token_for
from tests.api.test_front_door import RECORD_CONTACT, contact_input


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=sealed_city_db)) as client:
        yield Hub(client, test_settings)


def headers(hub: Hub, who: str = demo_city.MASH_SOCIAL_WORKER_ID) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for(hub.settings, who)}", "content-type": "application/json"}


def contacts(driver: Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (c:Contact) RETURN count(c) AS n")
    return int(records[0]["n"])


def graphql(hub: Hub, who: str, query: str, **variables: Any) -> dict[str, Any]:
    response = hub.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers(hub, who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestSize:
    def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_written(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        concern = "x" * (2 * hub.settings.max_request_body_bytes)
        before = contacts(graph_db)

        response = hub.client.post(
            "/graphql", json={"query": RECORD_CONTACT, "variables": {"input": contact_input(concern=concern)}},
            headers=headers(hub),
        )

        assert response.status_code == 413
        assert response.json() == {"error": f"request body exceeds {hub.settings.max_request_body_bytes} bytes"}
        assert response.headers["x-request-id"]
        assert contacts(graph_db) == before

    def test_a_chunked_body_is_held_to_the_same_limit(self, hub: Hub, graph_db: Driver) -> None:
        before = contacts(graph_db)
        piece = b'{"query": "' + b"x" * 64 * 1024

        def chunks() -> Iterator[bytes]:
            for _ in range(32):
                yield piece

        response = hub.client.post("/graphql", content=chunks(), headers=headers(hub))

        assert response.status_code == 413
        assert contacts(graph_db) == before

    def test_headers_over_the_limit_are_refused_with_431(self, hub: Hub) -> None:
        response = hub.client.post(
            "/graphql", json={"query": "{ me { professionalId } }"},
            headers={**headers(hub), "x-padding": "y" * (2 * hub.settings.max_request_header_bytes)},
        )

        assert response.status_code == 431
        assert "headers exceed" in response.json()["error"]

    def test_a_string_literal_longer_than_any_field_takes_is_refused_before_it_runs(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        long_name = "y" * (MAX_STRING_LITERAL + 1)
        before = contacts(graph_db)

        query = '{ searchPeople(name: "' + long_name + '", first: 5) { __typename } }'

        body = graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, query)

        assert body["data"] is None
        assert [e["message"] for e in body["errors"]] == [
            f"A string is longer than the {MAX_STRING_LITERAL} characters allowed."
        ]
        assert contacts(graph_db) == before

    def test_a_request_within_the_limits_is_answered(self, hub: Hub) -> None:
        body = graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, "{ me { professionalId } }")

        assert body == {"data": {"me": {"professionalId": demo_city.MASH_SOCIAL_WORKER_ID}}}


class TestCost:
    def test_many_aliased_audit_verifications_are_refused_before_any_runs(self, hub: Hub, graph_db: Driver) -> None:
        aliased = " ".join(f"v{i}: verifyAudit {{ __typename }}" for i in range(15))

        body = graphql(hub, demo_city.AUDITOR_ID, "{ " + aliased + " }")

        assert body["data"] is None
        assert body["errors"][0]["message"].startswith(f"This operation costs 300, more than the {MAX_OPERATION_COST}")
        records, _, _ = graph_db.execute_query("MATCH (e:AuditEvent) WHERE e.action STARTS WITH 'audit.verif' "
                                               "RETURN count(e) AS n")
        assert records[0]["n"] == 0

    def test_many_aliased_fuzzy_searches_are_refused(self, hub: Hub) -> None:
        aliased = " ".join(f's{i}: searchPeople(name: "Marsh", first: 5) {{ __typename }}' for i in range(12))

        body = graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, "{ " + aliased + " }")

        assert body["data"] is None and "costs 60" in body["errors"][0]["message"]

    def test_fragments_are_counted_where_they_are_spread(self, hub: Hub) -> None:
        spreads = " ".join(f"...F{i % 3}" for i in range(3))
        fragments = " ".join(
            f"fragment F{i} on Query {{ " + " ".join(f"a{i}{j}: verifyAudit {{ __typename }}" for j in range(1)) + " }"
            for i in range(3)
        )

        body = graphql(hub, demo_city.AUDITOR_ID, "{ " + spreads + " } " + fragments)

        assert body["data"] is None and "costs 60" in body["errors"][0]["message"]

    def test_an_operation_within_the_budget_runs(self, hub: Hub) -> None:
        body = graphql(
            hub, demo_city.MASH_SOCIAL_WORKER_ID,
            '{ a: searchPeople(name: "Marsh", first: 5) { __typename } '
            'b: familyNetwork(childId: "' + demo_city.DEMO_FAMILY_CHILD_ID + '") { childId } }',
        )

        assert "errors" not in body
        assert body["data"]["b"]["childId"] == demo_city.DEMO_FAMILY_CHILD_ID
