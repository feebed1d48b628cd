"""Council staff need a legitimate relationship with a child; break glass and restriction.

Through the real API on the demo city: the demo family's children are case-held by a
Family Safeguarding social worker in team 1. A worker of another Family Safeguarding team,
that team's manager and the LADO's social worker are council employees with no
relationship to the family, so they see nothing of it (exactly what an unknown id gets)
unless they break glass, which is audited and shown to the case holder and the auditor.
A restricted child is seen beyond existence only by the professionals named.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
UNKNOWN = "person-999-99"

NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId) {
    access { allowed basis }
    people { id givenName familyName dob }
    records { id summary access { basis } }
    knownTo { personId agencyId }
  }
}
"""
CONSENTS = """
query($childId: ID!) {
  consents(childId: $childId, first: 20) {
    __typename
    ... on ConsentConnection { items { id givenBy scope agencies purpose method } pageInfo { hasNextPage } }
    ... on Refusal { message }
  }
}
"""
RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename ... on Consent { id } } }
"""
BREAK_GLASS = """
mutation($input: BreakGlassInput!) {
  breakGlass(input: $input) {
    __typename
    ... on BreakGlass { id childId professionalId reason expiresAt }
    ... on Refusal { message }
  }
}
"""
USES = """
query($childId: ID!) {
  breakGlassUses(childId: $childId, first: 20) {
    ... on BreakGlassConnection { items { id professionalId reason explanation reads } }
  }
}
"""
REVIEW = """
query {
  breakGlassReview(first: 20) {
    __typename
    ... on BreakGlassConnection { items { id childId professionalName reason explanation reads } }
    ... on Refusal { message }
  }
}
"""
RESTRICT = """
mutation($input: RestrictChildInput!) {
  restrictChild(input: $input) {
    __typename
    ... on ChildRestriction { id namedProfessionalIds }
    ... on Refusal { message }
  }
}
"""
EXPLAIN = """
query($id: ID!) { explainAccess(resourceId: $id) { allowed basis reason policyLine } }
"""
EXPLANATION = "The child disclosed at school today; the case holder is on leave and cannot be reached."


@pytest.fixture
def hub(sealed_hub: Hub) -> Hub:
    return sealed_hub


def member(driver: Driver, team_id: str, role: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (p:Professional)-[:MEMBER_OF]->(:Team {id: $team}) WHERE $role IN p.roles "
        "RETURN p.id AS id ORDER BY id LIMIT 1",
        team=team_id, role=role,
    )
    assert records, f"the demo city has a {role} in {team_id}"
    return str(records[0]["id"])


@pytest.fixture
def strangers(graph_db: Driver) -> dict[str, str]:
    """Council professionals with no relationship to the demo family, by what they are."""
    return {
        "other team's domestic abuse worker": member(graph_db, "team-fs-2", "domestic_abuse_worker"),
        "other team's manager": member(graph_db, "team-fs-2", "family_safeguarding_team_manager"),
        "LADO social worker": member(graph_db, "team-lado", "social_worker"),
    }


def record_full_consent(hub: Hub) -> None:
    result = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={"childId": CHILD, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "FULL",
               "purpose": "MASH enquiry", "method": "in person"},
    )
    assert result["recordConsent"]["__typename"] == "Consent"


def break_glass(hub: Hub, who: str, child_id: str = CHILD, explanation: str = EXPLANATION) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(
        who, BREAK_GLASS,
        input={"childId": child_id, "reason": "IMMEDIATE_RISK_OF_HARM", "explanation": explanation},
    )["breakGlass"]
    return result


class TestConsentsNeedABasisForThisChild:
    @pytest.mark.parametrize(
        "stranger", ["other team's domestic abuse worker", "other team's manager", "LADO social worker"]
    )
    def test_a_council_worker_without_a_relationship_reads_no_consent_exactly_as_for_an_unknown_child(
        self, hub: Hub, strangers: dict[str, str], stranger: str
    ) -> None:
        record_full_consent(hub)
        who = strangers[stranger]

        hidden = hub.graphql(who, CONSENTS, childId=CHILD)["consents"]
        unknown = hub.graphql(who, CONSENTS, childId=UNKNOWN)["consents"]

        assert hidden == unknown == {"__typename": "ConsentConnection", "items": [], "pageInfo": {"hasNextPage": False}}

    def test_the_case_holder_and_the_front_door_read_the_consent(self, hub: Hub) -> None:
        record_full_consent(hub)

        for who in (demo_city.FS_SOCIAL_WORKER_ID, demo_city.FS_DOMESTIC_ABUSE_WORKER_ID,
                    demo_city.MASH_SOCIAL_WORKER_ID):
            items = hub.graphql(who, CONSENTS, childId=CHILD)["consents"]["items"]
            assert [item["givenBy"] for item in items] == [demo_city.DEMO_MOTHER_ID], who


class TestCouncilStaffNeedALegitimateRelationship:
    @pytest.mark.parametrize(
        "stranger", ["other team's domestic abuse worker", "other team's manager", "LADO social worker"]
    )
    def test_employment_by_the_council_shows_nothing_of_a_family(
        self, hub: Hub, strangers: dict[str, str], stranger: str
    ) -> None:
        who = strangers[stranger]

        assert hub.graphql(who, NETWORK, childId=CHILD)["familyNetwork"] is None
        assert hub.graphql(who, NETWORK, childId=UNKNOWN)["familyNetwork"] is None
        assert hub.graphql(who, EXPLAIN, id=CHILD)["explainAccess"] == hub.graphql(
            who, EXPLAIN, id=UNKNOWN
        )["explainAccess"]

    def test_the_case_holders_team_sees_the_family_on_the_allocated_basis(self, hub: Hub) -> None:
        # The domestic abuse worker of team 1 is not allocated: the case is held in their team.
        network = hub.graphql(demo_city.FS_DOMESTIC_ABUSE_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]

        assert network["access"] == {"allowed": True, "basis": "ALLOCATED"}
        assert all(person["givenName"] for person in network["people"])

    def test_the_front_door_sees_any_child(self, hub: Hub) -> None:
        network = hub.graphql(demo_city.SECOND_MASH_SOCIAL_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]

        assert network["access"] == {"allowed": True, "basis": "OWN_AGENCY"}


class TestBreakGlass:
    def test_break_glass_opens_the_child_for_a_time_and_every_read_is_audited(
        self, hub: Hub, graph_db: Driver, strangers: dict[str, str]
    ) -> None:
        who = strangers["LADO social worker"]

        opened = break_glass(hub, who)
        network = hub.graphql(who, NETWORK, childId=CHILD)["familyNetwork"]

        assert opened["__typename"] == "BreakGlass" and opened["professionalId"] == who
        assert network["access"] == {"allowed": True, "basis": "BREAK_GLASS"}
        assert all(person["givenName"] for person in network["people"])
        # Children's services' records only: break glass reaches no partner's record.
        assert network["records"] and {r["access"]["basis"] for r in network["records"]} == {"BREAK_GLASS"}
        records, _, _ = graph_db.execute_query(
            "MATCH (e:AuditEvent {action: 'network.read', actor: $who}) RETURN e.basis AS basis, e.targets AS targets",
            who=who,
        )
        assert [r["basis"] for r in records] == ["BREAK_GLASS"]
        assert opened["id"] in records[0]["targets"] and CHILD in records[0]["targets"]

    def test_the_case_holder_and_the_auditor_see_who_broke_glass_why_and_how_often_they_read(
        self, hub: Hub, strangers: dict[str, str]
    ) -> None:
        who = strangers["LADO social worker"]
        opened = break_glass(hub, who)
        hub.graphql(who, NETWORK, childId=CHILD)
        hub.graphql(who, NETWORK, childId=CHILD)

        uses = hub.graphql(demo_city.FS_SOCIAL_WORKER_ID, USES, childId=CHILD)["breakGlassUses"]["items"]
        review = hub.graphql(demo_city.AUDITOR_ID, REVIEW)["breakGlassReview"]

        assert uses == [{"id": opened["id"], "professionalId": who, "reason": "IMMEDIATE_RISK_OF_HARM",
                         "explanation": EXPLANATION, "reads": 2}]
        assert [(u["id"], u["childId"], u["reads"], u["explanation"]) for u in review["items"]] == [
            (opened["id"], CHILD, 2, EXPLANATION)
        ]

    def test_uses_are_not_shown_to_those_without_a_relationship(
        self, hub: Hub, strangers: dict[str, str]
    ) -> None:
        break_glass(hub, strangers["LADO social worker"])

        for who in (strangers["LADO social worker"], strangers["other team's manager"], demo_city.POLICE_OFFICER_ID):
            assert hub.graphql(who, USES, childId=CHILD)["breakGlassUses"] == {"items": []}
        assert hub.graphql(demo_city.POLICE_OFFICER_ID, REVIEW)["breakGlassReview"]["__typename"] == "NotPermitted"

    def test_an_expired_break_glass_shows_nothing_again(
        self, hub: Hub, graph_db: Driver, strangers: dict[str, str]
    ) -> None:
        who = strangers["LADO social worker"]
        break_glass(hub, who)
        graph_db.execute_query("MATCH (b:BreakGlass) SET b.expires_at = datetime() - duration('PT1M')")

        assert hub.graphql(who, NETWORK, childId=CHILD)["familyNetwork"] is None

    def test_break_glass_needs_a_reason_in_words_a_role_that_may_and_a_child(
        self, hub: Hub, strangers: dict[str, str]
    ) -> None:
        who = strangers["LADO social worker"]

        assert break_glass(hub, who, explanation="urgent")["__typename"] == "InvalidInput"
        assert break_glass(hub, demo_city.POLICE_OFFICER_ID)["__typename"] == "NotPermitted"
        assert break_glass(hub, demo_city.MASH_SOCIAL_WORKER_ID)["__typename"] == "NotPermitted"
        assert break_glass(hub, who, child_id=UNKNOWN) == {"__typename": "ChildNotFound", "message": "no such child"}


class TestRestrictedChildren:
    def restrict(self, hub: Hub, named: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = hub.graphql(
            demo_city.CRS_MANAGER_ID, RESTRICT,
            input={"childId": CHILD, "reason": "a member of staff's family", "namedProfessionalIds": named},
        )["restrictChild"]
        return result

    def test_only_named_professionals_see_a_restricted_child_beyond_existence(self, hub: Hub) -> None:
        restricted = self.restrict(hub, [demo_city.MASH_SOCIAL_WORKER_ID])

        named = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]
        front_door = hub.graphql(demo_city.SECOND_MASH_SOCIAL_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]
        case_holder = hub.graphql(demo_city.FS_SOCIAL_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]

        assert restricted["__typename"] == "ChildRestriction"
        assert sorted(restricted["namedProfessionalIds"]) == sorted([demo_city.MASH_SOCIAL_WORKER_ID,
                                                                     demo_city.CRS_MANAGER_ID])
        assert named["access"]["basis"] == "OWN_AGENCY"
        # The front door may still learn which agencies know the child, and nothing more.
        assert front_door["access"]["allowed"] is False and front_door["records"] == []
        assert front_door["people"] == [{"id": CHILD, "givenName": None, "familyName": None, "dob": None}]
        assert front_door["knownTo"]
        assert case_holder is None

    def test_break_glass_does_not_reach_a_restricted_child(self, hub: Hub, strangers: dict[str, str]) -> None:
        self.restrict(hub, [])
        who = strangers["LADO social worker"]

        assert break_glass(hub, who) == break_glass(hub, who, child_id=UNKNOWN)
        assert hub.graphql(who, NETWORK, childId=CHILD)["familyNetwork"] is None

    def test_consent_and_override_reach_no_one_not_named(self, hub: Hub) -> None:
        record_full_consent(hub)
        self.restrict(hub, [])

        network = hub.graphql(demo_city.POLICE_OFFICER_ID, NETWORK, childId=CHILD)["familyNetwork"]
        consents = hub.graphql(demo_city.SECOND_MASH_SOCIAL_WORKER_ID, CONSENTS, childId=CHILD)["consents"]

        assert network["access"]["allowed"] is False and network["records"] == []
        assert consents["items"] == []

    def test_only_a_front_door_manager_restricts_and_only_known_professionals_are_named(self, hub: Hub) -> None:
        refused = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, RESTRICT,
            input={"childId": CHILD, "reason": "high-profile case", "namedProfessionalIds": []},
        )["restrictChild"]
        unknown_name = self.restrict(hub, ["pro-nobody"])

        assert refused["__typename"] == "NotPermitted"
        assert unknown_name["__typename"] == "InvalidInput"
        # Nothing was restricted by either.
        network = hub.graphql(demo_city.FS_SOCIAL_WORKER_ID, NETWORK, childId=CHILD)["familyNetwork"]
        assert network["access"]["basis"] == "ALLOCATED"


class TestPartnerToPartner:
    GIVE = {"childId": CHILD, "givenBy": demo_city.DEMO_MOTHER_ID, "purpose": "MASH enquiry", "method": "in person"}

    def police_sees(self, hub: Hub) -> dict[str, set[str]]:
        network = hub.graphql(demo_city.POLICE_OFFICER_ID, NETWORK, childId=CHILD)["familyNetwork"]
        seen: dict[str, set[str]] = {}
        for record in network["records"]:
            seen.setdefault(record["access"]["basis"], set()).add(record["id"])
        return seen

    def holders(self, graph_db: Driver, record_ids: set[str]) -> set[str]:
        records, _, _ = graph_db.execute_query(
            "MATCH (r:AgencyRecord)-[:HELD_BY]->(a:Agency) WHERE r.id IN $ids RETURN DISTINCT a.id AS id",
            ids=sorted(record_ids),
        )
        return {r["id"] for r in records}

    def test_a_full_consent_lets_the_police_read_childrens_services_never_health(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT, input={**self.GIVE, "scope": "FULL"})

        seen = self.police_sees(hub)

        assert self.holders(graph_db, seen["CONSENT"]) == {demo_city.COUNCIL_AGENCY_ID}

    def test_a_consent_naming_police_and_health_lets_the_police_read_healths_records(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
            input={**self.GIVE, "scope": "TARGETED", "agencies": [demo_city.POLICE_AGENCY_ID,
                                                                  demo_city.HEALTH_AGENCY_ID]},
        )

        seen = self.police_sees(hub)

        assert self.holders(graph_db, seen["CONSENT"]) == {demo_city.COUNCIL_AGENCY_ID, demo_city.HEALTH_AGENCY_ID}
