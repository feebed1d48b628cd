"""What each role sees of one demo family's network with no basis, with consent, and on an override.

The expectation is the access matrix in prose (DESIGN.md, policies/policy.csv): a record's
content is shown on its holder's own agency, or on a consent or approved override covering
the reader; otherwise at most that the agency knows the person (existence only); the
auditor sees no case content at all. The records themselves come from the seeded family.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest

from devtools import demo_city
from graph.model import AgencyRecord
from tests.api.client import Hub

CONTENT_BASES = {"OWN_AGENCY", "ALLOCATED", "CONSENT", "OVERRIDE", "BREAK_GLASS"}
COUNCIL = demo_city.COUNCIL_AGENCY_ID

NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId) {
    access { allowed basis }
    people { id givenName }
    records { id agencyId summary access { allowed basis } }
    knownTo { personId agencyId }
  }
}
"""


REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) { requestOverride(input: $input) { ... on ConsentOverride { id } } }
"""


class Situation(Enum):
    NO_BASIS = "none"
    CONSENT = "CONSENT"
    OVERRIDE = "OVERRIDE"


VIEWERS = {
    demo_city.MASH_SOCIAL_WORKER_ID: demo_city.COUNCIL_AGENCY_ID,
    demo_city.POLICE_OFFICER_ID: demo_city.POLICE_AGENCY_ID,
    demo_city.HEALTH_OFFICER_ID: demo_city.HEALTH_AGENCY_ID,
    demo_city.EDUCATION_OFFICER_ID: demo_city.EDUCATION_AGENCY_ID,
}


@pytest.fixture
def hub(sealed_hub: Hub) -> Hub:
    return sealed_hub


def establish(hub: Hub, situation: Situation) -> None:
    if situation is Situation.CONSENT:
        result = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID,
            "mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename } }",
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "FULL",
                   "purpose": "MASH enquiry", "method": "in person"},
        )
        assert result["recordConsent"]["__typename"] == "Consent"
    elif situation is Situation.OVERRIDE:
        requested = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID,
            REQUEST_OVERRIDE,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
                   "justification": "Asking the parents would alert the alleged abuser and raise the risk."},
        )["requestOverride"]
        approved = hub.graphql(
            demo_city.CRS_MANAGER_ID,
            'mutation($id: ID!) { approveOverride(input: {overrideId: $id, note: "Agreed"}) { __typename } }',
            id=requested["id"],
        )
        assert approved["approveOverride"]["__typename"] == "ConsentOverride"


def expected_network_basis(viewer_agency: str, situation: Situation) -> str | None:
    if viewer_agency == demo_city.COUNCIL_AGENCY_ID:
        return "OWN_AGENCY"
    return None if situation is Situation.NO_BASIS else situation.value


def expected_record_basis(viewer_agency: str, situation: Situation, record: AgencyRecord) -> str:
    if record.agency_id == viewer_agency:
        return "OWN_AGENCY"
    if situation is Situation.NO_BASIS:
        return "EXISTENCE"
    # A FULL consent or override lets records pass between children's services and each
    # partner, never from one partner to another (that needs a grant naming both).
    between_partners = COUNCIL not in (viewer_agency, record.agency_id)
    return "EXISTENCE" if between_partners else situation.value


def family_records() -> list[AgencyRecord]:
    return list(demo_city.demo_city().records)


@pytest.mark.parametrize("situation", list(Situation), ids=lambda s: s.value)
@pytest.mark.parametrize("viewer", list(VIEWERS), ids=["mash_social_worker", "police", "health", "education"])
def test_each_role_sees_what_the_policy_allows_on_each_basis(hub: Hub, viewer: str, situation: Situation) -> None:
    establish(hub, situation)
    viewer_agency = VIEWERS[viewer]

    network: dict[str, Any] = hub.graphql(viewer, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)["familyNetwork"]

    network_basis = expected_network_basis(viewer_agency, situation)
    assert network["access"]["basis"] == network_basis
    people = {p["id"] for p in network["people"]}
    if network_basis is None:
        # No basis for the family: the child alone, unnamed, and nothing about the others.
        assert network["people"] == [{"id": demo_city.DEMO_FAMILY_CHILD_ID, "givenName": None}]
    else:
        assert {demo_city.DEMO_MOTHER_ID, demo_city.DEMO_YOUNGEST_CHILD_ID} <= people
        assert all(p["givenName"] for p in network["people"])
    about_network = [r for r in family_records() if r.person_id in people]
    expected = {r.id: expected_record_basis(viewer_agency, situation, r) for r in about_network}
    assert {r["id"]: r["access"]["basis"] for r in network["records"]} == {
        record_id: basis for record_id, basis in expected.items() if basis in CONTENT_BASES
    }
    summaries = {r.id: r.summary for r in about_network}
    assert all(r["access"]["allowed"] for r in network["records"])
    # Content shown is the record's own summary, in full.
    assert all(r["summary"] == summaries[r["id"]] for r in network["records"])
    assert {(k["personId"], k["agencyId"]) for k in network["knownTo"]} == {
        (r.person_id, r.agency_id) for r in about_network
    }


@pytest.mark.parametrize("situation", list(Situation), ids=lambda s: s.value)
def test_the_auditor_sees_no_case_content_on_any_basis(hub: Hub, situation: Situation) -> None:
    establish(hub, situation)

    network = hub.graphql(demo_city.AUDITOR_ID, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)["familyNetwork"]

    # Not even that the child exists: the answer is the one an unknown id gets.
    assert network is None
    assert hub.graphql(demo_city.AUDITOR_ID, NETWORK, childId="person-nobody")["familyNetwork"] is None


def test_the_family_has_records_held_by_every_viewer_agency() -> None:
    # Otherwise the OWN_AGENCY rows above would hold vacuously.
    holders = {r.agency_id for r in family_records() if r.person_id.startswith("person-001-")}

    assert set(VIEWERS.values()) <= holders
