"""The family network confirms a caller the process has seen before in its own query.

A process remembers who each token's subject was when last read, and the network query runs
only if the graph still records exactly that caller with the policy revision the process
holds (graph.network.CALLER_CURRENT). The oracle is a process that has never seen the caller:
after any change to them, the process that remembers them answers exactly as it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, LiteralString

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from graph import network
from policies import MODEL_PATH, POLICY_PATH, Policy
from services.composition import assemble
from services.policy import load_policy
from services.principal import PrincipalLookup
from tests.api.client import token_for

NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId, depth: 2) {
    access { basis }
    people { id givenName }
    records { id agencyName summary access { basis } }
    knownTo { personId agencyId }
  }
}
"""

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
POLICE_TEAM_ID = "team-police-mash"

AUDITED_READS: LiteralString = "MATCH (e:AuditEvent {action: 'network.read'}) RETURN count(e) AS reads"


def _answer(client: TestClient, settings: Settings, professional: str) -> tuple[int, Any]:
    response = client.post(
        "/graphql", json={"query": NETWORK, "variables": {"childId": CHILD}},
        headers={"authorization": f"Bearer {token_for(settings, professional)}"},
    )
    body = response.json()
    return response.status_code, body.get("data", body.get("error"))


def _audited_reads(driver: Driver) -> int:
    records, _, _ = driver.execute_query(AUDITED_READS, database_="neo4j")
    return int(records[0]["reads"])


def _run(driver: Driver, query: LiteralString, **parameters: Any) -> None:
    driver.execute_query(query, parameters, database_="neo4j")


def _policy_without(line: str, folder: Path) -> Policy:
    text = POLICY_PATH.read_text()
    assert line in text
    edited = folder / "policy.csv"
    edited.write_text(text.replace(line, "# " + line))
    return Policy(MODEL_PATH, edited)


# Each change to the caller (the MASH social worker, who sees the family's network on their
# own agency's basis), made in the graph after the process has seen them.
WORKER = demo_city.MASH_SOCIAL_WORKER_ID
OWN_RECORDS_LINE = "p, front_door_practitioner, childrens_services_record, read, OWN_AGENCY"
CHANGES: dict[str, Callable[[Driver, Path], object]] = {
    "a role replaced": lambda d, _: _run(
        d, "MATCH (p:Professional {id: $id}) SET p.roles = ['health_mash_officer']", id=WORKER),
    "every role removed": lambda d, _: _run(d, "MATCH (p:Professional {id: $id}) SET p.roles = []", id=WORKER),
    "moved to another agency's team": lambda d, _: _run(
        d, "MATCH (p:Professional {id: $id})-[m:MEMBER_OF]->() DELETE m "
           "WITH DISTINCT p MATCH (t:Team {id: $team}) CREATE (p)-[:MEMBER_OF]->(t)",
        id=WORKER, team=POLICE_TEAM_ID),
    "their team moved to another agency": lambda d, _: _run(
        d, "MATCH (t:Team {id: $team})-[o:PART_OF]->() DELETE o "
           "WITH DISTINCT t MATCH (a:Agency {id: $agency}) CREATE (t)-[:PART_OF]->(a)",
        team=demo_city.MASH_TEAM_ID, agency=demo_city.POLICE_AGENCY_ID),
    "their agency's kind changed": lambda d, _: _run(
        d, "MATCH (a:Agency {id: $agency}) SET a.kind = 'POLICE'", agency=demo_city.COUNCIL_AGENCY_ID),
    "removed from the graph": lambda d, _: _run(d, "MATCH (p:Professional {id: $id}) DETACH DELETE p", id=WORKER),
    "a policy loaded that no longer lets them read their own agency's records": lambda d, folder: load_policy(
        d, _policy_without(OWN_RECORDS_LINE, folder), database="neo4j", loaded_by="test"),
    # These two change nothing the network shows; the process must still not answer on stale facts.
    "renamed": lambda d, _: _run(d, "MATCH (p:Professional {id: $id}) SET p.name = 'S. Okafor'", id=WORKER),
    "their team's service changed": lambda d, _: _run(
        d, "MATCH (t:Team {id: $team}) SET t.service = 'CRS_EDT'", team=demo_city.MASH_TEAM_ID),
}
SHOWS_NO_CHANGE = {"renamed", "their team's service changed"}


@pytest.fixture
def remembering(demo_city_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, driver=demo_city_db)) as client:
        yield client


class TestAfterAChangeToTheCaller:
    @pytest.mark.parametrize("change", list(CHANGES))
    def test_the_process_that_remembers_them_answers_as_one_that_never_saw_them(
        self, change: str, remembering: TestClient, demo_city_db: Driver, test_settings: Settings, tmp_path: Path,
    ) -> None:
        before = _answer(remembering, test_settings, WORKER)
        assert before[0] == 200 and before[1]["familyNetwork"]["records"]

        CHANGES[change](demo_city_db, tmp_path)
        after = _answer(remembering, test_settings, WORKER)
        with TestClient(create_app(test_settings, driver=demo_city_db)) as fresh:
            expected = _answer(fresh, test_settings, WORKER)

        assert after == expected
        if change not in SHOWS_NO_CHANGE:
            assert after != before, "the change must change what they are shown, or this proves nothing"

    def test_one_removed_from_the_graph_is_refused_and_nothing_is_read_or_recorded(
        self, remembering: TestClient, demo_city_db: Driver, test_settings: Settings, tmp_path: Path,
    ) -> None:
        assert _answer(remembering, test_settings, WORKER)[0] == 200
        audited = _audited_reads(demo_city_db)

        CHANGES["removed from the graph"](demo_city_db, tmp_path)
        status, error = _answer(remembering, test_settings, WORKER)

        assert (status, error) == (401, "unauthenticated")
        assert _audited_reads(demo_city_db) == audited


class TestTheConfirmation:
    """Any one fact of the caller other than the graph's, and the query reads nothing."""

    @pytest.fixture
    def expected(self, demo_city_db: Driver, test_settings: Settings) -> tuple[network.ExpectedCaller, Any]:
        hub = assemble(test_settings, driver=demo_city_db)
        lookup = PrincipalLookup(demo_city_db, database="neo4j", policy_sync=hub.policy_sync)
        principal = lookup.named(WORKER)
        assert principal is not None
        viewer = hub.services.network.viewer(principal)
        return lookup.expected(principal.professional_id, principal, policy_revision=hub.policy.revision), viewer

    def _read(self, driver: Driver, viewer: Any, caller: network.ExpectedCaller) -> Any:
        with driver.session(database="neo4j") as session:
            return session.execute_read(
                network.get_family_network_for_expected_caller, child_id=CHILD, depth=2, viewer=viewer,
                caller=caller,
            )

    def test_the_caller_as_the_graph_records_them_reads_what_the_plain_query_reads(
        self, expected: tuple[network.ExpectedCaller, Any], demo_city_db: Driver,
    ) -> None:
        caller, viewer = expected
        with demo_city_db.session(database="neo4j") as session:
            plain = session.execute_read(network.get_family_network, child_id=CHILD, depth=2, viewer=viewer)

        assert plain is not None and plain.records
        assert self._read(demo_city_db, viewer, caller) == plain

    @pytest.mark.parametrize(("fact", "other"), [
        ("id", demo_city.SECOND_MASH_SOCIAL_WORKER_ID), ("name", "Someone Else"),
        ("roles", ("health_mash_officer",)), ("roles", ("mash_social_worker", "crs_manager")), ("roles", ()),
        ("discipline", "health"), ("team_id", demo_city.EDT_TEAM_ID), ("team_service", "CRS_EDT"),
        ("agency_id", demo_city.HEALTH_AGENCY_ID), ("agency_kind", "HEALTH"),
        ("external_id", "sarah.okafor@council.example"), ("policy_revision", "another revision"),
    ])
    def test_one_fact_otherwise_reads_nothing(
        self, expected: tuple[network.ExpectedCaller, Any], demo_city_db: Driver, fact: str, other: Any,
        tmp_path: Path,
    ) -> None:
        caller, viewer = expected
        if fact == "policy_revision":
            # With no revision stored the files are the policy; a stored one must match.
            load_policy(demo_city_db, Policy(), database="neo4j", loaded_by="test")
        otherwise = (
            replace(caller, external_id=other) if fact == "external_id"
            else replace(caller, professional=replace(caller.professional, **{fact: other}))
        )
        assert otherwise != caller

        assert self._read(demo_city_db, viewer, otherwise) is network.CALLER_CHANGED

    def test_an_unknown_child_for_a_confirmed_caller_is_none_not_a_change(
        self, expected: tuple[network.ExpectedCaller, Any], demo_city_db: Driver,
    ) -> None:
        caller, viewer = expected
        with demo_city_db.session(database="neo4j") as session:
            found = session.execute_read(
                network.get_family_network_for_expected_caller, child_id="no-such-child", depth=2, viewer=viewer,
                caller=caller,
            )

        assert found is None
