from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from graph import seed
from hub.settings import Settings
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
def hub(graph_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    seed.load(graph_db, [seed.demo_city()], database="neo4j")
    with TestClient(create_app(test_settings, driver=graph_db)) as client:
        yield Hub(client, test_settings)


class TestChild:
    def test_known_child_is_answered(self, hub: Hub) -> None:
        data = hub.graphql(
            seed.MASH_SOCIAL_WORKER_ID, "query($id: ID!) { child(id: $id) { id kind givenName } }",
            id=seed.DEMO_FAMILY_CHILD_ID,
        )

        assert data["child"]["id"] == seed.DEMO_FAMILY_CHILD_ID
        assert data["child"]["kind"] == "Child"
        assert data["child"]["givenName"]

    def test_unknown_child_is_null_not_an_error(self, hub: Hub) -> None:
        data = hub.graphql(seed.MASH_SOCIAL_WORKER_ID, 'query { child(id: "no-such-child") { id } }')

        assert data == {"child": None}


class TestFamilyNetwork:
    def test_network_matches_the_seeded_family(self, hub: Hub) -> None:
        city = seed.demo_city()
        network = hub.graphql(
            seed.MASH_SOCIAL_WORKER_ID, NETWORK_QUERY, childId=seed.DEMO_FAMILY_CHILD_ID, depth=2
        )["familyNetwork"]

        people = {p["id"] for p in network["people"]}
        assert {seed.DEMO_FAMILY_CHILD_ID, seed.DEMO_MOTHER_ID, seed.DEMO_FATHER_ID} <= people
        with_pr = {
            (r["fromId"], r["parentalResponsibility"])
            for r in network["relationships"]
            if r["type"] == "PARENT_OF" and r["toId"] == seed.DEMO_FAMILY_CHILD_ID
        }
        expected_pr = {
            (p.adult_id, p.parental_responsibility)
            for p in city.parent_of
            if p.child_id == seed.DEMO_FAMILY_CHILD_ID
        }
        assert with_pr == expected_pr
        current_household = {
            r["householdId"] for r in network["residences"]
            if r["personId"] == seed.DEMO_FAMILY_CHILD_ID and r["current"]
        }
        assert current_household == {seed.DEMO_FAMILY_HOUSEHOLD_ID}
        known_agencies = {k["agencyId"] for k in network["knownTo"]}
        assert {seed.POLICE_AGENCY_ID, seed.HEALTH_AGENCY_ID, seed.EDUCATION_AGENCY_ID} <= known_agencies
        assert seed.FS_SOCIAL_WORKER_ID in {a["professionalId"] for a in network["allocations"]}

    def test_depth_out_of_range_is_a_clear_graphql_error(self, hub: Hub) -> None:
        response = hub.client.post(
            "/graphql",
            json={"query": NETWORK_QUERY, "variables": {"childId": seed.DEMO_FAMILY_CHILD_ID, "depth": 9}},
            headers={"authorization": f"Bearer {token_for(hub.settings, seed.MASH_SOCIAL_WORKER_ID)}"},
        )

        body = response.json()
        assert body["data"] == {"familyNetwork": None}
        assert "depth must be between 1 and 3" in body["errors"][0]["message"]
