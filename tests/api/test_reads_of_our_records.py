"""readsOfOurRecords through the real API: an agency sees who in other agencies read its records.

Every read is made through familyNetwork as a professional would, so the list is built from
the audit events the hub itself wrote; nothing is planted in the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub
from tests.api.protected_hub import approved_override, network, running_hub

READS = """
query($first: Int!, $after: String, $from: DateTime, $to: DateTime) {
  readsOfOurRecords(first: $first, after: $after, from: $from, to: $to) {
    __typename
    ... on RecordReadConnection {
      items {
        seq at basis overrideId breakGlassId recordIds
        reader { id name agencyId agencyName roles }
        child { id givenName familyName access { basis } }
      }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""
RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename ... on Consent { id } } }
"""
BREAK_GLASS = """
mutation($input: BreakGlassInput!) { breakGlass(input: $input) { __typename ... on BreakGlass { id } } }
"""
# A child children's services hold records about that no one works with, so break glass is
# the only way a Family Safeguarding worker reads them.
A_CHILD_NO_ONE_WORKS_WITH: LiteralString = """
MATCH (c:Child)<-[:ABOUT]-(:AgencyRecord)-[:HELD_BY]->(:Agency {id: $council})
WHERE NOT EXISTS { (c)<-[:ALLOCATED_TO]-() }
  AND NOT EXISTS { (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(:Child)<-[:ALLOCATED_TO]-() }
  AND NOT EXISTS { (:Restriction)-[:RESTRICTS]->(c) }
RETURN DISTINCT c.id AS id ORDER BY id LIMIT 1
"""
EVENTS_OF: LiteralString = """
MATCH (e:AuditEvent {action: $action})
RETURN e.actor AS actor, e.agency AS agency, e.targets AS targets, e.basis AS basis
ORDER BY e.seq
"""


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with running_hub(sealed_city_db, test_settings) as running:
        yield running


def consent_for_police(hub: Hub) -> None:
    recorded = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "TARGETED",
               "agencies": [demo_city.POLICE_AGENCY_ID], "purpose": "MASH enquiry", "method": "by telephone"},
    )["recordConsent"]
    assert recorded["__typename"] == "Consent", recorded


def reads(hub: Hub, professional_id: str, **given: Any) -> dict[str, Any]:
    answer: dict[str, Any] = hub.graphql(professional_id, READS, **{"first": 20, **given})["readsOfOurRecords"]
    return answer


def records_of(found: dict[str, Any], agency_id: str, basis: str) -> list[str]:
    return sorted(r["id"] for r in found["records"] if r["agencyId"] == agency_id and r["access"]["basis"] == basis)


def events(driver: Driver, action: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(EVENTS_OF, action=action, database_="neo4j")
    return [dict(record) for record in records]


class TestAReadUnderConsent:
    def test_shows_on_the_police_list_with_the_reader_basis_child_and_records(self, hub: Hub) -> None:
        consent_for_police(hub)
        seen = network(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        police_records = records_of(seen, demo_city.POLICE_AGENCY_ID, "CONSENT")
        assert police_records

        listed = reads(hub, demo_city.POLICE_OFFICER_ID)

        assert listed["__typename"] == "RecordReadConnection"
        [item] = listed["items"]
        assert item["reader"] == {
            "id": demo_city.MASH_SOCIAL_WORKER_ID, "name": item["reader"]["name"],
            "agencyId": demo_city.COUNCIL_AGENCY_ID, "agencyName": item["reader"]["agencyName"],
            "roles": ["mash_social_worker"],
        }
        assert item["reader"]["name"] and item["reader"]["agencyName"]
        assert (item["basis"], item["overrideId"], item["breakGlassId"]) == ("CONSENT", None, None)
        assert item["child"]["id"] == demo_city.DEMO_FAMILY_CHILD_ID
        assert item["recordIds"] == police_records

    def test_names_only_the_agency_s_own_records_among_those_read(self, hub: Hub) -> None:
        consent_for_police(hub)
        seen = network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        [item] = reads(hub, demo_city.POLICE_OFFICER_ID)["items"]

        others = {r["id"] for r in seen["records"] if r["agencyId"] != demo_city.POLICE_AGENCY_ID}
        assert others and not others & set(item["recordIds"])

    def test_does_not_show_on_the_health_list(self, hub: Hub) -> None:
        consent_for_police(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        listed = reads(hub, demo_city.HEALTH_OFFICER_ID)

        assert listed["__typename"] == "RecordReadConnection"
        assert listed["items"] == []

    def test_the_child_is_named_as_the_officer_may_see_it_and_that_naming_is_recorded(
        self, hub: Hub, sealed_city_db: Driver
    ) -> None:
        consent_for_police(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        [item] = reads(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert item["child"]["access"]["basis"] == "CONSENT" and item["child"]["givenName"]
        named = [e for e in events(sealed_city_db, "person.listed") if e["actor"] == demo_city.POLICE_OFFICER_ID]
        assert named == [{"actor": demo_city.POLICE_OFFICER_ID, "agency": demo_city.POLICE_AGENCY_ID,
                          "targets": [demo_city.DEMO_FAMILY_CHILD_ID], "basis": "CONSENT"}]

    def test_the_child_has_no_name_for_an_officer_whom_nothing_covers(self, hub: Hub) -> None:
        override_id = approved_override(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        hub.graphql(demo_city.CRS_MANAGER_ID, "mutation($id: ID!) { revokeOverride(input: {overrideId: $id}) "
                    "{ __typename } }", id=override_id)

        [item] = reads(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert item["child"]["givenName"] is None and item["child"]["familyName"] is None


class TestOwnReads:
    def test_the_police_officer_s_own_reads_of_police_records_are_not_listed(self, hub: Hub) -> None:
        consent_for_police(hub)
        seen = network(hub, demo_city.POLICE_OFFICER_ID)
        assert records_of(seen, demo_city.POLICE_AGENCY_ID, "OWN_AGENCY")

        assert reads(hub, demo_city.POLICE_OFFICER_ID)["items"] == []

    def test_the_police_officer_s_read_of_children_s_services_records_shows_on_the_council_s_list(
        self, hub: Hub
    ) -> None:
        consent_for_police(hub)
        seen = network(hub, demo_city.POLICE_OFFICER_ID)

        [item] = reads(hub, demo_city.CRS_MANAGER_ID)["items"]

        assert item["reader"]["id"] == demo_city.POLICE_OFFICER_ID
        assert item["recordIds"] == records_of(seen, demo_city.COUNCIL_AGENCY_ID, "CONSENT")


class TestAReadUnderOverride:
    def test_shows_the_override_it_was_read_under(self, hub: Hub) -> None:
        override_id = approved_override(hub)
        seen = network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        [item] = reads(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert (item["basis"], item["overrideId"]) == ("OVERRIDE", override_id)
        assert item["recordIds"] == records_of(seen, demo_city.POLICE_AGENCY_ID, "OVERRIDE")

    def test_every_agency_read_under_a_full_override_is_told_of_its_own_records(self, hub: Hub) -> None:
        approved_override(hub)
        seen = network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        [item] = reads(hub, demo_city.HEALTH_OFFICER_ID)["items"]

        assert item["recordIds"] == records_of(seen, demo_city.HEALTH_AGENCY_ID, "OVERRIDE")


class TestAReadUnderBreakGlass:
    def test_shows_on_children_s_services_list_with_the_break_glass_though_the_reader_is_the_council_s(
        self, hub: Hub, sealed_city_db: Driver
    ) -> None:
        found, _, _ = sealed_city_db.execute_query(
            A_CHILD_NO_ONE_WORKS_WITH, council=demo_city.COUNCIL_AGENCY_ID, database_="neo4j",
        )
        child_id = str(found[0]["id"])
        opened = hub.graphql(
            demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID, BREAK_GLASS,
            input={"childId": child_id, "reason": "COVERING_FOR_ABSENT_COLLEAGUE",
                   "explanation": "Covering the duty desk while the allocated worker is off sick."},
        )["breakGlass"]
        assert opened["__typename"] == "BreakGlass", opened
        seen = network(hub, demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID, child_id)
        assert records_of(seen, demo_city.COUNCIL_AGENCY_ID, "BREAK_GLASS")

        [item] = reads(hub, demo_city.CRS_MANAGER_ID)["items"]

        assert (item["basis"], item["breakGlassId"], item["child"]["id"]) == ("BREAK_GLASS", opened["id"], child_id)
        assert item["reader"]["id"] == demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID
        assert item["recordIds"] == records_of(seen, demo_city.COUNCIL_AGENCY_ID, "BREAK_GLASS")
        assert reads(hub, demo_city.POLICE_OFFICER_ID)["items"] == []


class TestWhoMayAsk:
    @pytest.mark.parametrize(
        "professional_id",
        [demo_city.MASH_SOCIAL_WORKER_ID, demo_city.AUDITOR_ID, demo_city.ADMINISTRATOR_ID,
         demo_city.FS_TEAM_MANAGER_ID, demo_city.VOLUNTARY_WORKER_ID],
    )
    def test_any_other_role_is_refused_and_told_nothing(self, hub: Hub, professional_id: str) -> None:
        consent_for_police(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        refused = reads(hub, professional_id)

        assert refused["__typename"] == "NotPermitted"
        assert demo_city.DEMO_FAMILY_CHILD_ID not in str(refused)

    def test_a_refused_caller_leaves_no_record_of_viewing(self, hub: Hub, sealed_city_db: Driver) -> None:
        reads(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        assert events(sealed_city_db, "disclosures.read") == []


class TestPeriodAndPaging:
    def test_a_period_before_the_read_lists_nothing_and_one_around_it_lists_it(self, hub: Hub) -> None:
        consent_for_police(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        now = datetime.now(UTC)

        before = reads(hub, demo_city.POLICE_OFFICER_ID, **{
            "from": (now - timedelta(days=2)).isoformat(), "to": (now - timedelta(days=1)).isoformat()})
        around = reads(hub, demo_city.POLICE_OFFICER_ID, **{
            "from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()})

        assert before["items"] == []
        assert len(around["items"]) == 1

    def test_a_period_ending_before_it_starts_is_invalid(self, hub: Hub) -> None:
        now = datetime.now(UTC)

        refused = reads(hub, demo_city.POLICE_OFFICER_ID, **{"from": now.isoformat(),
                                                             "to": (now - timedelta(days=1)).isoformat()})

        assert refused["__typename"] == "InvalidInput"

    def test_pages_newest_first_until_the_last(self, hub: Hub) -> None:
        consent_for_police(hub)
        for _ in range(3):
            network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        first = reads(hub, demo_city.POLICE_OFFICER_ID, first=2)
        rest = reads(hub, demo_city.POLICE_OFFICER_ID, first=2, after=first["pageInfo"]["endCursor"])

        seqs = [item["seq"] for item in first["items"] + rest["items"]]
        assert len(seqs) == 3 and seqs == sorted(seqs, reverse=True)
        assert first["pageInfo"]["hasNextPage"] is True
        assert rest["pageInfo"]["hasNextPage"] is False

    @pytest.mark.parametrize("first", [0, 101])
    def test_a_page_size_out_of_bounds_is_invalid(self, hub: Hub, first: int) -> None:
        assert reads(hub, demo_city.POLICE_OFFICER_ID, first=first)["__typename"] == "InvalidInput"

    def test_a_cursor_from_another_list_is_invalid(self, hub: Hub) -> None:
        assert reads(hub, demo_city.POLICE_OFFICER_ID, after="bm90LWEtY3Vyc29y")["__typename"] == "InvalidInput"


class TestViewingIsRecorded:
    def test_each_viewing_appends_an_event_naming_the_agency_and_the_children_shown(
        self, hub: Hub, sealed_city_db: Driver
    ) -> None:
        consent_for_police(hub)
        network(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        reads(hub, demo_city.POLICE_OFFICER_ID)
        reads(hub, demo_city.HEALTH_OFFICER_ID)

        assert events(sealed_city_db, "disclosures.read") == [
            {"actor": demo_city.POLICE_OFFICER_ID, "agency": demo_city.POLICE_AGENCY_ID,
             "targets": [demo_city.POLICE_AGENCY_ID, demo_city.DEMO_FAMILY_CHILD_ID], "basis": None},
            {"actor": demo_city.HEALTH_OFFICER_ID, "agency": demo_city.HEALTH_AGENCY_ID,
             "targets": [demo_city.HEALTH_AGENCY_ID], "basis": None},
        ]
