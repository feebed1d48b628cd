"""In production a GraphQL error names nothing of the schema the caller did not write.

With introspection off, "Did you mean ...?" and "required field 'x'" would still let a
caller map fields, types, arguments, enum values and input fields by misspelling them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub, token_for
from tests.api.production_hub import seeded_production_hub

# A misspelt document or variable, and the names of the schema its errors must not name.
MISSPELLINGS: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("field", '{ familyNetwrk(childId: "x") { childId } }', {}, {"familyNetwork"}),
    ("nested field", "{ me { nme } }", {}, {"name"}),
    ("type", "query($s: ContactStatu) { me { professionalId } }", {}, {"ContactStatus", "Contact"}),
    ("argument", '{ familyNetwork(chldId: "x") { childId } }', {}, {"childId", "depth"}),
    ("enum value", "{ contacts(first: 1, status: OPN) { __typename } }", {}, {"OPEN", "DECIDED", "ContactStatus"}),
    ("input field", 'mutation { recordContact(input: {chldId: "x"}) { __typename } }', {},
     {"childId", "referrer", "channel", "concern", "urgency", "consentPosition"}),
    ("enum value in a variable",
     "query($s: ContactStatus) { contacts(first: 1, status: $s) { __typename } }", {"s": "OPN"}, {"OPEN", "DECIDED"}),
    ("input field in a variable",
     "mutation($i: RecordContactInput!) { recordContact(input: $i) { __typename } }", {"i": {"chldId": "x"}},
     {"childId", "referrer", "channel", "concern", "urgency", "consentPosition"}),
]


@pytest.fixture
def production_hub(demo_city_db: Driver, test_settings: Settings, tmp_path: Path) -> Iterator[Hub]:
    # Production takes every key from configuration, and trusts an identity provider of its
    # own: it refuses to start with the development issuer or key.
    with seeded_production_hub(demo_city_db, test_settings, tmp_path) as hub:
        yield hub


@pytest.fixture
def development_hub(demo_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=demo_city_db)) as client:
        client.headers.update({"authorization": f"Bearer {token_for(test_settings, demo_city.MASH_SOCIAL_WORKER_ID)}"})
        yield Hub(client, test_settings)


def error_messages(hub: Hub, query: str, variables: dict[str, Any]) -> list[str]:
    response = hub.client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body.get("data") is None and body["errors"], body
    return [error["message"] for error in body["errors"]]


def named_in(messages: list[str], names: set[str]) -> set[str]:
    return {name for name in names for message in messages if f"'{name}'" in message}


@pytest.mark.parametrize(("case", "query", "variables", "hidden"), MISSPELLINGS, ids=[m[0] for m in MISSPELLINGS])
class TestMisspellings:
    def test_in_production_are_answered_without_suggestions_or_names(
        self, production_hub: Hub, case: str, query: str, variables: dict[str, Any], hidden: set[str]
    ) -> None:
        messages = error_messages(production_hub, query, variables)

        assert not [message for message in messages if "Did you mean" in message]
        assert named_in(messages, hidden) == set()



VARIABLE_MISSPELLINGS = [m for m in MISSPELLINGS if m[2]]


class TestInDevelopment:
    @pytest.mark.parametrize(
        ("case", "query", "variables", "hidden"), VARIABLE_MISSPELLINGS, ids=[m[0] for m in VARIABLE_MISSPELLINGS]
    )
    def test_a_variable_that_does_not_coerce_is_explained_with_suggestions(
        self, development_hub: Hub, case: str, query: str, variables: dict[str, Any], hidden: set[str]
    ) -> None:
        messages = error_messages(development_hub, query, variables)

        assert any("Did you mean" in message for message in messages)
        assert named_in(messages, hidden)


class TestProductionErrorsStillSayWhere:
    def test_an_error_keeps_its_location_for_the_caller_to_fix(self, production_hub: Hub) -> None:
        response = production_hub.client.post(
            "/graphql", json={"query": '{ familyNetwork(chldId: "x") { childId } }'}
        )

        errors = response.json()["errors"]
        assert [error["locations"] for error in errors] == [[{"line": 1, "column": 17}], [{"line": 1, "column": 3}]]
        assert errors[1]["message"] == "A required argument was not provided."

    def test_a_variable_that_does_not_coerce_is_named_by_the_callers_own_name(self, production_hub: Hub) -> None:
        messages = error_messages(
            production_hub, "query($wanted: ContactStatus) { contacts(first: 1, status: $wanted) { __typename } }",
            {"wanted": "OPN"},
        )

        assert messages == ["Variable '$wanted' has a value not of its type."]
