"""networkAsOf and explainAccessAsOf over HTTP: the auditor asks what a police officer could
see of a child at an instant between a consent being given and withdrawn."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import Driver

from devtools import demo_city
from policies import Policy
from services import policy as services_policy
from tests.api.client import Hub
from tests.api.test_consent_and_override import audit_events, consent

NETWORK_AS_OF = """
query($input: NetworkAsOfInput!) {
  networkAsOf(input: $input) {
    __typename
    ... on NetworkAsOf {
      asOf policyRevision childId basis consentId overrideId personIds
      professional { id agencyId roles }
      records { id agencyId basis consentId }
      knownTo { personId agencyId }
    }
    ... on Refusal { message }
  }
}
"""
EXPLAIN_AS_OF = """
query($input: ExplainAccessAsOfInput!) {
  explainAccessAsOf(input: $input) {
    __typename
    ... on AccessExplanationAsOf { policyRevision explanation { allowed basis consentId } }
    ... on Refusal { message }
  }
}
"""
WITHDRAW = """
mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { __typename } }
"""


def now(driver: Driver) -> str:
    records, _, _ = driver.execute_query("RETURN toString(datetime()) AS now")
    return str(records[0]["now"])


def load_policy(hub: Hub, driver: Driver) -> None:
    # The policy revision in force is what the replay judges by: one loaded before the history.
    services_policy.load_policy(driver, Policy(), database=hub.settings.neo4j_database, loaded_by="replay-test")


def as_of(hub: Hub, who: str, moment: str, *, child: str = demo_city.DEMO_FAMILY_CHILD_ID) -> dict[str, Any]:
    answer: dict[str, Any] = hub.graphql(who, NETWORK_AS_OF, input={
        "professionalId": demo_city.POLICE_OFFICER_ID, "childId": child, "asOf": moment,
    })["networkAsOf"]
    return answer


def test_the_auditor_sees_what_the_officer_could_see_while_consent_stood(hub: Hub, graph_db: Driver) -> None:
    load_policy(hub, graph_db)
    before = now(graph_db)
    given = consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])
    during = now(graph_db)
    hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=given["id"])

    then = as_of(hub, demo_city.AUDITOR_ID, during)
    earlier = as_of(hub, demo_city.AUDITOR_ID, before)

    assert then["__typename"] == "NetworkAsOf"
    assert then["basis"] == "CONSENT" and then["consentId"] == given["id"]
    assert then["professional"] == {
        "id": demo_city.POLICE_OFFICER_ID, "agencyId": demo_city.POLICE_AGENCY_ID, "roles": ["police_mash_officer"],
    }
    assert demo_city.DEMO_FAMILY_CHILD_ID in then["personIds"]
    assert earlier["basis"] != "CONSENT" and earlier["consentId"] is None
    # No content: the answer names records by id and basis only.
    assert "summary" not in NETWORK_AS_OF and all(set(r) == {"id", "agencyId", "basis", "consentId"}
                                                  for r in then["records"])
    replayed = audit_events(graph_db, action="access.replayed")
    assert [e["actor"] for e in replayed] == [demo_city.AUDITOR_ID, demo_city.AUDITOR_ID]
    # The event names whom and what was replayed, and the instant: never what was seen.
    assert replayed[0]["targets"][:2] == [demo_city.POLICE_OFFICER_ID, demo_city.DEMO_FAMILY_CHILD_ID]
    assert datetime.fromisoformat(replayed[0]["targets"][2].removeprefix("as_of:")) == datetime.fromisoformat(during)

    explained = hub.graphql(demo_city.AUDITOR_ID, EXPLAIN_AS_OF, input={
        "professionalId": demo_city.POLICE_OFFICER_ID, "resourceId": demo_city.DEMO_FAMILY_CHILD_ID, "asOf": during,
    })["explainAccessAsOf"]
    assert explained["__typename"] == "AccessExplanationAsOf"
    assert explained["explanation"] == {"allowed": True, "basis": "CONSENT", "consentId": given["id"]}


def test_anyone_but_the_auditor_is_refused_and_learns_nothing(hub: Hub, graph_db: Driver) -> None:
    load_policy(hub, graph_db)
    moment = now(graph_db)
    for who in (demo_city.POLICE_OFFICER_ID, demo_city.CRS_MANAGER_ID, demo_city.ADMINISTRATOR_ID):
        real = as_of(hub, who, moment)
        unknown = as_of(hub, who, moment, child="person-invented")

        assert real["__typename"] == "NotPermitted", who
        assert real == unknown, who
    assert audit_events(graph_db, action="access.replayed") == []


def test_an_instant_to_come_and_one_before_any_policy_are_refused(hub: Hub, graph_db: Driver) -> None:
    load_policy(hub, graph_db)

    assert as_of(hub, demo_city.AUDITOR_ID, "2999-01-01T00:00:00Z")["__typename"] == "InvalidInput"
    assert as_of(hub, demo_city.AUDITOR_ID, "2000-01-01T00:00:00Z")["__typename"] == "NoPolicyOnRecord"
    # At the calendar's edge an offset cannot be taken off: refused, not a server error.
    assert as_of(hub, demo_city.AUDITOR_ID, "0001-01-01T00:30:00+01:00")["__typename"] == "InvalidInput"
