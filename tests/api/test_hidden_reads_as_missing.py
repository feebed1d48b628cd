"""A real id the caller has no basis for reads exactly like an id that does not exist.

Every query and mutation here that takes the id of a child, household, consent or record
is sent twice by each role: once with the demo family's real id, once with an invented one.
With the ids themselves blanked out, the two answers must be identical. Roles the policy
allows an existence-only answer (the front door and partner officers: "known to agency X")
are checked where that allowance does not apply, and against a restricted child.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub, token_for

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
HOUSEHOLD = demo_city.DEMO_FAMILY_HOUSEHOLD_ID
RECORD = "record-001-001"

REAL = {"child": CHILD, "household": HOUSEHOLD, "record": RECORD}
INVENTED = {"child": "person-404-04", "household": "household-404-a", "record": "record-404-001",
            "consent": "consent-404"}

# name -> (document, the variables it takes, as keys of REAL/INVENTED)
OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "familyNetwork": (
        "query($id: ID!) { familyNetwork(childId: $id) { access { basis } people { id givenName } "
        "records { id } knownTo { agencyId } } }", {"id": "child"}),
    "child": ("query($id: ID!) { child(id: $id) { id givenName access { basis } } }", {"id": "child"}),
    "consents": (
        "query($id: ID!) { consents(childId: $id, first: 10) { __typename ... on ConsentConnection { items { id } } "
        "... on Refusal { message } } }", {"id": "child"}),
    "explainAccess child": (
        "query($id: ID!) { explainAccess(resourceId: $id) { allowed basis reason policyLine } }", {"id": "child"}),
    "explainAccess record": (
        "query($id: ID!) { explainAccess(resourceId: $id) { allowed basis reason policyLine } }", {"id": "record"}),
    "breakGlassUses": (
        "query($id: ID!) { breakGlassUses(childId: $id, first: 10) { ... on BreakGlassConnection { items { id } } } }",
        {"id": "child"}),
    "workbook": (
        "query($id: ID!) { workbook(householdId: $id, first: 10) { __typename ... on Refusal { message } } }",
        {"id": "household"}),
    "addWorkbookEntry": (
        "mutation($id: ID!) { addWorkbookEntry(input: {householdId: $id, section: ASSESSMENT, "
        "body: \"A visit today.\"}) { __typename ... on Refusal { message } } }", {"id": "household"}),
    "recordConsent": (
        "mutation($id: ID!) { recordConsent(input: {childId: $id, givenBy: \"person-001-01\", scope: FULL, "
        "purpose: \"MASH enquiry\", method: \"in person\"}) { __typename ... on Refusal { message } } }",
        {"id": "child"}),
    "withdrawConsent": (
        "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { __typename ... on Refusal { message } } }",
        {"id": "consent"}),
    "requestOverride": (
        "mutation($id: ID!) { requestOverride(input: {childId: $id, ground: CONSENT_CANNOT_BE_GIVEN, "
        "justification: \"The mother is in hospital and cannot be asked tonight.\"}) "
        "{ __typename ... on Refusal { message } } }", {"id": "child"}),
    "breakGlass": (
        "mutation($id: ID!) { breakGlass(input: {childId: $id, reason: IMMEDIATE_RISK_OF_HARM, "
        "explanation: \"A disclosure at school today needs an urgent look.\"}) "
        "{ __typename ... on Refusal { message } } }", {"id": "child"}),
    "restrictChild": (
        "mutation($id: ID!) { restrictChild(input: {childId: $id, reason: \"staff family\"}) "
        "{ __typename ... on Refusal { message } } }", {"id": "child"}),
}

# Queries whose answer, for a role with an existence-only line in the policy, may say which
# agencies know a real child: that is the disclosure the policy allows, so they are swept
# for those roles only against a restricted child's consents and the mutations.
EXISTENCE_ANSWERS = {"familyNetwork", "explainAccess child", "explainAccess record", "workbook"}


@pytest.fixture
def hub(sealed_hub: Hub) -> Hub:
    return sealed_hub


def raw(hub: Hub, who: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = hub.client.post(
        "/graphql", json={"query": document, "variables": variables},
        headers={"authorization": f"Bearer {token_for(hub.settings, who)}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def blank(answer: dict[str, Any], ids: dict[str, str]) -> str:
    text = json.dumps(answer, sort_keys=True)
    for value in ids.values():
        text = text.replace(value, "<id>")
    return text


def unrelated_family_hub_worker(driver: Driver) -> str:
    records, _, _ = driver.execute_query(
        """
        MATCH (p:Professional)-[:MEMBER_OF]->(t:Team {service: 'FAMILY_HUB'})
        WHERE 'family_hub_worker' IN p.roles
          AND NOT EXISTS { (t)<-[:MEMBER_OF]-(:Professional)-[:ALLOCATED_TO]->(:Child)-[:LIVES_IN]->
                           (:Household {id: $household}) }
        RETURN p.id AS id ORDER BY id LIMIT 1
        """,
        household=HOUSEHOLD,
    )
    return str(records[0]["id"])


def first_member(driver: Driver, team_id: str, role: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (p:Professional)-[:MEMBER_OF]->(:Team {id: $team}) WHERE $role IN p.roles RETURN p.id AS id "
        "ORDER BY id LIMIT 1", team=team_id, role=role,
    )
    return str(records[0]["id"])


@pytest.fixture
def real_consent(hub: Hub) -> str:
    """A consent for the demo child that reaches children's services and education alone."""
    result = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID,
        "mutation($input: RecordConsentInput!) { recordConsent(input: $input) { ... on Consent { id } } }",
        input={"childId": CHILD, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "TARGETED",
               "agencies": [demo_city.EDUCATION_AGENCY_ID], "purpose": "MASH enquiry", "method": "in person"},
    )
    return str(result["recordConsent"]["id"])


def sweep(
    hub: Hub, who: str, consent_id: str, skip: frozenset[str] | set[str] = frozenset()
) -> dict[str, tuple[str, str]]:
    real_ids = {**REAL, "consent": consent_id}
    differing: dict[str, tuple[str, str]] = {}
    for name, (document, takes) in OPERATIONS.items():
        if name in skip:
            continue
        real_answer = blank(raw(hub, who, document, {k: real_ids[v] for k, v in takes.items()}), real_ids)
        invented_answer = blank(raw(hub, who, document, {k: INVENTED[v] for k, v in takes.items()}), INVENTED)
        if real_answer != invented_answer:
            differing[name] = (real_answer, invented_answer)
    return differing


class TestEveryRoleWithoutABasis:
    def test_auditor_administrator_and_council_staff_without_a_relationship_cannot_tell_hidden_from_missing(
        self, hub: Hub, graph_db: Driver, real_consent: str
    ) -> None:
        roles = {
            "auditor": demo_city.AUDITOR_ID,
            "administrator": demo_city.ADMINISTRATOR_ID,
            "voluntary sector worker": demo_city.VOLUNTARY_WORKER_ID,
            "family hub worker": unrelated_family_hub_worker(graph_db),
            "other team's domestic abuse worker": first_member(graph_db, "team-fs-2", "domestic_abuse_worker"),
            "LADO social worker": first_member(graph_db, "team-lado", "social_worker"),
        }
        # Break glass is exactly how council staff reach a child they have no relationship with.
        may_break_glass = {"other team's domestic abuse worker", "LADO social worker"}

        differing = {
            role: found
            for role, who in roles.items()
            if (found := sweep(hub, who, real_consent, skip={"breakGlass"} if role in may_break_glass else set()))
        }

        assert differing == {}

    def test_partner_officers_cannot_tell_hidden_from_missing_beyond_what_the_policy_allows(
        self, hub: Hub, real_consent: str
    ) -> None:
        differing = {
            who: found
            for who in (demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID)
            if (found := sweep(hub, who, real_consent, skip=EXISTENCE_ANSWERS))
        }

        assert differing == {}


class TestARestrictedChild:
    def test_the_front_door_not_named_cannot_act_on_a_restricted_child_and_cannot_tell_it_from_missing(
        self, hub: Hub, real_consent: str
    ) -> None:
        restricted = hub.graphql(
            demo_city.CRS_MANAGER_ID,
            "mutation($id: ID!) { restrictChild(input: {childId: $id, reason: \"staff family\"}) { __typename } }",
            id=CHILD,
        )
        assert restricted["restrictChild"]["__typename"] == "ChildRestriction"

        differing = sweep(hub, demo_city.SECOND_MASH_SOCIAL_WORKER_ID, real_consent, skip=EXISTENCE_ANSWERS | {
            # Withdrawal is the family's right and must never be blocked by a restriction.
            "withdrawConsent",
        })

        assert differing == {}
