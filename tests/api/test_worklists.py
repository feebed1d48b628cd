"""The worklists through the API: what waits for a manager's decision, and a partner's inbox.

Everything goes through the GraphQL endpoint of the real app, against the real Neo4j, with
the real policy, audit chain and field encryption. The consent clock is moved between office
hours and night, since who decides an override depends on it.
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
from tests.api.client import Hub, token_for
from tests.api.protected_hub import JUSTIFICATION
from tests.api.query_counter import CountingDriver
from tests.api.test_front_door import APPROVE, WITHDRAW, contact_input, stored
from tests.api.test_override_decisions import REJECT

# A Tuesday in London: 10:30 is a CRS manager's office hours, 23:00 is the EDT's night.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
HEAD_OF_SERVICE_ID = "pro-head-of-service"
CHILD = demo_city.DEMO_FAMILY_CHILD_ID
YOUNGEST = demo_city.DEMO_YOUNGEST_CHILD_ID
YOUNG_CARER = demo_city.DEMO_YOUNG_CARER_ID
POLICE = demo_city.POLICE_AGENCY_ID
HEALTH = demo_city.HEALTH_AGENCY_ID

AWAITING = """
query($first: Int!, $after: String) {
  overridesAwaitingDecision(first: $first, after: $after) {
    __typename
    ... on OverrideAwaitingDecisionConnection {
      items {
        override {
          id childId ground scope agencies status requestedBy requestedAt justification justificationUnavailable
        }
        child { id givenName familyName access { allowed basis reason } }
        requester { id name teamName agencyName }
      }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""

REQUEST_FIELDS = """
id contactId childId scope agencies basis consentId overrideId basisStillHolds status statusReason dueBy
requestedBy requestedAt
answers { id agencyId shared factOrOpinion historic sharedBy sharedAt content contentUnavailable declineReason
          declineReasonUnavailable basis }
"""

INBOX = """
query($first: Int!, $after: String, $status: RequestStatus) {
  informationRequestInbox(first: $first, after: $after, status: $status) {
    __typename
    ... on InboxRequestConnection {
      items { request { """ + REQUEST_FIELDS + """ } child { id givenName familyName access { allowed basis } } }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""

INFORMATION_REQUEST = """
query($id: ID!) {
  informationRequest(id: $id) { __typename ... on InformationRequest { """ + REQUEST_FIELDS + """ } }
}
"""

CONSENT_OVERRIDE = """
query($id: ID!) {
  consentOverride(id: $id) {
    ... on ConsentOverride { id childId ground scope agencies status requestedBy requestedAt justification
                             justificationUnavailable }
  }
}
"""

REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) {
  requestOverride(input: $input) { __typename ... on ConsentOverride { id } ... on Refusal { message } }
}
"""
RECORD_CONTACT = """
mutation($input: RecordContactInput!) { recordContact(input: $input) { __typename ... on Contact { id } } }
"""
RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename ... on Consent { id } } }
"""
REQUEST_INFORMATION = """
mutation($input: RequestInformationInput!) {
  requestInformation(input: $input) { __typename ... on InformationRequest { id } ... on Refusal { message } }
}
"""
SHARE = """
mutation($id: ID!) {
  shareInformation(input: {requestId: $id, content: "Two call-outs to the address.", factOrOpinion: FACT,
                           historic: true}) { __typename }
}
"""
DECLINE = """
mutation($id: ID!) {
  declineToShare(input: {requestId: $id, reason: "Nothing held that is proportionate to share."}) { __typename }
}
"""
DECIDE = """
mutation($id: ID!) {
  decideContact(input: {contactId: $id, outcome: FAMILY_HELP, rationale: "Needs met by Family Help.",
                        responseToReferrer: "Thank you; support offered."}) { __typename }
}
"""
RESTRICT = """
mutation($input: RestrictChildInput!) { restrictChild(input: $input) { __typename } }
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
def hub(demo_city_db: Driver, test_settings: Settings, clock: Clock) -> Iterator[Hub]:
    demo_city_db.execute_query(
        "MATCH (t:Team {id: $team})"
        " CREATE (:Professional {id: $id, name: 'Head of Service', roles: ['head_of_service']})-[:MEMBER_OF]->(t)",
        team=demo_city.EDT_TEAM_ID, id=HEAD_OF_SERVICE_ID,
    )
    with TestClient(create_app(test_settings, driver=demo_city_db, consent_clock=clock)) as client:
        yield Hub(client, test_settings)


def awaiting(hub: Hub, professional: str, first: int = 20, after: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = hub.graphql(professional, AWAITING, first=first, after=after)["overridesAwaitingDecision"]
    return page


def awaiting_ids(hub: Hub, professional: str) -> list[str]:
    return [item["override"]["id"] for item in awaiting(hub, professional)["items"]]


def inbox(
    hub: Hub, professional: str, first: int = 20, after: str | None = None, status: str | None = None,
) -> dict[str, Any]:
    page: dict[str, Any] = hub.graphql(
        professional, INBOX, first=first, after=after, status=status,
    )["informationRequestInbox"]
    return page


def inbox_ids(hub: Hub, professional: str, status: str | None = None) -> list[str]:
    return [item["request"]["id"] for item in inbox(hub, professional, status=status)["items"]]


def request_override(hub: Hub, requester: str = demo_city.MASH_SOCIAL_WORKER_ID, child_id: str = CHILD) -> str:
    requested = hub.graphql(
        requester, REQUEST_OVERRIDE,
        input={"childId": child_id, "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
               "justification": JUSTIFICATION},
    )["requestOverride"]
    assert requested["__typename"] == "ConsentOverride", requested
    return str(requested["id"])


def contact(hub: Hub, child_id: str, *, received_hours_ago: float, urgency: str = "AMBER") -> str:
    received = datetime.now(UTC) - timedelta(hours=received_hours_ago)
    recorded = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONTACT,
        input=contact_input(childId=child_id, urgency=urgency, receivedAt=received.isoformat()),
    )["recordContact"]
    assert recorded["__typename"] == "Contact", recorded
    return str(recorded["id"])


def consent(hub: Hub, child_id: str, giver_id: str, agencies: tuple[str, ...]) -> str:
    recorded = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={"childId": child_id, "givenBy": giver_id, "scope": "TARGETED", "agencies": list(agencies),
               "purpose": "MASH enquiry", "method": "by telephone"},
    )["recordConsent"]
    assert recorded["__typename"] == "Consent", recorded
    return str(recorded["id"])


def request_information(hub: Hub, contact_id: str, agencies: tuple[str, ...], basis: str = "CONSENT") -> str:
    requested = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_INFORMATION,
        input={"contactId": contact_id, "scope": "TARGETED", "agencies": list(agencies), "basis": basis},
    )["requestInformation"]
    assert requested["__typename"] == "InformationRequest", requested
    return str(requested["id"])


def consented_request(
    hub: Hub, child_id: str = CHILD, agencies: tuple[str, ...] = (POLICE,), *, received_hours_ago: float = 1,
    urgency: str = "AMBER",
) -> tuple[str, str, str]:
    """A contact about a child of the demo family, the mother's consent, and a request on it."""
    contact_id = contact(hub, child_id, received_hours_ago=received_hours_ago, urgency=urgency)
    consent_id = consent(hub, child_id, demo_city.DEMO_MOTHER_ID, agencies)
    return contact_id, consent_id, request_information(hub, contact_id, agencies)


def names(graph_db: Driver, child_id: str) -> tuple[str, str]:
    [row] = stored(graph_db, "MATCH (c:Person {id: $id}) RETURN c.given_name AS g, c.family_name AS f", id=child_id)
    return row["g"], row["f"]


def events(graph_db: Driver, action: str) -> list[dict[str, Any]]:
    return stored(
        graph_db,
        "MATCH (e:AuditEvent {action: $action}) RETURN e.actor AS actor, e.targets AS targets, e.basis AS basis,"
        " e.override_id AS override_id ORDER BY e.seq",
        action=action,
    )


EMPTY_PAGE = {"__typename": "OverrideAwaitingDecisionConnection", "items": [],
              "pageInfo": {"endCursor": None, "hasNextPage": False}}


class TestOverridesAwaitingDecision:
    def test_a_crs_manager_in_office_hours_sees_each_request_with_its_reasons_child_and_requester(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        override_id = request_override(hub)

        [item] = awaiting(hub, demo_city.CRS_MANAGER_ID)["items"]

        given, family = names(graph_db, CHILD)
        assert item["override"]["id"] == override_id
        assert item["override"]["ground"] == "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION"
        assert item["override"]["scope"] == "FULL"
        assert item["override"]["status"] == "REQUESTED"
        assert item["override"]["justification"] == JUSTIFICATION
        assert item["child"] == {
            "id": CHILD, "givenName": given, "familyName": family,
            "access": {"allowed": True, "basis": "OWN_AGENCY", "reason": "allowed on the OWN_AGENCY basis"},
        }
        assert item["requester"] == {
            "id": demo_city.MASH_SOCIAL_WORKER_ID, "name": "Sarah Okafor",
            "teamName": "Children's Resource Service: MASH",
            "agencyName": "Fenbridge City Council Children's Services",
        }

    def test_each_request_reads_as_consent_override_shows_it_to_that_manager(self, hub: Hub) -> None:
        override_id = request_override(hub)

        [item] = awaiting(hub, demo_city.CRS_MANAGER_ID)["items"]

        one = hub.graphql(demo_city.CRS_MANAGER_ID, CONSENT_OVERRIDE, id=override_id)["consentOverride"]
        assert item["override"] == one

    def test_requests_are_listed_oldest_first(self, hub: Hub) -> None:
        first = request_override(hub, child_id=YOUNGEST)
        second = request_override(hub, child_id=CHILD)
        third = request_override(hub, demo_city.EDT_PRACTITIONER_ID, child_id=YOUNGEST)

        assert awaiting_ids(hub, demo_city.CRS_MANAGER_ID) == [first, second, third]

    def test_a_manager_never_sees_their_own_request(self, hub: Hub) -> None:
        own = request_override(hub, demo_city.CRS_MANAGER_ID)

        assert awaiting_ids(hub, demo_city.CRS_MANAGER_ID) == []
        assert awaiting_ids(hub, demo_city.SECOND_CRS_MANAGER_ID) == [own]

    def test_a_decided_request_leaves_the_list(self, hub: Hub) -> None:
        approved, rejected, waiting = (request_override(hub) for _ in range(3))
        assert hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=approved)["approveOverride"]["__typename"] == (
            "ConsentOverride"
        )
        assert hub.graphql(demo_city.CRS_MANAGER_ID, REJECT, id=rejected)["rejectOverride"]["__typename"] == (
            "ConsentOverride"
        )

        assert awaiting_ids(hub, demo_city.SECOND_CRS_MANAGER_ID) == [waiting]

    def test_out_of_hours_those_on_call_see_the_list_and_the_crs_managers_nothing(
        self, hub: Hub, clock: Clock
    ) -> None:
        override_id = request_override(hub)
        clock.now = NIGHT

        assert awaiting(hub, demo_city.CRS_MANAGER_ID) == EMPTY_PAGE
        assert awaiting_ids(hub, demo_city.EDT_SENIOR_MANAGER_ID) == [override_id]
        assert awaiting_ids(hub, HEAD_OF_SERVICE_ID) == [override_id]

    def test_the_head_of_service_decides_on_the_reasons_without_seeing_the_childs_name(
        self, hub: Hub, clock: Clock
    ) -> None:
        request_override(hub)
        clock.now = NIGHT

        [item] = awaiting(hub, HEAD_OF_SERVICE_ID)["items"]

        assert item["override"]["justification"] == JUSTIFICATION
        assert item["child"]["givenName"] is None and item["child"]["familyName"] is None
        assert item["child"]["access"]["allowed"] is False

    @pytest.mark.parametrize("when", [OFFICE_HOURS, NIGHT])
    def test_every_listed_request_is_one_the_manager_may_decide_now(
        self, hub: Hub, graph_db: Driver, clock: Clock, when: datetime
    ) -> None:
        for requester in (demo_city.MASH_SOCIAL_WORKER_ID, demo_city.EDT_PRACTITIONER_ID):
            request_override(hub, requester)
        clock.now = when

        for manager in (demo_city.CRS_MANAGER_ID, demo_city.EDT_SENIOR_MANAGER_ID, HEAD_OF_SERVICE_ID):
            for override_id in awaiting_ids(hub, manager):
                decided = hub.graphql(manager, REJECT, id=override_id)["rejectOverride"]
                assert decided["__typename"] == "ConsentOverride", (manager, decided)

        assert stored(graph_db, "MATCH (o:ConsentOverride) RETURN collect(DISTINCT o.status) AS s") == [
            {"s": ["REJECTED"]}
        ]

    @pytest.mark.parametrize(
        "professional",
        [demo_city.MASH_SOCIAL_WORKER_ID, demo_city.EDT_PRACTITIONER_ID, demo_city.POLICE_OFFICER_ID,
         demo_city.AUDITOR_ID, demo_city.ADMINISTRATOR_ID, demo_city.FS_TEAM_MANAGER_ID, HEAD_OF_SERVICE_ID],
    )
    def test_anyone_who_may_not_decide_now_gets_an_empty_page_and_nothing_is_read(
        self, hub: Hub, graph_db: Driver, professional: str
    ) -> None:
        request_override(hub)

        assert awaiting(hub, professional) == EMPTY_PAGE
        assert events(graph_db, "override.justification_read") == []

    def test_each_justification_shown_is_audited_as_reading_one_override_is(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        first, second = request_override(hub, child_id=CHILD), request_override(hub, child_id=YOUNGEST)

        awaiting(hub, demo_city.CRS_MANAGER_ID)
        listed = events(graph_db, "override.justification_read")
        for override_id in (first, second):
            hub.graphql(demo_city.CRS_MANAGER_ID, CONSENT_OVERRIDE, id=override_id)

        assert listed == [
            {"actor": demo_city.CRS_MANAGER_ID, "targets": [first, CHILD], "basis": None, "override_id": first},
            {"actor": demo_city.CRS_MANAGER_ID, "targets": [second, YOUNGEST], "basis": None, "override_id": second},
        ]
        assert events(graph_db, "override.justification_read")[2:] == listed

    def test_pages_follow_on_without_repeating_or_skipping(self, hub: Hub) -> None:
        requested = [request_override(hub, child_id=child) for child in (CHILD, YOUNGEST, CHILD, YOUNGEST, CHILD)]

        seen: list[str] = []
        flags: list[bool] = []
        cursor = None
        while True:
            page = awaiting(hub, demo_city.CRS_MANAGER_ID, first=2, after=cursor)
            seen += [item["override"]["id"] for item in page["items"]]
            flags.append(page["pageInfo"]["hasNextPage"])
            cursor = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break

        assert seen == requested
        assert flags == [True, True, False]

    def test_a_request_made_while_paging_is_on_a_later_page(self, hub: Hub) -> None:
        earlier = request_override(hub)
        page = awaiting(hub, demo_city.CRS_MANAGER_ID, first=1)
        later = request_override(hub)

        rest = awaiting(hub, demo_city.CRS_MANAGER_ID, first=1, after=page["pageInfo"]["endCursor"])

        assert [item["override"]["id"] for item in page["items"] + rest["items"]] == [earlier, later]

    @pytest.mark.parametrize(
        ("first", "after"), [(0, None), (101, None), (5, "not-a-cursor"), (5, "bm90fGF8Y3Vyc29y")],
    )
    def test_a_bound_out_of_range_or_a_cursor_not_given_out_is_invalid_input(
        self, hub: Hub, first: int, after: str | None
    ) -> None:
        assert awaiting(hub, demo_city.CRS_MANAGER_ID, first=first, after=after)["__typename"] == "InvalidInput"

    def test_a_restricted_childs_request_is_listed_without_its_name_for_managers_not_named(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        request_override(hub)
        restricted = hub.graphql(
            demo_city.CRS_MANAGER_ID, RESTRICT,
            input={"childId": CHILD, "reason": "A member of staff's family"},
        )["restrictChild"]
        assert restricted["__typename"] == "ChildRestriction", restricted

        [named] = awaiting(hub, demo_city.CRS_MANAGER_ID)["items"]
        [not_named] = awaiting(hub, demo_city.SECOND_CRS_MANAGER_ID)["items"]

        assert (named["child"]["givenName"], named["child"]["familyName"]) == names(graph_db, CHILD)
        assert not_named["child"] == {
            "id": CHILD, "givenName": None, "familyName": None,
            "access": {"allowed": False, "basis": None, "reason": "no basis: nothing here you may see"},
        }


INBOX_EMPTY = {
    "__typename": "InboxRequestConnection", "items": [], "pageInfo": {"endCursor": None, "hasNextPage": False},
}


class TestInformationRequestInbox:
    def test_a_partner_sees_the_requests_addressed_to_its_agency_due_first(self, hub: Hub) -> None:
        _, _, later = consented_request(hub, CHILD, (POLICE, HEALTH), received_hours_ago=1, urgency="AMBER")
        _, _, sooner = consented_request(hub, YOUNGEST, (POLICE,), received_hours_ago=1, urgency="RED")

        assert inbox_ids(hub, demo_city.POLICE_OFFICER_ID) == [sooner, later]
        assert inbox_ids(hub, demo_city.HEALTH_OFFICER_ID) == [later]
        assert inbox(hub, demo_city.EDUCATION_OFFICER_ID) == INBOX_EMPTY

    def test_each_item_is_what_information_request_shows_that_officer(self, hub: Hub) -> None:
        _, _, request_id = consented_request(hub, CHILD, (POLICE, HEALTH))
        assert hub.graphql(demo_city.POLICE_OFFICER_ID, SHARE, id=request_id)["shareInformation"]["__typename"] == (
            "InformationShare"
        )
        assert hub.graphql(demo_city.HEALTH_OFFICER_ID, DECLINE, id=request_id)["declineToShare"]["__typename"] == (
            "InformationShare"
        )

        for officer in (demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID):
            [item] = inbox(hub, officer)["items"]
            one = hub.graphql(officer, INFORMATION_REQUEST, id=request_id)["informationRequest"]
            assert {"__typename": "InformationRequest", **item["request"]} == one
            [answer] = item["request"]["answers"]
            assert answer["agencyId"] == (POLICE if officer == demo_city.POLICE_OFFICER_ID else HEALTH)
            assert (answer["content"] or answer["declineReason"]) is not None

    def test_requests_still_taking_answers_come_before_withdrawn_and_closed_ones(self, hub: Hub) -> None:
        closed_contact, _, closed = consented_request(hub, CHILD, received_hours_ago=30, urgency="AMBER")
        _, withdrawn_consent, withdrawn = consented_request(hub, YOUNGEST, received_hours_ago=29, urgency="AMBER")
        _, _, still_open = consented_request(hub, YOUNG_CARER, received_hours_ago=1, urgency="GREEN")
        assert hub.graphql(demo_city.CRS_MANAGER_ID, DECIDE, id=closed_contact)["decideContact"]["__typename"] == (
            "Contact"
        )
        assert hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=withdrawn_consent)["withdrawConsent"][
            "__typename"
        ] == "Consent"

        items = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert [(i["request"]["id"], i["request"]["status"]) for i in items] == [
            (still_open, "OPEN"), (closed, "CLOSED"), (withdrawn, "WITHDRAWN"),
        ]

    @pytest.mark.parametrize("status", ["OPEN", "WITHDRAWN", "CLOSED"])
    def test_a_status_filter_lists_exactly_the_requests_of_that_status(self, hub: Hub, status: str) -> None:
        closed_contact, _, closed = consented_request(hub, CHILD)
        _, withdrawn_consent, withdrawn = consented_request(hub, YOUNGEST)
        _, _, still_open = consented_request(hub, YOUNG_CARER)
        hub.graphql(demo_city.CRS_MANAGER_ID, DECIDE, id=closed_contact)
        hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=withdrawn_consent)

        items = inbox(hub, demo_city.POLICE_OFFICER_ID, status=status)["items"]

        expected = {"OPEN": still_open, "WITHDRAWN": withdrawn, "CLOSED": closed}[status]
        assert [(i["request"]["id"], i["request"]["status"]) for i in items] == [(expected, status)]

    def test_the_child_is_named_as_the_officer_may_see_it_and_a_name_seen_on_consent_is_audited(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        _, consent_id, request_id = consented_request(hub, CHILD)

        [item] = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]
        assert (item["child"]["givenName"], item["child"]["familyName"]) == names(graph_db, CHILD)
        assert item["child"]["access"] == {"allowed": True, "basis": "CONSENT"}
        assert events(graph_db, "person.listed") == [
            {"actor": demo_city.POLICE_OFFICER_ID, "targets": [CHILD], "basis": "CONSENT", "override_id": None},
        ]

        hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=consent_id)
        [after] = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert after["request"]["id"] == request_id
        assert after["child"] == {"id": CHILD, "givenName": None, "familyName": None,
                                  "access": {"allowed": False, "basis": None}}
        assert len(events(graph_db, "person.listed")) == 1

    def test_a_name_seen_under_an_override_is_audited_under_it_and_the_auditor_sees_the_read(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        contact_id = contact(hub, CHILD, received_hours_ago=1)
        override_id = request_override(hub)
        assert hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=override_id)["approveOverride"]["__typename"] == (
            "ConsentOverride"
        )
        request_information(hub, contact_id, (POLICE,), basis="OVERRIDE")

        [item] = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert item["child"]["access"] == {"allowed": True, "basis": "OVERRIDE"}
        assert events(graph_db, "person.listed") == [
            {"actor": demo_city.POLICE_OFFICER_ID, "targets": [CHILD], "basis": "OVERRIDE",
             "override_id": override_id},
        ]

    def test_reading_the_inbox_audits_no_more_than_reading_each_request(self, hub: Hub, graph_db: Driver) -> None:
        _, _, request_id = consented_request(hub, CHILD, (POLICE,))
        hub.graphql(demo_city.POLICE_OFFICER_ID, SHARE, id=request_id)
        before = stored(graph_db, "MATCH (e:AuditEvent) RETURN count(e) AS n")[0]["n"]

        inbox(hub, demo_city.POLICE_OFFICER_ID)
        listed = stored(graph_db, "MATCH (e:AuditEvent) WHERE e.seq > $n RETURN e.action AS a", n=before)
        hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST, id=request_id)
        one = stored(graph_db, "MATCH (e:AuditEvent) WHERE e.seq > $n RETURN e.action AS a", n=before)[len(listed):]

        # The request as informationRequest(id) records it, and the child's name the inbox adds.
        assert [row["a"] for row in listed] == [row["a"] for row in one] + ["person.listed"]

    def test_a_request_addressed_elsewhere_changes_nothing_in_the_inbox(self, hub: Hub) -> None:
        _, _, health_only = consented_request(hub, CHILD, (HEALTH,), received_hours_ago=3)
        consented_request(hub, YOUNGEST, (POLICE,), received_hours_ago=2)
        consented_request(hub, YOUNG_CARER, (POLICE,), received_hours_ago=1)

        page = inbox(hub, demo_city.HEALTH_OFFICER_ID, first=1)

        assert [i["request"]["id"] for i in page["items"]] == [health_only]
        assert page["pageInfo"]["hasNextPage"] is False
        assert inbox(hub, demo_city.HEALTH_OFFICER_ID, first=1, after=page["pageInfo"]["endCursor"]) == INBOX_EMPTY

    def test_the_answers_of_other_agencies_are_not_shown(self, hub: Hub) -> None:
        _, _, request_id = consented_request(hub, CHILD, (POLICE, HEALTH))
        hub.graphql(demo_city.HEALTH_OFFICER_ID, DECLINE, id=request_id)

        [item] = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]

        assert item["request"]["answers"] == []

    def test_pages_follow_on_open_first_without_repeating_or_skipping(self, hub: Hub) -> None:
        decided_contact, _, closed = consented_request(hub, CHILD, received_hours_ago=5)
        _, _, second = consented_request(hub, YOUNGEST, received_hours_ago=4)
        _, _, first = consented_request(hub, YOUNG_CARER, received_hours_ago=6)
        hub.graphql(demo_city.CRS_MANAGER_ID, DECIDE, id=decided_contact)

        seen: list[str] = []
        cursor = None
        for expected_next in (True, True, False):
            page = inbox(hub, demo_city.POLICE_OFFICER_ID, first=1, after=cursor)
            seen += [i["request"]["id"] for i in page["items"]]
            assert page["pageInfo"]["hasNextPage"] is expected_next
            cursor = page["pageInfo"]["endCursor"]

        assert seen == [first, second, closed]

    def test_the_front_door_has_an_empty_inbox(self, hub: Hub) -> None:
        consented_request(hub, CHILD)

        assert inbox(hub, demo_city.MASH_SOCIAL_WORKER_ID) == INBOX_EMPTY

    @pytest.mark.parametrize(
        "professional", [demo_city.AUDITOR_ID, demo_city.FS_SOCIAL_WORKER_ID, demo_city.ADMINISTRATOR_ID],
    )
    def test_a_role_that_may_not_read_information_requests_is_refused(self, hub: Hub, professional: str) -> None:
        consented_request(hub, CHILD)

        assert inbox(hub, professional)["__typename"] == "NotPermitted"

    @pytest.mark.parametrize(
        ("first", "after"), [(0, None), (101, None), (5, "not-a-cursor"), (5, "Mnw8fGE=")],
    )
    def test_a_bound_out_of_range_or_a_cursor_not_given_out_is_invalid_input(
        self, hub: Hub, first: int, after: str | None
    ) -> None:
        assert inbox(hub, demo_city.POLICE_OFFICER_ID, first=first, after=after)["__typename"] == "InvalidInput"


@pytest.fixture
def counted(demo_city_db: Driver, test_settings: Settings, clock: Clock) -> Iterator[tuple[Hub, CountingDriver]]:
    counter = CountingDriver(demo_city_db)
    with TestClient(create_app(test_settings, driver=cast(Driver, counter), consent_clock=clock)) as client:
        yield Hub(client, test_settings), counter


def reads_beside_audit(hub: Hub, counter: CountingDriver, professional: str, query: str) -> int:
    """Queries an operation sends beyond authenticating the caller, audit events aside."""
    counter.sent.clear()
    hub.graphql(professional, "query { __typename }")
    authentication = len(counter.sent)
    counter.sent.clear()
    hub.graphql(professional, query, first=20)
    return len([sent for sent in counter.sent if ":Audit" not in sent]) - authentication


class TestOneQueryPerPage:
    def test_a_page_of_overrides_awaiting_decision_is_one_query_with_every_key_it_opens(
        self, counted: tuple[Hub, CountingDriver]
    ) -> None:
        hub, counter = counted
        for child in (CHILD, YOUNGEST, YOUNG_CARER):
            request_override(hub, child_id=child)

        assert reads_beside_audit(hub, counter, demo_city.CRS_MANAGER_ID, AWAITING) == 1

    def test_a_page_of_the_inbox_is_one_query_with_every_key_it_opens(
        self, counted: tuple[Hub, CountingDriver]
    ) -> None:
        hub, counter = counted
        for child in (CHILD, YOUNGEST, YOUNG_CARER):
            _, _, request_id = consented_request(hub, child)
            hub.graphql(demo_city.POLICE_OFFICER_ID, SHARE, id=request_id)

        assert reads_beside_audit(hub, counter, demo_city.POLICE_OFFICER_ID, INBOX) == 1
        items = inbox(hub, demo_city.POLICE_OFFICER_ID)["items"]
        assert len(items) == 3 and all(item["request"]["answers"][0]["content"] for item in items)


class TestOperationCost:
    @pytest.mark.parametrize("field", ["overridesAwaitingDecision(first: 100)", "informationRequestInbox(first: 100)"])
    def test_many_pages_in_one_operation_are_refused_before_anything_is_read(
        self, hub: Hub, graph_db: Driver, field: str
    ) -> None:
        request_override(hub)
        aliases = " ".join(f"p{n}: {field} {{ __typename }}" for n in range(14))

        response = hub.client.post(
            "/graphql", json={"query": f"query {{ {aliases} }}"},
            headers={"authorization": f"Bearer {token_for(hub.settings, demo_city.CRS_MANAGER_ID)}"},
        )

        assert "costs 42" in response.json()["errors"][0]["message"]
        assert events(graph_db, "override.justification_read") == []
