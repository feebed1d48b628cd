"""Logs carry no document text and no variable values, whatever goes wrong with an operation.

Canaries stand for case content: each is sent inline in the document or as a variable,
through every kind of failure an operation can meet, and must reach no log record of any
logger at any level, in its message, its arguments, its extra fields or its traceback.
"""

from __future__ import annotations

import logging
from typing import Any, LiteralString

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from neo4j import Driver

from api.metrics import Metrics
from api.middleware import RequestContext
from devtools import demo_city
from tests.api.client import Hub, token_for
from tests.api.test_front_door import CONTACT, RECORD_CONTACT, contact_input

LITERAL = "canary-inline-Mx7Qz"
VARIABLE = "canary-variable-Kp4Wd"
REQUEST_ID = "log-privacy-request-0001"

CORRUPT_DUE_BY: LiteralString = "MATCH (k:Contact {id: $id}) SET k.due_by = $value"
SCRAMBLE_CONCERN: LiteralString = """
MATCH (k:Contact {id: $id})
SET k.concern = substring(k.concern, 0, size(k.concern) - 6) + 'AAAAAA'
"""


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def recorded_contact_id(hub: Hub, **changes: Any) -> str:
    recorded = post(hub, RECORD_CONTACT, input=contact_input(**changes))["data"]["recordContact"]
    assert recorded["__typename"] == "Contact", recorded
    return str(recorded["id"])


def post(hub: Hub, query: str, operation: str | None = None, **variables: Any) -> dict[str, Any]:
    response = hub.client.post(
        "/graphql",
        json={"query": query, "variables": variables, "operationName": operation},
        headers={"authorization": f"Bearer {token_for(hub.settings, demo_city.MASH_SOCIAL_WORKER_ID)}",
                 "x-request-id": REQUEST_ID},
    )
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter()
    return "\n".join(
        f"{formatter.format(record)}\n{record.args!r}\n{vars(record)!r}" for record in caplog.records
    )


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == "graphql operation failed"]


def assert_no_canary(caplog: pytest.LogCaptureFixture) -> None:
    logged = everything_logged(caplog)
    assert LITERAL not in logged
    assert VARIABLE not in logged


class TestFailedOperationsLogNoContent:
    def test_a_syntax_error(self, hub: Hub, logs: pytest.LogCaptureFixture) -> None:
        body = post(hub, f'query Search($name: String!) {{ searchPeople(name: "{LITERAL}", first: 5 ', name=VARIABLE)

        assert body["errors"] and "Syntax Error" in body["errors"][0]["message"]
        assert_no_canary(logs)
        assert [getattr(record, "codes", None) for record in failures(logs)] == [["GRAPHQL_PARSE_FAILED"]]

    def test_a_validation_error(self, hub: Hub, logs: pytest.LogCaptureFixture) -> None:
        body = post(
            hub, f'query Search($name: String!) {{ searchPeople(nme: "{LITERAL}", name: $name, first: 5) '
                 "{ __typename } }",
            name=VARIABLE,
        )

        assert body["errors"] and "nme" in body["errors"][0]["message"]
        assert_no_canary(logs)
        assert [getattr(record, "codes", None) for record in failures(logs)] == [["GRAPHQL_VALIDATION_FAILED"]]

    def test_a_variable_that_does_not_coerce(self, hub: Hub, logs: pytest.LogCaptureFixture) -> None:
        body = post(
            hub, f'query Search($first: Int!) {{ searchPeople(name: "{LITERAL}", first: $first) {{ __typename }} }}',
            first=VARIABLE,
        )

        assert body["errors"] and body.get("data") is None
        assert_no_canary(logs)
        assert [getattr(record, "codes", None) for record in failures(logs)] == [["BAD_REQUEST"]]

    def test_a_failure_inside_the_hub(self, hub: Hub, graph_db: Driver, logs: pytest.LogCaptureFixture) -> None:
        # A stored value of the wrong type fails the resolver: a fault of the hub's own, met
        # while the operation holds the caller's text and the contact's.
        contact_id = recorded_contact_id(hub, concern=VARIABLE)
        graph_db.execute_query(CORRUPT_DUE_BY, id=contact_id, value=VARIABLE, database_="neo4j")

        body = post(
            hub, f'query Queue {{ searchPeople(name: "{LITERAL}", first: 1) {{ __typename }} '
                 f'contact(id: "{contact_id}") {{ ... on Contact {{ secondsLeft }} }} }}',
        )

        assert body["errors"][0]["message"] == "Unexpected error."
        assert_no_canary(logs)
        [failure] = failures(logs)
        assert failure.levelno == logging.ERROR
        assert getattr(failure, "codes", None) == ["INTERNAL_SERVER_ERROR"]
        assert getattr(failure, "exception", None) == ["TypeError"]

    def test_a_typed_refusal(self, hub: Hub, logs: pytest.LogCaptureFixture) -> None:
        # Refused after the graph was asked for the contact, so the value went to Neo4j.
        body = post(hub, "query($id: ID!) { contact(id: $id) { __typename } }", id=VARIABLE)

        assert body["data"]["contact"]["__typename"] == "ContactNotFound"
        assert_no_canary(logs)

    def test_an_encrypted_field_that_was_tampered_with(
        self, hub: Hub, graph_db: Driver, logs: pytest.LogCaptureFixture
    ) -> None:
        referrer = {"kind": "PUBLIC", "name": VARIABLE, "relationship": "neighbour"}
        contact_id = recorded_contact_id(hub, concern=VARIABLE, referrer=referrer)
        graph_db.execute_query(SCRAMBLE_CONCERN, id=contact_id, database_="neo4j")

        read = post(hub, CONTACT, id=contact_id)["data"]["contact"]

        assert read["concern"] is None
        assert_no_canary(logs)
        assert any(getattr(record, "problem", None) for record in logs.records)


class TestAFailureIsLoggedByCodes:
    def test_with_the_operation_request_and_caller(self, hub: Hub, logs: pytest.LogCaptureFixture) -> None:
        post(hub, f'query Search {{ searchPeople(nme: "{LITERAL}", first: 5) {{ __typename }} }}', "Search")

        [failure] = failures(logs)
        assert failure.levelno == logging.WARNING
        assert getattr(failure, "operation", None) == "Search"
        assert getattr(failure, "request_id", None) == REQUEST_ID
        assert getattr(failure, "professional_id", None) == demo_city.MASH_SOCIAL_WORKER_ID

    def test_an_operation_name_that_is_not_a_name_is_not_logged(
        self, hub: Hub, logs: pytest.LogCaptureFixture
    ) -> None:
        post(hub, f'query Search {{ searchPeople(name: "{LITERAL}" ', f"{LITERAL} {VARIABLE}")

        assert_no_canary(logs)
        assert [getattr(record, "operation", None) for record in failures(logs)] == ["-"]



class TestAFailureOutsideGraphQL:
    def test_an_exception_that_escapes_is_logged_by_its_class(self, logs: pytest.LogCaptureFixture) -> None:
        app = FastAPI()

        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError(f"could not read the record of {VARIABLE}")

        app.add_middleware(RequestContext, metrics=Metrics())
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom")

        assert response.status_code == 500
        assert_no_canary(logs)
        [failure] = [record for record in logs.records if record.getMessage() == "request failed"]
        assert getattr(failure, "exception", None) == "RuntimeError"
