"""explainAccess: whether the caller may read a record, on which basis, by which policy line
and which consent or override, asked through the API as each basis comes and goes."""

from __future__ import annotations

from typing import Any

from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub
from tests.api.test_consent_and_override import approved_override, consent

EXPLAIN = """
query($id: ID!) {
  explainAccess(resourceId: $id) { resourceId allowed basis reason policyLine consentId overrideId }
}
"""


def record_about(driver: Driver, person_id: str, agency_id: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (:Agency {id: $agency})<-[:HELD_BY]-(r:AgencyRecord)-[:ABOUT]->(:Person {id: $person}) "
        "RETURN r.id AS id ORDER BY id LIMIT 1",
        agency=agency_id, person=person_id,
    )
    return str(records[0]["id"])


def explain(hub: Hub, professional_id: str, resource_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = hub.graphql(professional_id, EXPLAIN, id=resource_id)["explainAccess"]
    return answer


class TestRecordsOfAnotherAgency:
    def test_without_consent_police_may_know_of_a_health_record_and_no_more(self, hub: Hub, graph_db: Driver) -> None:
        health_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.HEALTH_AGENCY_ID)

        answer = explain(hub, demo_city.POLICE_OFFICER_ID, health_record)

        assert (answer["allowed"], answer["basis"]) == (False, "EXISTENCE")
        assert answer["policyLine"] == "p, mash_partner_officer, health_record, read, EXISTENCE"
        assert answer["consentId"] is None and answer["overrideId"] is None

    def test_consent_naming_both_agencies_grants_it_and_is_named(self, hub: Hub, graph_db: Driver) -> None:
        health_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.HEALTH_AGENCY_ID)
        given = consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID])

        answer = explain(hub, demo_city.POLICE_OFFICER_ID, health_record)

        assert answer == {
            "resourceId": health_record, "allowed": True, "basis": "CONSENT",
            "reason": "allowed on the CONSENT basis",
            "policyLine": "p, mash_partner_officer, health_record, read, CONSENT",
            "consentId": given["id"], "overrideId": None,
        }

    def test_consent_naming_only_the_reader_does_not_open_another_agencys_record(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        health_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.HEALTH_AGENCY_ID)
        consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])

        assert explain(hub, demo_city.POLICE_OFFICER_ID, health_record)["basis"] == "EXISTENCE"

    def test_an_approved_override_grants_it_and_is_named(self, hub: Hub, graph_db: Driver) -> None:
        health_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.HEALTH_AGENCY_ID)
        override_id = approved_override(hub)

        answer = explain(hub, demo_city.MASH_SOCIAL_WORKER_ID, health_record)

        assert (answer["allowed"], answer["basis"], answer["overrideId"]) == (True, "OVERRIDE", override_id)
        assert answer["policyLine"] == "p, front_door_practitioner, health_record, read, OVERRIDE"


class TestOwnAndNothing:
    def test_own_agency_record_is_read_on_that_basis(self, hub: Hub, graph_db: Driver) -> None:
        police_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.POLICE_AGENCY_ID)

        answer = explain(hub, demo_city.POLICE_OFFICER_ID, police_record)

        assert (answer["allowed"], answer["basis"]) == (True, "OWN_AGENCY")
        assert answer["policyLine"] == "p, police_mash_officer, police_record, read, OWN_AGENCY"

    def test_an_auditor_learns_nothing_and_hidden_reads_like_missing(self, hub: Hub, graph_db: Driver) -> None:
        health_record = record_about(graph_db, demo_city.DEMO_MOTHER_ID, demo_city.HEALTH_AGENCY_ID)

        hidden = explain(hub, demo_city.AUDITOR_ID, health_record)
        missing = explain(hub, demo_city.AUDITOR_ID, "record-that-does-not-exist")

        assert (hidden["allowed"], hidden["basis"], hidden["policyLine"]) == (False, None, None)
        assert {k: v for k, v in hidden.items() if k != "resourceId"} == {
            k: v for k, v in missing.items() if k != "resourceId"
        }
