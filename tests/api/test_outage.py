"""A Neo4j outage: quick 503s with a reason while it lasts, and recovery with nothing half-done after.

The Neo4j here is the test's own, stopped and started again, so the suite's shared one is
never disturbed. The app makes its own driver from the settings, as it does when deployed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city, local_neo4j
from graph import migrations
from graph.driver import connect
from tests.api.client import token_for
from tests.api.test_front_door import RECORD_CONTACT, contact_input

pytestmark = pytest.mark.slow

PASSWORD = "outage-test-password"
# A bound well under the 30 s and more that an outage used to hang a request, with room
# for a slow CI machine over the few seconds the driver's timeouts allow.
REQUEST_BOUND_SECONDS = 10.0
HEALTH_BOUND_SECONDS = 2.5
CANARY_CONCERN = "OUTAGE-CANARY: recorded while the graph was down"
ME = "{ me { name } }"
VERIFY_AUDIT = "{ verifyAudit { __typename ... on AuditVerification { ok eventsChecked reason } } }"
COUNT_CONTACTS: LiteralString = "MATCH (k:Contact) RETURN count(k) AS found"
COUNT_RECORDED: LiteralString = (
    "MATCH (e:AuditEvent {action: 'contact.recorded'}) RETURN count(e) AS found"
)


@dataclass(frozen=True)
class Timed:
    status: int
    body: dict[str, Any]
    seconds: float


@dataclass(frozen=True)
class Outage:
    health: list[Timed]
    read: Timed
    write: Timed
    contacts_before: int
    recorded_before: int


class Caller:
    def __init__(self, client: TestClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    def graphql(self, query: str, *, as_professional: str = demo_city.MASH_SOCIAL_WORKER_ID, **variables: Any) -> Timed:
        headers = {"authorization": f"Bearer {token_for(self._settings, as_professional)}"}
        return self._timed(lambda: self._client.post("/graphql", json={"query": query, "variables": variables},
                                                     headers=headers))

    def health(self) -> Timed:
        return self._timed(lambda: self._client.get("/health"))

    @staticmethod
    def _timed(send: Callable[[], httpx.Response]) -> Timed:
        started = time.monotonic()
        response = send()
        return Timed(response.status_code, response.json(), time.monotonic() - started)


@pytest.fixture(scope="module")
def own_neo4j(neo4j_lib: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_neo4j.LocalNeo4j]:
    instance = local_neo4j.LocalNeo4j(
        home=tmp_path_factory.mktemp("outage-neo4j"), lib_dir=neo4j_lib, bolt_port=local_neo4j.free_port(),
        password=PASSWORD, heap="512m", pagecache="64m",
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def settings(own_neo4j: local_neo4j.LocalNeo4j, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        neo4j_uri=own_neo4j.uri, neo4j_password=PASSWORD, dev_keys_dir=tmp_path_factory.mktemp("outage-keys"),
    )


def count(settings: Settings, query: LiteralString, **parameters: Any) -> int:
    with connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value()) as driver:
        records, _, _ = driver.execute_query(query, parameters, database_="neo4j")
        return int(records[0]["found"])


@pytest.fixture(scope="module")
def caller(own_neo4j: local_neo4j.LocalNeo4j, settings: Settings) -> Iterator[Caller]:
    with connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value()) as driver:
        migrations.migrate(driver, PROJECT_ROOT / "migrations", database="neo4j")
        demo_city.load(driver, [demo_city.demo_city()], database="neo4j")
    with TestClient(create_app(settings)) as client:
        yield Caller(client, settings)


@pytest.fixture(scope="module")
def outage(own_neo4j: local_neo4j.LocalNeo4j, settings: Settings, caller: Caller) -> Outage:
    # A just-started JVM may answer the first check after /health's bound; the next gets its answer.
    assert until_healthy(caller).status == 200 and caller.graphql(ME).status == 200
    contacts_before = count(settings, COUNT_CONTACTS)
    recorded_before = count(settings, COUNT_RECORDED)
    own_neo4j.stop()
    try:
        # Each /health after the last answer's cache has expired, so each is a fresh probe.
        wait_out_cache = settings.health_cache_seconds + 0.1
        time.sleep(wait_out_cache)
        first_health = caller.health()
        read = caller.graphql(ME)
        write = caller.graphql(RECORD_CONTACT, input=contact_input(concern=CANARY_CONCERN))
        time.sleep(wait_out_cache)
        last_health = caller.health()
    finally:
        own_neo4j.start()
    return Outage(
        health=[first_health, last_health], read=read, write=write,
        contacts_before=contacts_before, recorded_before=recorded_before,
    )


def until_healthy(caller: Caller, within_seconds: float = 30.0) -> Timed:
    deadline = time.monotonic() + within_seconds
    while True:
        answer = caller.health()
        if answer.status == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.25)


class TestDuringAnOutage:
    def test_graphql_read_answers_503_with_a_reason_within_seconds(self, outage: Outage) -> None:
        assert outage.read.status == 503, outage.read
        assert outage.read.body["error"] == "graph_unavailable"
        assert "unavailable" in outage.read.body["reason"]
        assert outage.read.seconds < REQUEST_BOUND_SECONDS

    def test_graphql_write_answers_503_with_a_reason_within_seconds(self, outage: Outage) -> None:
        assert outage.write.status == 503, outage.write
        assert outage.write.body["error"] == "graph_unavailable"
        assert outage.write.seconds < REQUEST_BOUND_SECONDS

    def test_health_answers_503_with_a_reason_within_its_bound_every_time(self, outage: Outage) -> None:
        for answer in outage.health:
            assert answer.status == 503, answer
            assert answer.body["status"] == "unavailable" and "Neo4j" in answer.body["reason"]
            assert answer.seconds < HEALTH_BOUND_SECONDS, answer

    def test_the_driver_s_message_reaches_no_caller(self, outage: Outage) -> None:
        for answer in (outage.read, outage.write, *outage.health):
            text = str(answer.body)
            assert "127.0.0.1" not in text and "Connection refused" not in text, text


class TestAfterNeo4jReturns:
    def test_health_is_ok_again_without_a_restart_of_the_hub(self, outage: Outage, caller: Caller) -> None:
        assert until_healthy(caller).status == 200

    def test_the_same_requests_succeed_and_the_outage_write_left_nothing(
        self, outage: Outage, caller: Caller, settings: Settings
    ) -> None:
        until_healthy(caller)
        assert count(settings, COUNT_CONTACTS) == outage.contacts_before
        assert count(settings, COUNT_RECORDED) == outage.recorded_before

        read = caller.graphql(ME)
        write = caller.graphql(RECORD_CONTACT, input=contact_input(concern=CANARY_CONCERN))

        assert read.status == 200 and read.body["data"]["me"]["name"], read
        assert write.status == 200 and write.body["data"]["recordContact"]["__typename"] == "Contact", write
        assert count(settings, COUNT_CONTACTS) == outage.contacts_before + 1
        assert count(settings, COUNT_RECORDED) == outage.recorded_before + 1

    def test_the_audit_chain_still_verifies(self, outage: Outage, caller: Caller) -> None:
        until_healthy(caller)
        verified = caller.graphql(VERIFY_AUDIT, as_professional=demo_city.AUDITOR_ID)

        assert verified.status == 200
        assert verified.body["data"]["verifyAudit"]["ok"] is True, verified.body
