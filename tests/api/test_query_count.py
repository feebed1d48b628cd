"""One Cypher round trip per GraphQL operation for the family network and the lists.

The app gets the real driver wrapped so that every query it sends is counted; what an
operation costs is its count beyond what authenticating the caller costs, except for the
family network, whose query confirms a caller the process has seen before itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub
from tests.api.query_counter import CountingDriver
from tests.api.test_front_door import (
    CONTACT,
    INFORMATION_REQUEST,
    decide,
    give_consent,
    recorded_contact_id,
    request_information,
    share,
)

NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId, depth: 3) {
    access { basis }
    people { id givenName }
    relationships { fromId toId type provenance { assertedBy } }
    residences { personId householdId }
    allocations { professionalId teamName }
    records { id summary access { allowed basis reason } }
    knownTo { personId agencyId }
  }
}
"""

QUEUE = """
query($after: String) {
  contacts(first: 3, after: $after) {
    ... on ContactConnection {
      items { id childId childGivenName urgency secondsLeft } pageInfo { endCursor hasNextPage }
    }
  }
}
"""

SEARCH = """
query($after: String) {
  searchPeople(name: "Marsh", first: 3, after: $after) {
    ... on PersonCandidateConnection {
      items { id score givenName access { basis } } pageInfo { endCursor hasNextPage }
    }
  }
}
"""

WORKBOOK = """
query($household: ID!, $after: String) {
  workbook(householdId: $household, first: 2, after: $after) {
    ... on Workbook { entries { items { id body author { name } history { body } } pageInfo { endCursor } } }
  }
}
"""

ADD_ENTRY = """
mutation($household: ID!, $body: String!) {
  addWorkbookEntry(input: {householdId: $household, section: PLAN, body: $body}) { __typename }
}
"""

RECORD_CONTACT = """
mutation($input: RecordContactInput!) { recordContact(input: $input) { __typename } }
"""


@pytest.fixture
def counter(sealed_city_db: Driver, test_settings: Settings) -> CountingDriver:
    return CountingDriver(sealed_city_db)


@pytest.fixture
def hub(counter: CountingDriver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=cast(Driver, counter))) as client:
        yield Hub(client, test_settings)


def queries_for(hub: Hub, counter: CountingDriver, professional: str, query: str, **variables: Any) -> int:
    counter.sent.clear()
    hub.graphql(professional, query, **variables)
    return len(counter.sent)


def operation_cost(hub: Hub, counter: CountingDriver, professional: str, query: str, **variables: Any) -> int:
    authentication = queries_for(hub, counter, professional, "query { __typename }")
    assert authentication >= 1, "the counter must see the caller's lookup"
    return queries_for(hub, counter, professional, query, **variables) - authentication


def add_contacts(hub: Hub, count: int) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(count):
        hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONTACT,
            input={
                "childId": demo_city.DEMO_FAMILY_CHILD_ID if i % 2 else demo_city.DEMO_YOUNGEST_CHILD_ID,
                "referrer": {"kind": "PUBLIC", "name": "Anonymous"}, "channel": "TELEPHONE",
                "concern": f"Concern number {i}", "urgency": "AMBER", "consentPosition": "NOT_SOUGHT",
                "consentNotSoughtReason": "Anonymous referral",
                "receivedAt": (start + timedelta(minutes=i)).isoformat(),
            },
        )


class TestOneRoundTrip:
    @pytest.mark.parametrize(
        "professional", [demo_city.MASH_SOCIAL_WORKER_ID, demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID]
    )
    def test_family_network_is_one_query_in_all_the_callers_confirmation_included(
        self, hub: Hub, counter: CountingDriver, professional: str
    ) -> None:
        queries_for(hub, counter, professional, "query { __typename }")  # the process has seen them once

        sent = queries_for(hub, counter, professional, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)

        assert sent == 1
        assert "caller_current" in counter.sent[0]

    def test_a_callers_first_family_network_reads_them_and_then_the_network(
        self, hub: Hub, counter: CountingDriver
    ) -> None:
        sent = queries_for(hub, counter, demo_city.POLICE_OFFICER_ID, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)

        assert sent == 2
        assert "caller_current" not in counter.sent[1]

    def test_the_contact_queue_is_one_query_per_page(self, hub: Hub, counter: CountingDriver) -> None:
        add_contacts(hub, 7)

        first_page = operation_cost(hub, counter, demo_city.MASH_SOCIAL_WORKER_ID, QUEUE)
        cursor = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE)["contacts"]["pageInfo"]["endCursor"]
        next_page = operation_cost(hub, counter, demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, after=cursor)

        assert (first_page, next_page) == (1, 1)

    @pytest.mark.parametrize("professional", [demo_city.MASH_SOCIAL_WORKER_ID, demo_city.POLICE_OFFICER_ID])
    def test_people_search_is_one_query(self, hub: Hub, counter: CountingDriver, professional: str) -> None:
        assert operation_cost(hub, counter, professional, SEARCH) == 1

    def test_the_counter_sees_every_query_of_a_write(self, hub: Hub, counter: CountingDriver) -> None:
        # Recording a contact checks the child, encrypts, writes and audits: several queries,
        # which shows the counter is not blind to work done inside a transaction.
        add_contacts(hub, 1)
        counter.sent.clear()
        add_contacts(hub, 1)

        assert len(counter.sent) > 3

    def test_a_workbook_page_is_one_query_besides_its_one_audit_query(self, hub: Hub, counter: CountingDriver) -> None:
        household = demo_city.DEMO_FAMILY_HOUSEHOLD_ID
        for i in range(5):
            hub.graphql(demo_city.FS_SOCIAL_WORKER_ID, ADD_ENTRY, household=household, body=f"Entry {i}")
        authentication = queries_for(hub, counter, demo_city.FS_TEAM_MANAGER_ID, "query { __typename }")

        costs = []
        cursor = None
        for _ in range(2):
            queries_for(hub, counter, demo_city.FS_TEAM_MANAGER_ID, WORKBOOK, household=household, after=cursor)
            audit = [q for q in counter.sent if ":Audit" in q]
            # The process knows the chain's head from its last append, so the record is one query.
            assert len(audit) == 1, "every workbook read is audited, in one query"
            costs.append(len(counter.sent) - len(audit) - authentication)
            page = hub.graphql(demo_city.FS_TEAM_MANAGER_ID, WORKBOOK, household=household)["workbook"]
            cursor = page["entries"]["pageInfo"]["endCursor"]

        assert costs == [1, 1]


def key_reads(counter: CountingDriver) -> int:
    return sum(1 for query in counter.sent if "MATCH (k:DataKey {scope_id: $scope_id})" in query)


class TestOneKeyReadPerChild:
    """Every encrypted field of a view about one child opens with the child's key, read once."""

    def test_a_decided_contact_reads_its_childs_key_once(self, hub: Hub, counter: CountingDriver) -> None:
        contact_id = recorded_contact_id(hub)
        assert decide(hub, contact_id)["__typename"] == "Contact"

        counter.sent.clear()
        shown = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]

        assert shown["concern"] and shown["rationale"] and shown["responseToReferrer"]
        assert key_reads(counter) == 1

    def test_an_information_request_reads_its_childs_key_once_for_all_its_answers(
        self, hub: Hub, counter: CountingDriver
    ) -> None:
        agencies = (demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID)
        give_consent(hub, scope="TARGETED", agencies=list(agencies))
        request = request_information(hub, recorded_contact_id(hub), agencies=agencies)
        assert request["__typename"] == "InformationRequest", request
        for officer in (demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID):
            assert share(hub, officer, request["id"])["__typename"] == "InformationShare"

        counter.sent.clear()
        answers = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request["id"]
        )["informationRequest"]["answers"]

        assert [a["content"] is not None for a in answers] == [True, True]
        assert key_reads(counter) == 1
