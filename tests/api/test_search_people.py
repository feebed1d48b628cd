"""searchPeople: spelling-tolerant, scored, paged, and limited to what the caller may see."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub

SEARCH = """
query($name: String!, $dob: Date, $first: Int!, $after: String) {
  searchPeople(name: $name, dob: $dob, first: $first, after: $after) {
    __typename
    ... on PersonCandidateConnection {
      items { id kind score givenName familyName dob access { allowed basis reason } }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""

RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename } }
"""


def search(hub: Hub, professional: str, name: str, *, first: int = 10, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(professional, SEARCH, name=name, first=first, **variables)["searchPeople"]
    return result


def known_to(driver: Driver, agency_id: str) -> set[str]:
    records, _, _ = driver.execute_query(
        "MATCH (:Agency {id: $agency})<-[:HELD_BY]-(:AgencyRecord)-[:ABOUT]->(p:Person) RETURN DISTINCT p.id AS id",
        agency=agency_id,
    )
    return {record["id"] for record in records}


class TestMatching:
    def test_misspelt_name_and_dob_find_the_child_first(self, hub: Hub) -> None:
        found = search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Tylor Marsch", dob="2017-10-18")

        best = found["items"][0]
        assert (best["id"], best["givenName"], best["familyName"]) == (demo_city.DEMO_FAMILY_CHILD_ID, "Tyler", "Marsh")
        assert best["score"] > 0
        assert best["access"] == {"allowed": True, "basis": "OWN_AGENCY", "reason": "allowed on the OWN_AGENCY basis"}

    def test_date_of_birth_narrows_the_candidates(self, hub: Hub) -> None:
        found = search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Marsh", dob="2017-10-18")

        assert {c["dob"] for c in found["items"]} == {"2017-10-18"}

    def test_candidates_come_best_match_first(self, hub: Hub) -> None:
        scores = [c["score"] for c in search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Emma Marsh")["items"]]

        assert scores == sorted(scores, reverse=True)
        assert len(scores) > 1

    @pytest.mark.parametrize("name", ['Marsh) OR (*:*', 'Marsh~ AND "', "\\", "name:Marsh^9", "/re.*x/"])
    def test_lucene_syntax_in_the_name_is_taken_literally(self, hub: Hub, name: str) -> None:
        assert search(hub, demo_city.MASH_SOCIAL_WORKER_ID, name)["__typename"] == "PersonCandidateConnection"

    def test_a_blank_name_is_refused(self, hub: Hub) -> None:
        assert search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "   ")["__typename"] == "InvalidInput"


class TestPaging:
    def test_pages_follow_on_without_repeats(self, hub: Hub) -> None:
        everything = [c["id"] for c in search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Marsh", first=50)["items"]]
        paged: list[str] = []
        after = None
        while True:
            page = search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Marsh", first=3, after=after)
            paged += [c["id"] for c in page["items"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        assert paged == everything
        assert len(everything) > 3

    # The last cursor is a well-formed one of the front door's queue: no position in a search.
    @pytest.mark.parametrize(("first", "after"), [
        (0, None), (51, None), (5, "bm90LWEtY3Vyc29y"),
        (5, "WzEsImNvbnRhY3RzIiwiMjAyNi0wMS0wNVQwOTowMDowMCswMDowMCIsImNvbnRhY3QtMSJd"),
    ])
    def test_bounds_and_cursors_are_checked(self, hub: Hub, first: int, after: str | None) -> None:
        assert search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Marsh", first=first, after=after)["__typename"] == (
            "InvalidInput"
        )


class TestWhatEachCallerSees:
    def test_a_partner_sees_names_only_of_people_its_agency_knows(self, hub: Hub, graph_db: Driver) -> None:
        police_know = known_to(graph_db, demo_city.POLICE_AGENCY_ID)

        candidates = search(hub, demo_city.POLICE_OFFICER_ID, "Marsh", first=50)["items"]

        everyone = search(hub, demo_city.MASH_SOCIAL_WORKER_ID, "Marsh", first=50)["items"]
        assert {c["id"] for c in everyone} - police_know, "the family has members the police do not know"
        # People the police may not see are not listed at all: not even their id or score.
        assert {c["id"] for c in candidates} <= police_know
        assert candidates
        for candidate in candidates:
            assert candidate["givenName"] and candidate["access"]["basis"] == "OWN_AGENCY"

    def test_consent_lets_a_partner_see_the_child_and_the_read_is_audited(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        assert demo_city.DEMO_FAMILY_CHILD_ID not in known_to(graph_db, demo_city.HEALTH_AGENCY_ID)
        before = {c["id"]: c for c in search(hub, demo_city.HEALTH_OFFICER_ID, "Tyler Marsh")["items"]}
        hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "TARGETED",
                   "agencies": [demo_city.HEALTH_AGENCY_ID], "purpose": "MASH enquiry", "method": "in person"},
        )

        after = {c["id"]: c for c in search(hub, demo_city.HEALTH_OFFICER_ID, "Tyler Marsh")["items"]}

        assert demo_city.DEMO_FAMILY_CHILD_ID not in before
        assert after[demo_city.DEMO_FAMILY_CHILD_ID]["givenName"] == "Tyler"
        assert after[demo_city.DEMO_FAMILY_CHILD_ID]["access"]["basis"] == "CONSENT"
        records, _, _ = graph_db.execute_query(
            "MATCH (e:AuditEvent {action: 'person.searched'}) RETURN e.basis AS basis, e.targets AS targets"
        )
        assert [r["basis"] for r in records] == ["CONSENT"]
        assert demo_city.DEMO_FAMILY_CHILD_ID in records[0]["targets"]

    def test_an_auditor_may_not_search_people(self, hub: Hub) -> None:
        assert search(hub, demo_city.AUDITOR_ID, "Marsh")["__typename"] == "NotPermitted"
