"""One demo family seen by a police MASH officer as consent and overrides come and go.

Everything goes through the GraphQL endpoint of the real app, against the real Neo4j.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub

NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId) {
    access { allowed basis }
    people { id givenName }
    records { id agencyId summary access { basis } }
    knownTo { personId agencyId }
  }
}
"""

RECORD_CONSENT = """
mutation($input: RecordConsentInput!) {
  recordConsent(input: $input) {
    __typename
    ... on Consent { id scope agencies current }
    ... on Refusal { message }
  }
}
"""

WITHDRAW = """
mutation($id: ID!) {
  withdrawConsent(input: {consentId: $id}) { __typename ... on Consent { current withdrawnAt } }
}
"""

REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) {
  requestOverride(input: $input) {
    __typename
    ... on ConsentOverride { id status }
    ... on Refusal { message }
  }
}
"""

APPROVE = """
mutation($id: ID!, $note: String!) {
  approveOverride(input: {overrideId: $id, note: $note}) {
    __typename
    ... on ConsentOverride { id status decidedBy expiresAt }
    ... on Refusal { message }
  }
}
"""

REVOKE = """
mutation($id: ID!) { revokeOverride(input: {overrideId: $id}) { __typename ... on ConsentOverride { status } } }
"""

JUSTIFICATION = "Mother disclosed partner's threats; asking consent now would alert him and raise risk."


def police_view(hub: Hub) -> dict[str, Any]:
    network: dict[str, Any] = hub.graphql(
        demo_city.POLICE_OFFICER_ID, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID
    )["familyNetwork"]
    return network


def record_agencies(view: dict[str, Any]) -> set[str]:
    return {r["agencyId"] for r in view["records"]}


def consent(hub: Hub, *, scope: str, agencies: list[str], giver: str = demo_city.DEMO_MOTHER_ID) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={
            "childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": giver, "scope": scope,
            "agencies": agencies, "purpose": "MASH enquiry into the contact of 17 November",
            "method": "by telephone, recorded by the social worker",
        },
    )["recordConsent"]
    return result


def approved_override(hub: Hub, scope: str = "FULL") -> str:
    requested = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_OVERRIDE,
        input={"childId": demo_city.DEMO_FAMILY_CHILD_ID,
               "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
               "justification": JUSTIFICATION, "scope": scope},
    )["requestOverride"]
    assert requested["__typename"] == "ConsentOverride"
    approved = hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=requested["id"], note="Agreed")["approveOverride"]
    assert approved["status"] == "APPROVED"
    return str(requested["id"])


def audit_events(driver: Driver, **match: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        "MATCH (e:AuditEvent) WHERE all(k IN keys($match) WHERE e[k] = $match[k]) "
        "RETURN e {.*} AS e ORDER BY e.seq",
        match=match,
    )
    return [dict(r["e"]) for r in records]


class TestPoliceWithoutConsent:
    def test_sees_only_that_partners_know_the_family_and_its_own_records(self, hub: Hub) -> None:
        view = police_view(hub)

        assert view["access"] == {"allowed": False, "basis": None}
        assert [p["givenName"] for p in view["people"]] == [None]
        assert record_agencies(view) <= {demo_city.POLICE_AGENCY_ID}
        # The child is known to children's services (a protection plan); nothing more is told.
        assert {k["agencyId"] for k in view["knownTo"]} == {demo_city.COUNCIL_AGENCY_ID}
        assert "Sarah" not in str(view) and "mental" not in str(view).lower()


class TestTargetedConsent:
    def test_consent_naming_police_shows_police_content_not_health(self, hub: Hub) -> None:
        given = consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])
        assert given["__typename"] == "Consent" and given["current"]

        view = police_view(hub)

        assert view["access"]["basis"] == "CONSENT"
        assert demo_city.DEMO_MOTHER_ID in {p["id"] for p in view["people"]}
        assert demo_city.POLICE_AGENCY_ID in record_agencies(view)
        assert demo_city.HEALTH_AGENCY_ID not in record_agencies(view)
        assert demo_city.HEALTH_AGENCY_ID in {k["agencyId"] for k in view["knownTo"]}

    def test_health_only_consent_gives_police_nothing_new(self, hub: Hub) -> None:
        before = police_view(hub)
        consent(hub, scope="TARGETED", agencies=[demo_city.HEALTH_AGENCY_ID])

        assert police_view(hub) == before

    def test_withdrawal_takes_effect_for_the_next_read(self, hub: Hub) -> None:
        before = police_view(hub)
        given = consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])
        assert police_view(hub)["access"]["basis"] == "CONSENT"

        withdrawn = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=given["id"])["withdrawConsent"]

        assert withdrawn["current"] is False and withdrawn["withdrawnAt"]
        assert police_view(hub) == before

    def test_consent_reads_are_recorded(self, hub: Hub, graph_db: Driver) -> None:
        consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])
        police_view(hub)

        reads = audit_events(graph_db, action="network.read", actor=demo_city.POLICE_OFFICER_ID)
        assert [e["basis"] for e in reads] == ["CONSENT"]
        assert demo_city.DEMO_FAMILY_CHILD_ID in reads[0]["targets"]


class TestWhoMayGiveConsent:
    def test_adult_without_parental_responsibility_is_refused(self, hub: Hub, graph_db: Driver) -> None:
        refused = consent(hub, scope="FULL", agencies=[], giver=demo_city.DEMO_FATHER_ID)

        assert refused["__typename"] == "GiverNotEntitled"
        assert "parental responsibility" in refused["message"]
        assert audit_events(graph_db, action="consent.recorded") == []

    def test_a_child_under_16_cannot_consent_for_themself(self, hub: Hub) -> None:
        refused = consent(hub, scope="FULL", agencies=[], giver=demo_city.DEMO_FAMILY_CHILD_ID)

        assert refused["__typename"] == "GiverNotEntitled"

    def test_targeted_consent_must_name_an_agency(self, hub: Hub) -> None:
        assert consent(hub, scope="TARGETED", agencies=[])["__typename"] == "InvalidInput"

    def test_history_keeps_withdrawn_consent(self, hub: Hub) -> None:
        first = consent(hub, scope="FULL", agencies=[])
        hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=first["id"])
        consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])

        history = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID,
            "query($c: ID!) { consents(childId: $c, first: 100) "
            "{ ... on ConsentConnection { items { id current } } } }",
            c=demo_city.DEMO_FAMILY_CHILD_ID,
        )["consents"]["items"]

        assert {(c["id"] == first["id"], c["current"]) for c in history} == {(True, False), (False, True)}

    def test_history_is_paged_newest_first_without_repeats(self, hub: Hub) -> None:
        for _ in range(3):
            consent(hub, scope="FULL", agencies=[])
        document = """
        query($c: ID!, $first: Int!, $after: String) {
          consents(childId: $c, first: $first, after: $after) {
            __typename
            ... on ConsentConnection { items { id givenAt } pageInfo { endCursor hasNextPage } }
          }
        }
        """
        everything = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, document, c=demo_city.DEMO_FAMILY_CHILD_ID, first=100
        )["consents"]["items"]
        paged: list[dict[str, str]] = []
        after = None
        while True:
            page = hub.graphql(
                demo_city.MASH_SOCIAL_WORKER_ID, document, c=demo_city.DEMO_FAMILY_CHILD_ID, first=1, after=after
            )["consents"]
            paged += page["items"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        assert paged == everything and len(paged) >= 3
        assert [c["givenAt"] for c in paged] == sorted((c["givenAt"] for c in paged), reverse=True)

    @pytest.mark.parametrize(("first", "after"), [(0, None), (101, None), (5, "not-a-cursor")])
    def test_a_bad_bound_or_cursor_is_refused(self, hub: Hub, first: int, after: str | None) -> None:
        refused = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID,
            "query($c: ID!, $first: Int!, $after: String) { consents(childId: $c, first: $first, after: $after) "
            "{ __typename } }",
            c=demo_city.DEMO_FAMILY_CHILD_ID, first=first, after=after,
        )["consents"]

        assert refused["__typename"] == "InvalidInput"


class TestOverride:
    def test_approved_override_shows_content_and_records_each_read(self, hub: Hub, graph_db: Driver) -> None:
        override_id = approved_override(hub)

        view = police_view(hub)
        police_view(hub)

        assert view["access"]["basis"] == "OVERRIDE"
        # Through the front door: children's services' records, never another partner's.
        assert demo_city.COUNCIL_AGENCY_ID in record_agencies(view)
        assert not {demo_city.HEALTH_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID} & record_agencies(view)
        reads = audit_events(graph_db, action="network.read", override_id=override_id)
        assert len(reads) == 2
        assert {e["actor"] for e in reads} == {demo_city.POLICE_OFFICER_ID}

    def test_expired_override_grants_nothing(self, hub: Hub, graph_db: Driver) -> None:
        before = police_view(hub)
        override_id = approved_override(hub)
        graph_db.execute_query(
            "MATCH (o:ConsentOverride {id: $id}) SET o.expires_at = datetime() - duration('PT1M')",
            id=override_id,
        )

        assert police_view(hub) == before

    def test_revoked_override_grants_nothing(self, hub: Hub) -> None:
        before = police_view(hub)
        override_id = approved_override(hub)

        revoked = hub.graphql(demo_city.CRS_MANAGER_ID, REVOKE, id=override_id)["revokeOverride"]

        assert revoked["status"] == "REVOKED"
        assert police_view(hub) == before

    def test_only_front_door_practitioners_may_request(self, hub: Hub) -> None:
        for outsider in (demo_city.POLICE_OFFICER_ID, demo_city.FS_SOCIAL_WORKER_ID, demo_city.AUDITOR_ID):
            refused = hub.graphql(
                outsider, REQUEST_OVERRIDE,
                input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                       "justification": JUSTIFICATION},
            )["requestOverride"]
            assert refused["__typename"] == "NotPermitted"

    def test_self_approval_is_forbidden(self, hub: Hub, graph_db: Driver) -> None:
        # A manager who is also a practitioner may request, but never approve their own request.
        graph_db.execute_query(
            "MATCH (p:Professional {id: $id}) SET p.roles = ['crs_manager', 'mash_social_worker']",
            id=demo_city.CRS_MANAGER_ID,
        )
        requested = hub.graphql(
            demo_city.CRS_MANAGER_ID, REQUEST_OVERRIDE,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                   "justification": JUSTIFICATION},
        )["requestOverride"]

        refused = hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=requested["id"], note="mine")["approveOverride"]

        assert refused["__typename"] == "SelfApprovalForbidden"

    def test_a_non_manager_cannot_approve(self, hub: Hub) -> None:
        requested = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_OVERRIDE,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                   "justification": JUSTIFICATION},
        )["requestOverride"]

        for outsider in (demo_city.SECOND_MASH_SOCIAL_WORKER_ID, demo_city.POLICE_OFFICER_ID, demo_city.AUDITOR_ID):
            refused = hub.graphql(outsider, APPROVE, id=requested["id"], note="no")["approveOverride"]
            assert refused["__typename"] == "NotAManager"

    def test_a_decided_override_cannot_be_decided_again(self, hub: Hub) -> None:
        override_id = approved_override(hub)

        again = hub.graphql(demo_city.SECOND_CRS_MANAGER_ID, APPROVE, id=override_id, note="again")["approveOverride"]

        assert again["__typename"] == "AlreadyDecided"

    def test_two_managers_approving_at_once_leave_one_decision(self, hub: Hub, graph_db: Driver) -> None:
        requested = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_OVERRIDE,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                   "justification": JUSTIFICATION},
        )["requestOverride"]
        outcomes: list[str] = []
        start = threading.Barrier(2)

        def approve(manager: str) -> None:
            start.wait()
            result = hub.graphql(manager, APPROVE, id=requested["id"], note=manager)["approveOverride"]
            outcomes.append(result["__typename"])

        managers = (demo_city.CRS_MANAGER_ID, demo_city.EDT_SENIOR_MANAGER_ID)
        threads = [threading.Thread(target=approve, args=(manager,)) for manager in managers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(outcomes) == ["AlreadyDecided", "ConsentOverride"]
        assert len(audit_events(graph_db, action="override.approved")) == 1


class TestOfficeHours:
    def test_crs_manager_cannot_decide_at_night_but_edt_senior_manager_can(
        self, graph_db: Driver, test_settings: Settings
    ) -> None:
        demo_city.load(graph_db, [demo_city.demo_city()], database="neo4j")
        night = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
        with TestClient(create_app(test_settings, driver=graph_db, consent_clock=lambda: night)) as client:
            hub = Hub(client, test_settings)
            requested = hub.graphql(
                demo_city.EDT_PRACTITIONER_ID, REQUEST_OVERRIDE,
                input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                       "justification": JUSTIFICATION},
            )["requestOverride"]

            crs = hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=requested["id"], note="x")["approveOverride"]
            edt = hub.graphql(demo_city.EDT_SENIOR_MANAGER_ID, APPROVE, id=requested["id"], note="x")["approveOverride"]

        assert crs["__typename"] == "OutsideOfficeHours"
        assert edt["__typename"] == "ConsentOverride"
