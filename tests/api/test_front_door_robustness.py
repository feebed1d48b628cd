"""The front door when data is wrong or gone: implausible times, damaged fields, hidden ids, a basis withdrawn.

Through the GraphQL endpoint of the real app, against the real Neo4j; damage is done to the
stored graph with raw Cypher, as a faulty import or a hand edit would do it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from protection.keyring import UNREADABLE
from tests.api.client import Hub, token_for
from tests.api.test_front_door import (
    CONSENTS,
    OFFICE_HOURS,
    WITHDRAW,
    approve_override,
    decide,
    give_consent,
    record_contact,
    recorded_contact_id,
    request_information,
    stored,
)

QUEUE = """
query($first: Int!) {
  contacts(first: $first) {
    __typename
    ... on ContactConnection { items { id secondsLeft secondsLeftUnavailable overdue dueBy } pageInfo { hasNextPage } }
    ... on Refusal { message }
  }
}
"""

CONTACT = """
query($id: ID!) {
  contact(id: $id) {
    __typename
    ... on Contact {
      id status urgency receivedAt secondsLeft secondsLeftUnavailable
      concern concernUnavailable rationale rationaleUnavailable
      responseToReferrer responseToReferrerUnavailable
    }
    ... on Refusal { message }
  }
}
"""

INFORMATION_REQUEST = """
query($id: ID!) {
  informationRequest(id: $id) {
    __typename
    ... on InformationRequest {
      id status statusReason basisStillHolds
      answers { id agencyId shared content contentUnavailable declineReason declineReasonUnavailable basis }
    }
    ... on Refusal { message }
  }
}
"""

SHARE = """
mutation($input: ShareInformationInput!) {
  shareInformation(input: $input) {
    __typename
    ... on InformationShare { id }
    ... on RequestWithdrawn { reason }
    ... on Refusal { message }
  }
}
"""

DECLINE = """
mutation($input: DeclineToShareInput!) {
  declineToShare(input: $input) {
    __typename
    ... on InformationShare { id }
    ... on RequestWithdrawn { reason }
    ... on Refusal { message }
  }
}
"""

RECORD = """
mutation($input: RecordContactInput!) {
  recordContact(input: $input) { __typename ... on Contact { id } ... on Refusal { message } }
}
"""

DECIDE = """
mutation($input: DecideContactInput!) {
  decideContact(input: $input) { __typename ... on Contact { id } ... on Refusal { message } }
}
"""

REQUEST = """
mutation($input: RequestInformationInput!) {
  requestInformation(input: $input) {
    __typename ... on InformationRequest { id } ... on NoBasisForRequest { missing } ... on Refusal { message }
  }
}
"""

SET_TIMES: LiteralString = """
MATCH (k:Contact {id: $id})
SET k.received_at = datetime($received), k.due_by = datetime($due)
"""

REVOKE = "mutation($id: ID!) { revokeOverride(input: {overrideId: $id}) { __typename } }"

EXPIRE_CONSENTS: LiteralString = "MATCH (g:Consent) SET g.expires_at = datetime() - duration('PT1M')"

COPY_CONCERN: LiteralString = """
MATCH (source:Contact {id: $source}), (target:Contact {id: $target})
SET target.concern = source.concern
"""

COPY_SHARE_CONTENT: LiteralString = """
MATCH (source:InformationShare {id: $source}), (target:InformationShare {id: $target})
SET target.content = source.content
"""


def raw_graphql(hub: Hub, as_professional: str, query: str, **variables: Any) -> dict[str, Any]:
    """The whole response body, errors included, for tests that must see there are none."""
    response = hub.client.post(
        "/graphql", json={"query": query, "variables": variables},
        headers={"authorization": "Bearer " + token_for(hub.settings, as_professional)},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def withdraw_the_consent(hub: Hub) -> None:
    consents = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONSENTS,
                           c=demo_city.DEMO_FAMILY_CHILD_ID)["consents"]["items"]
    for consent in consents:
        assert hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=consent["id"])["withdrawConsent"][
            "__typename"
        ] == "Consent"


def consented_request(hub: Hub, agencies: tuple[str, ...] = (demo_city.POLICE_AGENCY_ID,)) -> tuple[str, str]:
    contact_id = recorded_contact_id(hub)
    give_consent(hub, scope="TARGETED", agencies=list(agencies))
    request = request_information(hub, contact_id, agencies=agencies)
    assert request["__typename"] == "InformationRequest", request
    return contact_id, str(request["id"])


def answer(hub: Hub, as_professional: str, request_id: str, *, decline: bool = False) -> dict[str, Any]:
    if decline:
        result: dict[str, Any] = hub.graphql(
            as_professional, DECLINE, input={"requestId": request_id, "reason": "Nothing held."}
        )["declineToShare"]
        return result
    result = hub.graphql(
        as_professional, SHARE,
        input={"requestId": request_id, "content": "One call-out.", "factOrOpinion": "FACT", "historic": True},
    )["shareInformation"]
    return result


class TestImplausibleReceivedTimes:
    @pytest.mark.parametrize(
        "received",
        [
            "0001-01-01T00:00:00+00:00",
            "3000-01-01T00:00:00+00:00",
            "1950-06-01T09:00:00+00:00",
        ],
    )
    def test_a_time_far_in_the_past_or_future_is_refused_and_nothing_is_written(
        self, hub: Hub, graph_db: Driver, received: str
    ) -> None:
        refused = record_contact(hub, receivedAt=received)

        assert refused["__typename"] == "ImplausibleReceivedAt", refused
        assert stored(graph_db, "MATCH (k:Contact) RETURN count(k) AS n") == [{"n": 0}]

    def test_more_than_the_clock_skew_ahead_is_refused(self, hub: Hub) -> None:
        ahead = datetime.now(UTC) + timedelta(minutes=10)

        assert record_contact(hub, receivedAt=ahead.isoformat())["__typename"] == "ImplausibleReceivedAt"

    def test_older_than_the_window_is_refused(self, hub: Hub) -> None:
        old = datetime.now(UTC) - timedelta(days=400)

        assert record_contact(hub, receivedAt=old.isoformat())["__typename"] == "ImplausibleReceivedAt"

    @pytest.mark.parametrize("offset", [timedelta(minutes=2), timedelta(days=-300)])
    def test_within_the_skew_and_the_window_is_recorded(self, hub: Hub, offset: timedelta) -> None:
        received = datetime.now(UTC) + offset

        assert record_contact(hub, receivedAt=received.isoformat())["__typename"] == "Contact"


    def test_the_window_is_configured_by_the_settings(
        self, graph_db: Driver, test_settings: Settings
    ) -> None:
        demo_city.load(graph_db, [demo_city.demo_city()], database="neo4j")
        narrow = test_settings.model_copy(update={"contact_received_window_days": 30})
        app = create_app(narrow, driver=graph_db, consent_clock=lambda: OFFICE_HOURS)
        received = datetime.now(UTC) - timedelta(days=60)

        with TestClient(app) as client:
            refused = record_contact(Hub(client, narrow), receivedAt=received.isoformat())

        assert refused["__typename"] == "ImplausibleReceivedAt"
        assert "no more than 30 days ago" in refused["message"]


class TestQueueWithABadStoredTime:
    @pytest.mark.parametrize(
        ("received", "due", "overdue"),
        [
            ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", True),
            ("3000-01-01T00:00:00Z", "3000-01-02T00:00:00Z", False),
        ],
    )
    def test_one_contact_with_an_impossible_time_does_not_break_the_page(
        self, hub: Hub, graph_db: Driver, received: str, due: str, overdue: bool
    ) -> None:
        good = recorded_contact_id(hub, urgency="RED")
        bad = recorded_contact_id(hub, urgency="AMBER")
        graph_db.execute_query(SET_TIMES, id=bad, received=received, due=due)

        body = raw_graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=10)

        assert "errors" not in body, body
        items = {item["id"]: item for item in body["data"]["contacts"]["items"]}
        assert set(items) == {good, bad}
        assert items[good]["secondsLeftUnavailable"] is None
        assert 0 < items[good]["secondsLeft"] <= 4 * 3600
        assert items[bad]["secondsLeft"] is None
        assert items[bad]["secondsLeftUnavailable"]
        assert items[bad]["overdue"] is overdue

    def test_a_time_stored_without_its_zone_is_read_as_utc(self, hub: Hub, graph_db: Driver) -> None:
        good = recorded_contact_id(hub, urgency="RED")
        bad = recorded_contact_id(hub, urgency="AMBER")
        graph_db.execute_query(
            "MATCH (k:Contact {id: $id}) SET k.received_at = localdatetime('2026-11-20T10:00:00'),"
            " k.due_by = localdatetime('2026-11-21T10:00:00')",
            id=bad,
        )

        body = raw_graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=10)

        assert "errors" not in body, body
        items = {item["id"]: item for item in body["data"]["contacts"]["items"]}
        assert set(items) == {good, bad}
        assert datetime.fromisoformat(items[bad]["dueBy"]) == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
        assert items[bad]["overdue"] is True

    def test_the_contact_itself_still_reads(self, hub: Hub, graph_db: Driver) -> None:
        bad = recorded_contact_id(hub)
        graph_db.execute_query(SET_TIMES, id=bad, received="0001-01-01T00:00:00Z", due="0001-01-02T00:00:00Z")

        body = raw_graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=bad)

        assert "errors" not in body, body
        contact = body["data"]["contact"]
        assert (contact["__typename"], contact["secondsLeft"]) == ("Contact", None)
        assert contact["concern"]


class TestDamagedFields:
    def test_a_concern_copied_from_another_contact_is_withheld_and_the_rest_reads(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        source = recorded_contact_id(hub)
        target = recorded_contact_id(hub, urgency="RED")
        graph_db.execute_query(COPY_CONCERN, source=source, target=target)

        body = raw_graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=target)

        assert "errors" not in body, body
        contact = body["data"]["contact"]
        assert (contact["__typename"], contact["id"], contact["urgency"]) == ("Contact", target, "RED")
        assert (contact["concern"], contact["concernUnavailable"]) == (None, UNREADABLE)
        # An open contact has no rationale yet: nothing is withheld, so no reason is given.
        assert (contact["rationale"], contact["rationaleUnavailable"]) == (None, None)
        assert hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=source)["contact"]["concernUnavailable"] is None

    def test_shared_content_copied_from_another_answer_is_withheld_and_the_rest_reads(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        _, request_id = consented_request(hub, (demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID))
        police = answer(hub, demo_city.POLICE_OFFICER_ID, request_id)["id"]
        health = answer(hub, demo_city.HEALTH_OFFICER_ID, request_id)["id"]
        graph_db.execute_query(COPY_SHARE_CONTENT, source=police, target=health)

        body = raw_graphql(hub, demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request_id)

        assert "errors" not in body, body
        answers = {a["id"]: a for a in body["data"]["informationRequest"]["answers"]}
        assert (answers[health]["content"], answers[health]["contentUnavailable"]) == (None, UNREADABLE)
        assert answers[health]["agencyId"] == demo_city.HEALTH_AGENCY_ID
        assert (answers[police]["content"], answers[police]["contentUnavailable"]) == ("One call-out.", None)

    def test_the_partner_sees_its_own_damaged_answer_withheld_too(self, hub: Hub, graph_db: Driver) -> None:
        _, request_id = consented_request(hub, (demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID))
        police = answer(hub, demo_city.POLICE_OFFICER_ID, request_id)["id"]
        health = answer(hub, demo_city.HEALTH_OFFICER_ID, request_id)["id"]
        graph_db.execute_query(COPY_SHARE_CONTENT, source=police, target=health)

        body = raw_graphql(hub, demo_city.HEALTH_OFFICER_ID, INFORMATION_REQUEST, id=request_id)

        assert "errors" not in body, body
        [own] = body["data"]["informationRequest"]["answers"]
        assert (own["content"], own["contentUnavailable"], own["basis"]) == (None, UNREADABLE, "OWN_AGENCY")


# Every operation that takes a contact or an information request id, with what it needs besides.
SWEEP: list[tuple[str, str, str, dict[str, Any]]] = [
    ("contact", CONTACT, "contact", {}),
    ("request", INFORMATION_REQUEST, "informationRequest", {}),
    ("contact", DECIDE, "decideContact", {"input": {
        "outcome": "NO_FURTHER_ACTION", "rationale": "No concerns found.", "responseToReferrer": "Thank you.",
        "agreedBy": demo_city.CRS_MANAGER_ID,
    }}),
    ("contact", REQUEST, "requestInformation", {"input": {
        "scope": "TARGETED", "agencies": [demo_city.POLICE_AGENCY_ID], "basis": "CONSENT",
    }}),
    ("request", SHARE, "shareInformation", {"input": {
        "content": "One call-out.", "factOrOpinion": "FACT", "historic": True,
    }}),
    ("request", DECLINE, "declineToShare", {"input": {"reason": "Nothing held."}}),
]


def ask(hub: Hub, as_professional: str, operation: tuple[str, str, str, dict[str, Any]], target: str) -> Any:
    _, query, field, extra = operation
    variables: dict[str, Any] = {"id": target}
    if "input" in extra:
        id_field = "requestId" if field in {"shareInformation", "declineToShare"} else "contactId"
        variables = {"input": {**extra["input"], id_field: target}}
    body = raw_graphql(hub, as_professional, query, **variables)
    assert "errors" not in body, body
    return body["data"][field]


def without_ids(answer: Any, *ids: str) -> Any:
    if isinstance(answer, dict):
        return {key: without_ids(value, *ids) for key, value in answer.items()}
    if isinstance(answer, list):
        return [without_ids(value, *ids) for value in answer]
    return "<id>" if answer in ids else answer


class TestHiddenReadsAsMissing:
    @pytest.fixture
    def hidden(self, hub: Hub, graph_db: Driver) -> dict[str, str]:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID])
        to_police = request_information(hub, contact_id, agencies=(demo_city.POLICE_AGENCY_ID,))["id"]
        to_health = request_information(hub, contact_id, agencies=(demo_city.HEALTH_AGENCY_ID,))["id"]
        # Another authority's front door contact and request, in the same graph: hidden from this one's.
        graph_db.execute_query(
            "MATCH (k:Contact {id: $id})-[:CONCERNS]->(c), (r:InformationRequest {id: $request})"
            " WITH c, properties(k) AS contact, properties(r) AS request"
            " CREATE (o:Contact)-[:CONCERNS]->(c)"
            " SET o = contact {.*, id: 'contact-elsewhere', agency_id: 'agency-elsewhere'}"
            " CREATE (q:InformationRequest)-[:FOR_CONTACT]->(o)"
            " SET q = request {.*, id: 'request-elsewhere', agency_id: 'agency-elsewhere'}",
            id=contact_id, request=to_health,
        )
        return {
            "contact": contact_id, "to_police": to_police, "to_health": to_health,
            "contact_elsewhere": "contact-elsewhere", "request_elsewhere": "request-elsewhere",
        }

    @pytest.mark.parametrize(
        ("professional", "hidden_contact", "hidden_request"),
        [
            (demo_city.POLICE_OFFICER_ID, "contact", "to_health"),
            (demo_city.HEALTH_OFFICER_ID, "contact", "to_police"),
            (demo_city.VOLUNTARY_WORKER_ID, "contact", "to_police"),
            (demo_city.FS_SOCIAL_WORKER_ID, "contact", "to_police"),
            (demo_city.AUDITOR_ID, "contact", "to_police"),
            # The front door sees its own authority's contacts and requests, not another's.
            (demo_city.MASH_SOCIAL_WORKER_ID, "contact_elsewhere", "request_elsewhere"),
        ],
    )
    def test_a_real_but_hidden_id_answers_exactly_as_an_unknown_one(
        self, hub: Hub, hidden: dict[str, str], professional: str, hidden_contact: str, hidden_request: str
    ) -> None:
        targets = {"contact": hidden[hidden_contact], "request": hidden[hidden_request]}
        for operation in SWEEP:
            kind, _, field, _ = operation
            real = ask(hub, professional, operation, targets[kind])
            unknown = ask(hub, professional, operation, f"{kind}-that-never-was")

            assert without_ids(real, targets[kind]) == without_ids(unknown, f"{kind}-that-never-was"), field
            assert real["__typename"] not in {"Contact", "InformationRequest", "InformationShare"}, (field, real)

    @pytest.mark.parametrize("decline", [False, True])
    def test_a_hidden_request_whose_basis_went_still_reads_as_missing(
        self, hub: Hub, hidden: dict[str, str], decline: bool
    ) -> None:
        withdraw_the_consent(hub)
        decide(hub, hidden["contact"])

        real = answer(hub, demo_city.HEALTH_OFFICER_ID, hidden["to_police"], decline=decline)
        unknown = answer(hub, demo_city.HEALTH_OFFICER_ID, "request-that-never-was", decline=decline)

        assert real == unknown
        assert real["__typename"] == "RequestNotFound"


class TestAnswersAfterTheBasisWent:
    @pytest.mark.parametrize("decline", [False, True])
    def test_no_answer_once_the_consent_was_withdrawn(self, hub: Hub, graph_db: Driver, decline: bool) -> None:
        _, request_id = consented_request(hub)
        withdraw_the_consent(hub)

        refused = answer(hub, demo_city.POLICE_OFFICER_ID, request_id, decline=decline)

        assert refused["__typename"] == "RequestWithdrawn"
        assert refused["reason"] == "the consent it rested on was withdrawn"
        assert stored(graph_db, "MATCH (s:InformationShare) RETURN count(s) AS n") == [{"n": 0}]

    @pytest.mark.parametrize("decline", [False, True])
    def test_no_answer_once_the_contact_was_decided(self, hub: Hub, graph_db: Driver, decline: bool) -> None:
        contact_id, request_id = consented_request(hub)
        assert decide(hub, contact_id)["__typename"] == "Contact"

        refused = answer(hub, demo_city.POLICE_OFFICER_ID, request_id, decline=decline)

        assert refused["__typename"] == "RequestClosed"
        assert stored(graph_db, "MATCH (s:InformationShare) RETURN count(s) AS n") == [{"n": 0}]

    def test_no_answer_once_the_override_was_revoked(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        override_id = approve_override(hub)
        request = request_information(hub, contact_id, basis="OVERRIDE")
        assert hub.graphql(demo_city.CRS_MANAGER_ID, REVOKE, id=override_id)["revokeOverride"]["__typename"] == (
            "ConsentOverride"
        )

        refused = answer(hub, demo_city.POLICE_OFFICER_ID, request["id"])

        assert refused["__typename"] == "RequestWithdrawn"
        assert refused["reason"] == "the override it rested on was revoked"

    def test_a_request_whose_consent_expired_says_so(self, hub: Hub, graph_db: Driver) -> None:
        _, request_id = consented_request(hub)
        graph_db.execute_query(EXPIRE_CONSENTS)

        seen = hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert (seen["status"], seen["statusReason"]) == ("WITHDRAWN", "the consent it rested on has expired")
        assert answer(hub, demo_city.POLICE_OFFICER_ID, request_id)["__typename"] == "RequestWithdrawn"

    def test_the_partner_sees_the_request_was_withdrawn_and_why(self, hub: Hub) -> None:
        _, request_id = consented_request(hub)
        open_request = hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST,
                                   id=request_id)["informationRequest"]
        withdraw_the_consent(hub)

        seen = hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert (open_request["status"], open_request["statusReason"]) == ("OPEN", None)
        assert (seen["status"], seen["statusReason"]) == ("WITHDRAWN", "the consent it rested on was withdrawn")

    def test_the_partner_sees_the_request_was_closed_and_why(self, hub: Hub) -> None:
        contact_id, request_id = consented_request(hub)
        decide(hub, contact_id)

        seen = hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert seen["status"] == "CLOSED"
        assert seen["statusReason"] == "the contact it was made for was decided and closed"

    def test_an_answer_withheld_from_the_front_door_says_why(self, hub: Hub) -> None:
        _, request_id = consented_request(hub)
        assert answer(hub, demo_city.POLICE_OFFICER_ID, request_id)["__typename"] == "InformationShare"
        withdraw_the_consent(hub)

        request = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        [withheld] = request["answers"]
        assert (withheld["content"], withheld["basis"]) == (None, None)
        assert withheld["contentUnavailable"] == "withheld: the consent the request rested on was withdrawn"
        assert withheld["declineReasonUnavailable"] is None

    def test_the_answering_partner_still_reads_its_own_answer(self, hub: Hub) -> None:
        _, request_id = consented_request(hub)
        assert answer(hub, demo_city.POLICE_OFFICER_ID, request_id)["__typename"] == "InformationShare"
        withdraw_the_consent(hub)

        [own] = hub.graphql(demo_city.POLICE_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"][
            "answers"]

        assert (own["content"], own["contentUnavailable"], own["basis"]) == ("One call-out.", None, "OWN_AGENCY")
