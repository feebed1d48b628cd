from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import LiteralString

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub, token_for

NETWORK_QUERY = """
query Network($childId: ID!, $depth: Int!) {
  familyNetwork(childId: $childId, depth: $depth) {
    childId
    access { allowed basis reason }
    people { id kind givenName familyName }
    relationships { fromId toId type parentalResponsibility provenance { assertedBy verified } }
    residences { personId householdId current }
    allocations { professionalId childId role teamName service }
    records { id personId agencyId category summary access { allowed basis } }
    knownTo { personId agencyId }
  }
}
"""


@pytest.fixture
def hub(demo_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=demo_city_db)) as client:
        yield Hub(client, test_settings)


class TestChild:
    def test_known_child_is_answered(self, hub: Hub) -> None:
        data = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, "query($id: ID!) { child(id: $id) { id kind givenName } }",
            id=demo_city.DEMO_FAMILY_CHILD_ID,
        )

        assert data["child"]["id"] == demo_city.DEMO_FAMILY_CHILD_ID
        assert data["child"]["kind"] == "Child"
        assert data["child"]["givenName"]

    def test_unknown_child_is_null_not_an_error(self, hub: Hub) -> None:
        data = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, 'query { child(id: "no-such-child") { id } }')

        assert data == {"child": None}


class TestFamilyNetwork:
    def test_network_matches_the_seeded_family(self, hub: Hub) -> None:
        city = demo_city.demo_city()
        network = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, NETWORK_QUERY, childId=demo_city.DEMO_FAMILY_CHILD_ID, depth=2
        )["familyNetwork"]

        people = {p["id"] for p in network["people"]}
        assert {demo_city.DEMO_FAMILY_CHILD_ID, demo_city.DEMO_MOTHER_ID, demo_city.DEMO_FATHER_ID} <= people
        with_pr = {
            (r["fromId"], r["parentalResponsibility"])
            for r in network["relationships"]
            if r["type"] == "PARENT_OF" and r["toId"] == demo_city.DEMO_FAMILY_CHILD_ID
        }
        expected_pr = {
            (p.adult_id, p.parental_responsibility)
            for p in city.parent_of
            if p.child_id == demo_city.DEMO_FAMILY_CHILD_ID
        }
        assert with_pr == expected_pr
        current_household = {
            r["householdId"] for r in network["residences"]
            if r["personId"] == demo_city.DEMO_FAMILY_CHILD_ID and r["current"]
        }
        assert current_household == {demo_city.DEMO_FAMILY_HOUSEHOLD_ID}
        known_agencies = {k["agencyId"] for k in network["knownTo"]}
        assert {demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID} <= known_agencies
        assert demo_city.FS_SOCIAL_WORKER_ID in {a["professionalId"] for a in network["allocations"]}

    def test_depth_out_of_range_is_a_clear_graphql_error(self, hub: Hub) -> None:
        response = hub.client.post(
            "/graphql",
            json={"query": NETWORK_QUERY, "variables": {"childId": demo_city.DEMO_FAMILY_CHILD_ID, "depth": 9}},
            headers={"authorization": f"Bearer {token_for(hub.settings, demo_city.MASH_SOCIAL_WORKER_ID)}"},
        )

        body = response.json()
        assert body["data"] == {"familyNetwork": None}
        assert "depth must be between 1 and 3" in body["errors"][0]["message"]


DATED_NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId, depth: 2) {
    people { id dob }
    relationships { fromId toId type provenance { assertedAt } }
    residences { personId householdId since until }
    allocations { professionalId childId since }
    records { id personId agencyId recordedAt }
  }
}
"""

GRAPH_DATES: LiteralString = """
UNWIND $people AS person_id
MATCH (p:Person {id: person_id})
RETURN p.id AS id, p.dob AS dob,
       COLLECT { MATCH (p)-[l:LIVES_IN]->(h:Household) RETURN [h.id, l.since, l.until] } AS residences,
       COLLECT { MATCH (pro:Professional)-[a:ALLOCATED_TO]->(p) RETURN [pro.id, a.since] } AS allocations,
       COLLECT { MATCH (p)-[r]->(:Person) RETURN [type(r), r.asserted_at] } AS asserted,
       COLLECT { MATCH (r:AgencyRecord)-[:ABOUT]->(p) RETURN [r.id, r.recorded_at] } AS records
"""

# Two council records about one person, a fraction of a second apart, and a relationship
# asserted in a named zone: the shapes a text form of a time could get wrong.
RETIME: LiteralString = """
MATCH (r:AgencyRecord)-[:ABOUT]->(:Person {id: $person_id}), (r)-[:HELD_BY]->(:Agency {id: $agency_id})
WITH r ORDER BY r.id
WITH collect(r) AS records
FOREACH (_ IN [1] | SET (records[0]).recorded_at = datetime('2026-01-01T09:00:00.5Z'))
FOREACH (_ IN [1] | SET (records[1]).recorded_at = datetime('2026-01-01T09:00:00Z'))
WITH records
MATCH (:Person {id: $person_id})-[rel]->(:Person)
WITH records, rel LIMIT 1
SET rel.asserted_at = datetime('2025-06-01T10:00:00[Europe/London]')
RETURN [r IN records | r.id] AS ids
"""


def _native(value: object) -> object:
    return value.to_native() if hasattr(value, "to_native") else value


def _when(text: str | None) -> object:
    if text is None:
        return None
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


class TestDatesAndTimes:
    def test_every_date_and_time_is_the_graphs_own(self, hub: Hub, graph_db: Driver) -> None:
        retimed = graph_db.execute_query(
            RETIME, person_id="person-001-05", agency_id=demo_city.COUNCIL_AGENCY_ID, database_="neo4j",
        ).records[0]["ids"]

        network = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, DATED_NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID
        )["familyNetwork"]
        rows = graph_db.execute_query(
            GRAPH_DATES, people=[p["id"] for p in network["people"]], database_="neo4j"
        ).records

        expected_people = {r["id"]: _native(r["dob"]) for r in rows}
        expected_residences = {
            (r["id"], h, _native(since), _native(until)) for r in rows for h, since, until in r["residences"]
        }
        expected_allocations = {(r["id"], pro, _native(since)) for r in rows for pro, since in r["allocations"]}
        expected_asserted = {_native(at) for r in rows for _, at in r["asserted"]}
        expected_records = {rid: _native(at) for r in rows for rid, at in r["records"]}
        assert {p["id"]: _when(p["dob"]) for p in network["people"]} == expected_people
        assert {
            (r["personId"], r["householdId"], _when(r["since"]), _when(r["until"])) for r in network["residences"]
        } <= expected_residences
        assert network["residences"]
        assert {
            (a["childId"], a["professionalId"], _when(a["since"])) for a in network["allocations"]
        } <= expected_allocations
        assert network["allocations"]
        assert {_when(r["provenance"]["assertedAt"]) for r in network["relationships"]} <= expected_asserted
        assert dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC) in {
            _when(r["provenance"]["assertedAt"]) for r in network["relationships"]
        }
        assert {r["id"]: _when(r["recordedAt"]) for r in network["records"]} == {
            rid: expected_records[rid] for rid in (r["id"] for r in network["records"])
        }
        # Newest first within a person's records from one agency, to the fraction of a second.
        council = [r["id"] for r in network["records"] if r["id"] in retimed]
        assert council == retimed
