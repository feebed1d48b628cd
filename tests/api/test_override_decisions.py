"""Who decides an override when, and what the record keeps of refused attempts and of reads.

Everything goes through the GraphQL endpoint of the real app, against the real Neo4j, with
the real policy and audit chain. The consent clock is moved between office hours and night.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub
from tests.api.protected_hub import JUSTIFICATION

# A Tuesday in London: 10:30 is a CRS manager's office hours, 23:00 is the EDT's night.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
HEAD_OF_SERVICE_ID = "pro-head-of-service"

REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) {
  requestOverride(input: $input) { __typename ... on ConsentOverride { id } ... on Refusal { message } }
}
"""
APPROVE = """
mutation($id: ID!) {
  approveOverride(input: {overrideId: $id, note: "Agreed"}) {
    __typename
    ... on ConsentOverride { id status decidedBy decidedAt }
    ... on Refusal { message }
  }
}
"""
REJECT = """
mutation($id: ID!) { rejectOverride(input: {overrideId: $id, note: "Not proportionate"}) { __typename } }
"""
OVERRIDE = """
query($id: ID!) {
  consentOverride(id: $id) { __typename ... on ConsentOverride { justification justificationUnavailable } }
}
"""
OVERRIDES = """
query($first: Int!) {
  overrides(first: $first) {
    ... on OverrideReviewConnection {
      items { id reads { actor action targets } refusedDecisions { seq actor agency role refusal } }
    }
  }
}
"""
SEARCH = """
query($name: String!) {
  searchPeople(name: $name, first: 10) {
    ... on PersonCandidateConnection { items { id access { basis } } }
  }
}
"""


class Clock:
    def __init__(self) -> None:
        self.now = OFFICE_HOURS

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings, clock: Clock) -> Iterator[Hub]:
    # The head of service on call sits in the council, above the EDT.
    sealed_city_db.execute_query(
        "MATCH (t:Team {id: $team})"
        " CREATE (:Professional {id: $id, name: 'Head of Service', roles: ['head_of_service']})-[:MEMBER_OF]->(t)",
        team=demo_city.EDT_TEAM_ID, id=HEAD_OF_SERVICE_ID,
    )
    with TestClient(create_app(test_settings, driver=sealed_city_db, consent_clock=clock)) as client:
        yield Hub(client, test_settings)


def request_override(hub: Hub, requester: str) -> str:
    requested = hub.graphql(
        requester, REQUEST_OVERRIDE,
        input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
               "justification": JUSTIFICATION},
    )["requestOverride"]
    assert requested["__typename"] == "ConsentOverride", requested
    return str(requested["id"])


def approve(hub: Hub, manager: str, override_id: str) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(manager, APPROVE, id=override_id)["approveOverride"]
    return result


def review(hub: Hub, override_id: str) -> dict[str, Any]:
    items = hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=20)["overrides"]["items"]
    [found] = [item for item in items if item["id"] == override_id]
    return found  # type: ignore[no-any-return]


def events(driver: Driver, action_prefix: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        "MATCH (e:AuditEvent) WHERE e.action STARTS WITH $prefix"
        " RETURN e.actor AS actor, e.action AS action, e.override_id AS override_id, e.basis AS basis,"
        " e.targets AS targets ORDER BY e.seq",
        prefix=action_prefix,
    )
    return [record.data() for record in records]


class TestOutOfHoursEscalation:
    def test_the_senior_manager_who_asked_cannot_approve_but_the_head_of_service_on_call_can(
        self, hub: Hub, clock: Clock
    ) -> None:
        clock.now = NIGHT
        override_id = request_override(hub, demo_city.EDT_SENIOR_MANAGER_ID)

        own = approve(hub, demo_city.EDT_SENIOR_MANAGER_ID, override_id)
        crs = approve(hub, demo_city.CRS_MANAGER_ID, override_id)
        head = approve(hub, HEAD_OF_SERVICE_ID, override_id)

        assert (own["__typename"], crs["__typename"]) == ("SelfApprovalForbidden", "OutsideOfficeHours")
        assert head["__typename"] == "ConsentOverride"
        assert (head["status"], head["decidedBy"]) == ("APPROVED", HEAD_OF_SERVICE_ID)

    def test_the_head_of_service_reads_the_reasons_of_the_request_they_decide(
        self, hub: Hub, clock: Clock
    ) -> None:
        clock.now = NIGHT
        override_id = request_override(hub, demo_city.EDT_SENIOR_MANAGER_ID)

        read = hub.graphql(HEAD_OF_SERVICE_ID, OVERRIDE, id=override_id)["consentOverride"]

        assert read == {"__typename": "ConsentOverride", "justification": JUSTIFICATION,
                        "justificationUnavailable": None}

    def test_the_head_of_service_never_approves_their_own_request(
        self, hub: Hub, graph_db: Driver, clock: Clock
    ) -> None:
        graph_db.execute_query(
            "MATCH (p:Professional {id: $id}) SET p.roles = ['head_of_service', 'edt_practitioner']",
            id=HEAD_OF_SERVICE_ID,
        )
        clock.now = NIGHT
        override_id = request_override(hub, HEAD_OF_SERVICE_ID)

        assert approve(hub, HEAD_OF_SERVICE_ID, override_id)["__typename"] == "SelfApprovalForbidden"

    def test_the_head_of_service_decides_out_of_hours_only(self, hub: Hub, clock: Clock) -> None:
        override_id = request_override(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        by_day = approve(hub, HEAD_OF_SERVICE_ID, override_id)
        clock.now = NIGHT
        by_night = approve(hub, HEAD_OF_SERVICE_ID, override_id)

        assert by_day["__typename"] == "NotAManager"
        assert by_night["__typename"] == "ConsentOverride"


class TestRefusedDecisionsAreOnTheRecord:
    def test_each_refused_attempt_is_in_the_chain_and_in_the_overrides_review(
        self, hub: Hub, graph_db: Driver, clock: Clock
    ) -> None:
        override_id = request_override(hub, demo_city.CRS_MANAGER_ID)
        # An id that names no override has nothing to be recorded against.
        assert approve(hub, demo_city.CRS_MANAGER_ID, "override-that-never-was")["__typename"] == "OverrideNotFound"
        assert approve(hub, demo_city.POLICE_OFFICER_ID, "override-that-never-was")["__typename"] == "NotAManager"

        attempts = [approve(hub, demo_city.CRS_MANAGER_ID, override_id)["__typename"]]
        attempts.append(approve(hub, demo_city.POLICE_OFFICER_ID, override_id)["__typename"])
        clock.now = NIGHT
        attempts.append(approve(hub, demo_city.SECOND_CRS_MANAGER_ID, override_id)["__typename"])
        assert approve(hub, demo_city.EDT_SENIOR_MANAGER_ID, override_id)["__typename"] == "ConsentOverride"
        attempts.append(hub.graphql(demo_city.EDT_SENIOR_MANAGER_ID, REJECT,
                                    id=override_id)["rejectOverride"]["__typename"])

        kinds = ["SelfApprovalForbidden", "NotAManager", "OutsideOfficeHours", "AlreadyDecided"]
        assert attempts == kinds
        refused = review(hub, override_id)["refusedDecisions"]
        assert [(r["actor"], r["refusal"]) for r in refused] == [
            (demo_city.CRS_MANAGER_ID, "SelfApprovalForbidden"),
            (demo_city.POLICE_OFFICER_ID, "NotAManager"),
            (demo_city.SECOND_CRS_MANAGER_ID, "OutsideOfficeHours"),
            (demo_city.EDT_SENIOR_MANAGER_ID, "AlreadyDecided"),
        ]
        assert refused[1]["agency"] == demo_city.POLICE_AGENCY_ID and refused[1]["role"] == "police_mash_officer"
        assert [r["seq"] for r in refused] == sorted(r["seq"] for r in refused)
        assert events(graph_db, "override.decision_refused") == [
            {"actor": actor, "action": f"override.decision_refused.{kind}", "override_id": override_id,
             "basis": None, "targets": [override_id, demo_city.DEMO_FAMILY_CHILD_ID]}
            for actor, kind in zip(
                [demo_city.CRS_MANAGER_ID, demo_city.POLICE_OFFICER_ID, demo_city.SECOND_CRS_MANAGER_ID,
                 demo_city.EDT_SENIOR_MANAGER_ID],
                kinds, strict=True,
            )
        ]

    def test_a_decision_that_goes_through_leaves_no_refusal(self, hub: Hub) -> None:
        override_id = request_override(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        approve(hub, demo_city.CRS_MANAGER_ID, override_id)

        assert review(hub, override_id)["refusedDecisions"] == []


class TestSearchUnderAnOverride:
    def test_a_search_that_shows_the_child_under_an_override_is_one_of_the_overrides_reads(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        override_id = request_override(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        approve(hub, demo_city.CRS_MANAGER_ID, override_id)

        found = hub.graphql(demo_city.HEALTH_OFFICER_ID, SEARCH, name="Tyler Marsh")["searchPeople"]["items"]

        child = next(c for c in found if c["id"] == demo_city.DEMO_FAMILY_CHILD_ID)
        assert child["access"]["basis"] == "OVERRIDE"
        [searched] = [e for e in events(graph_db, "person.searched") if e["basis"] == "OVERRIDE"]
        assert searched["override_id"] == override_id
        assert demo_city.DEMO_FAMILY_CHILD_ID in searched["targets"]
        reads = review(hub, override_id)["reads"]
        assert [r["action"] for r in reads] == ["person.searched"]
        assert reads[0]["actor"] == demo_city.HEALTH_OFFICER_ID
        assert demo_city.DEMO_FAMILY_CHILD_ID in reads[0]["targets"]
