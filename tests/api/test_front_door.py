"""The front door's workflow through the API: contact, requests to partners, answers, decision.

Everything goes through the GraphQL endpoint of the real app, against the real Neo4j, with
the real policy, audit chain and field encryption.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub, token_for

# A Tuesday morning in London: a CRS manager's office hours, for override approvals.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
CONCERN = "Neighbour heard shouting and a child crying late at night, three nights running."

RECORD_CONTACT = """
mutation($input: RecordContactInput!) {
  recordContact(input: $input) {
    __typename
    ... on Contact {
      id childId urgency dueBy status passedFromEdt concern secondsLeft overdue
      consentPosition consentNotSoughtReason recordedBy
      referrer { kind professionalId name relationship }
    }
    ... on Refusal { message }
  }
}
"""

CONTACT = """
query($id: ID!) {
  contact(id: $id) {
    __typename
    ... on Contact {
      id status concern outcome rationale responseToReferrer decidedBy agreedBy informationRequestIds
    }
    ... on Refusal { message }
  }
}
"""

QUEUE = """
query($first: Int!, $after: String, $status: ContactStatus, $urgency: Urgency) {
  contacts(first: $first, after: $after, status: $status, urgency: $urgency) {
    __typename
    ... on ContactConnection {
      items { id childId urgency dueBy status secondsLeft overdue passedFromEdt }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""

REQUEST_INFORMATION = """
mutation($input: RequestInformationInput!) {
  requestInformation(input: $input) {
    __typename
    ... on InformationRequest { id scope agencies basis consentId overrideId contactId }
    ... on NoBasisForRequest { message missing }
    ... on Refusal { message }
  }
}
"""

INFORMATION_REQUEST = """
query($id: ID!) {
  informationRequest(id: $id) {
    __typename
    ... on InformationRequest {
      id agencies basisStillHolds
      answers { agencyId shared content declineReason factOrOpinion historic basis }
    }
    ... on Refusal { message }
  }
}
"""

SHARE = """
mutation($input: ShareInformationInput!) {
  shareInformation(input: $input) {
    __typename
    ... on InformationShare { id agencyId shared content factOrOpinion historic }
    ... on Refusal { message }
  }
}
"""

DECLINE = """
mutation($input: DeclineToShareInput!) {
  declineToShare(input: $input) {
    __typename
    ... on InformationShare { id shared declineReason }
    ... on Refusal { message }
  }
}
"""

DECIDE = """
mutation($input: DecideContactInput!) {
  decideContact(input: $input) {
    __typename
    ... on Contact { id status outcome rationale responseToReferrer decidedBy agreedBy }
    ... on Refusal { message }
  }
}
"""

PROPOSAL_FIELDS = """
id contactId childId outcome status proposedBy proposedAt agreedBy agreedAt sentBackBy sentBackAt
rationale responseToReferrer sendBackNote
"""

PROPOSE = """
mutation($input: ProposeContactDecisionInput!) {
  proposeContactDecision(input: $input) {
    __typename
    ... on ContactDecisionProposal { """ + PROPOSAL_FIELDS + """ }
    ... on Refusal { message }
  }
}
"""

AGREE = """
mutation($id: ID!) {
  agreeContactDecision(input: {proposalId: $id}) {
    __typename
    ... on Contact {
      id status outcome rationale responseToReferrer decidedBy agreedBy decidedAt proposedAt agreedAt
    }
    ... on Refusal { message }
  }
}
"""

SEND_BACK = """
mutation($input: SendBackContactDecisionInput!) {
  sendBackContactDecision(input: $input) {
    __typename
    ... on ContactDecisionProposal { """ + PROPOSAL_FIELDS + """ }
    ... on Refusal { message }
  }
}
"""

AWAITING = """
query($first: Int!, $after: String) {
  contactDecisionsAwaitingAgreement(first: $first, after: $after) {
    __typename
    ... on ContactDecisionProposalConnection {
      items { id contactId childId childGivenName contactDueBy outcome proposedBy rationale }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""

CONTACT_DECISIONS = """
query($id: ID!) {
  contact(id: $id) {
    ... on Contact {
      status decidedBy agreedBy decidedAt proposedAt agreedAt
      decisionProposals { """ + PROPOSAL_FIELDS + """ }
    }
  }
}
"""

RECORD_CONSENT = """
mutation($input: RecordConsentInput!) {
  recordConsent(input: $input) { __typename ... on Consent { id } ... on Refusal { message } }
}
"""

CONSENTS = "query($c: ID!) { consents(childId: $c, first: 100) { ... on ConsentConnection { items { id } } } }"

WITHDRAW = "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { __typename } }"

REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) {
  requestOverride(input: $input) { __typename ... on ConsentOverride { id } }
}
"""

APPROVE = """
mutation($id: ID!) { approveOverride(input: {overrideId: $id, note: "Agreed"}) { __typename } }
"""


def contact_input(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "childId": demo_city.DEMO_FAMILY_CHILD_ID,
        "referrer": {"kind": "PUBLIC", "name": "A neighbour", "relationship": "neighbour"},
        "channel": "TELEPHONE",
        "concern": CONCERN,
        "urgency": "AMBER",
        "consentPosition": "NOT_SOUGHT",
        "consentNotSoughtReason": "Anonymous referrer; parents not yet contacted.",
    }
    values.update(changes)
    return values


def record_contact(hub: Hub, as_professional: str = demo_city.MASH_SOCIAL_WORKER_ID, **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(as_professional, RECORD_CONTACT, input=contact_input(**changes))[
        "recordContact"
    ]
    return result


def recorded_contact_id(hub: Hub, **changes: Any) -> str:
    contact = record_contact(hub, **changes)
    assert contact["__typename"] == "Contact", contact
    return str(contact["id"])


def give_consent(hub: Hub, *, scope: str, agencies: list[str]) -> str:
    result = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={
            "childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": scope,
            "agencies": agencies, "purpose": "MASH enquiry", "method": "by telephone",
        },
    )["recordConsent"]
    assert result["__typename"] == "Consent", result
    return str(result["id"])


def approve_override(hub: Hub) -> str:
    requested = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_OVERRIDE,
        input={
            "childId": demo_city.DEMO_FAMILY_CHILD_ID, "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
            "justification": "Asking the parents would alert the alleged abuser and raise the risk.",
        },
    )["requestOverride"]
    assert hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=requested["id"])["approveOverride"]["__typename"] == (
        "ConsentOverride"
    )
    return str(requested["id"])


def request_information(
    hub: Hub, contact_id: str, *, basis: str = "CONSENT", scope: str = "TARGETED",
    agencies: tuple[str, ...] = (demo_city.POLICE_AGENCY_ID,),
) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_INFORMATION,
        input={"contactId": contact_id, "scope": scope, "agencies": list(agencies), "basis": basis},
    )["requestInformation"]
    return result


def share(hub: Hub, as_professional: str, request_id: str, content: str = "Two call-outs to the address.") -> Any:
    return hub.graphql(
        as_professional, SHARE,
        input={"requestId": request_id, "content": content, "factOrOpinion": "FACT", "historic": True},
    )["shareInformation"]


RATIONALE = "Parents engaging; needs are below the threshold for statutory work."
RESPONSE = "Thank you; the family has been offered support."


def decision_input(contact_id: str, outcome: str) -> dict[str, Any]:
    return {"contactId": contact_id, "outcome": outcome, "rationale": RATIONALE, "responseToReferrer": RESPONSE}


def decide_contact(
    hub: Hub, contact_id: str, *, as_professional: str, agreed_by: str | None = None, outcome: str = "FAMILY_HELP"
) -> Any:
    """decideContact itself: a manager deciding alone."""
    return hub.graphql(
        as_professional, DECIDE, input={**decision_input(contact_id, outcome), "agreedBy": agreed_by},
    )["decideContact"]


def propose(
    hub: Hub, contact_id: str, *, as_professional: str = demo_city.MASH_SOCIAL_WORKER_ID, outcome: str = "FAMILY_HELP"
) -> Any:
    return hub.graphql(as_professional, PROPOSE, input=decision_input(contact_id, outcome))["proposeContactDecision"]


def agree(hub: Hub, proposal_id: str, *, as_professional: str = demo_city.CRS_MANAGER_ID) -> Any:
    return hub.graphql(as_professional, AGREE, id=proposal_id)["agreeContactDecision"]


def send_back(hub: Hub, proposal_id: str, note: str, *, as_professional: str = demo_city.CRS_MANAGER_ID) -> Any:
    return hub.graphql(
        as_professional, SEND_BACK, input={"proposalId": proposal_id, "note": note}
    )["sendBackContactDecision"]


def proposal_id(hub: Hub, contact_id: str, **changes: Any) -> str:
    proposed = propose(hub, contact_id, **changes)
    assert proposed["__typename"] == "ContactDecisionProposal", proposed
    return str(proposed["id"])


def decide(
    hub: Hub, contact_id: str, *, outcome: str = "FAMILY_HELP", proposed_by: str = demo_city.MASH_SOCIAL_WORKER_ID,
    agreed_by: str = demo_city.CRS_MANAGER_ID,
) -> Any:
    """The usual path: the social worker proposes, a front door manager agrees as themselves."""
    proposed = propose(hub, contact_id, as_professional=proposed_by, outcome=outcome)
    if proposed["__typename"] != "ContactDecisionProposal":
        return proposed
    return agree(hub, proposed["id"], as_professional=agreed_by)


def stored(driver: Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params)
    return [record.data() for record in records]


def audit_actions(driver: Driver) -> list[str]:
    return [row["action"] for row in stored(driver, "MATCH (e:AuditEvent) RETURN e.action AS action ORDER BY e.seq")]


class TestRecordContact:
    def test_known_child_contact_is_open_with_its_concern_and_referrer(self, hub: Hub) -> None:
        contact = record_contact(hub)

        assert contact["__typename"] == "Contact"
        assert contact["childId"] == demo_city.DEMO_FAMILY_CHILD_ID
        assert contact["status"] == "OPEN"
        assert contact["concern"] == CONCERN
        assert contact["referrer"] == {
            "kind": "PUBLIC", "professionalId": None, "name": "A neighbour", "relationship": "neighbour",
        }
        assert contact["consentPosition"] == "NOT_SOUGHT"
        assert contact["recordedBy"] == demo_city.MASH_SOCIAL_WORKER_ID

    @pytest.mark.parametrize(
        ("urgency", "received", "due"),
        [
            ("RED", datetime(2026, 11, 20, 15, 0, tzinfo=UTC), datetime(2026, 11, 20, 19, 0, tzinfo=UTC)),
            ("AMBER", datetime(2026, 11, 20, 15, 0, tzinfo=UTC), datetime(2026, 11, 21, 15, 0, tzinfo=UTC)),
            # Friday afternoon: three working days later is the Wednesday, weekend skipped.
            ("GREEN", datetime(2026, 11, 20, 15, 0, tzinfo=UTC), datetime(2026, 11, 25, 15, 0, tzinfo=UTC)),
        ],
    )
    def test_due_time_follows_from_urgency(self, hub: Hub, urgency: str, received: datetime, due: datetime) -> None:
        contact = record_contact(hub, urgency=urgency, receivedAt=received.isoformat())

        assert datetime.fromisoformat(contact["dueBy"]) == due

    def test_concern_is_encrypted_at_rest(self, hub: Hub, graph_db: Driver) -> None:
        contact_id = recorded_contact_id(hub)

        [row] = stored(graph_db, "MATCH (k:Contact {id: $id}) RETURN k.concern AS concern", id=contact_id)
        assert row["concern"] and CONCERN not in row["concern"]
        assert "shouting" not in row["concern"]

    def test_a_new_child_is_created_with_the_contact(self, hub: Hub, graph_db: Driver) -> None:
        contact = record_contact(
            hub, childId=None, newChild={"givenName": "Ava", "familyName": "Lindqvist", "dob": "2019-04-02"},
        )

        assert contact["__typename"] == "Contact"
        [child] = stored(
            graph_db, "MATCH (k:Contact {id: $id})-[:CONCERNS]->(c:Person:Child) RETURN c.family_name AS name",
            id=contact["id"],
        )
        assert child == {"name": "Lindqvist"}

    def test_a_professional_referrer_is_linked_by_id(self, hub: Hub) -> None:
        contact = record_contact(
            hub, referrer={"kind": "PROFESSIONAL", "professionalId": demo_city.EDUCATION_OFFICER_ID},
            consentPosition="GIVEN", consentNotSoughtReason=None,
        )

        assert contact["referrer"]["professionalId"] == demo_city.EDUCATION_OFFICER_ID
        assert contact["consentPosition"] == "GIVEN"

    def test_edt_contact_lands_in_the_front_door_queue(self, hub: Hub) -> None:
        contact = record_contact(hub, demo_city.EDT_PRACTITIONER_ID, urgency="RED")
        queue = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=10)["contacts"]

        assert contact["passedFromEdt"] is True
        assert [(c["id"], c["passedFromEdt"]) for c in queue["items"]] == [(contact["id"], True)]

    def test_unknown_child_is_refused_and_nothing_is_written(self, hub: Hub, graph_db: Driver) -> None:
        contact = record_contact(hub, childId="person-unknown")

        assert contact["__typename"] == "ChildNotFound"
        assert stored(graph_db, "MATCH (k:Contact) RETURN count(k) AS n") == [{"n": 0}]

    def test_consent_not_sought_needs_its_reason(self, hub: Hub) -> None:
        assert record_contact(hub, consentNotSoughtReason=None)["__typename"] == "InvalidInput"

    def test_both_a_known_and_a_new_child_is_refused(self, hub: Hub) -> None:
        contact = record_contact(hub, newChild={"givenName": "A", "familyName": "B"})

        assert contact["__typename"] == "InvalidInput"

    @pytest.mark.parametrize("professional", [demo_city.POLICE_OFFICER_ID, demo_city.AUDITOR_ID])
    def test_only_the_front_door_records_contacts(self, hub: Hub, graph_db: Driver, professional: str) -> None:
        assert record_contact(hub, professional)["__typename"] == "NotPermitted"
        assert stored(graph_db, "MATCH (k:Contact) RETURN count(k) AS n") == [{"n": 0}]


class TestQueue:
    def test_oldest_due_first_with_time_left_or_overdue(self, hub: Hub) -> None:
        now = datetime.now(UTC)
        green = recorded_contact_id(hub, urgency="GREEN", receivedAt=now.isoformat())
        overdue = recorded_contact_id(hub, urgency="RED", receivedAt=(now - timedelta(hours=6)).isoformat())
        red = recorded_contact_id(hub, urgency="RED", receivedAt=now.isoformat())

        items = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=10)["contacts"]["items"]

        assert [c["id"] for c in items] == [overdue, red, green]
        assert items[0]["overdue"] is True and items[0]["secondsLeft"] < 0
        assert items[1]["overdue"] is False and 0 < items[1]["secondsLeft"] <= 4 * 3600

    def test_pages_follow_on_without_gaps_or_repeats(self, hub: Hub) -> None:
        start = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
        made = [
            recorded_contact_id(hub, urgency="AMBER", receivedAt=(start + timedelta(minutes=i)).isoformat())
            for i in range(5)
        ]
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=2, after=after)["contacts"]
            seen += [c["id"] for c in page["items"]]
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        assert seen == made
        assert pages == 3

    def test_filters_by_status_and_urgency(self, hub: Hub) -> None:
        red = recorded_contact_id(hub, urgency="RED")
        amber = recorded_contact_id(hub, urgency="AMBER")
        assert decide(hub, amber)["__typename"] == "Contact"

        def ids(**filters: Any) -> list[str]:
            return [c["id"] for c in hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=10, **filters)[
                "contacts"]["items"]]

        assert ids(status="OPEN") == [red]
        assert ids(status="DECIDED") == [amber]
        assert ids(urgency="AMBER") == [amber]

    @pytest.mark.parametrize(("first", "after"), [(0, None), (101, None), (5, "not-a-cursor")])
    def test_bad_bounds_and_cursors_are_refused(self, hub: Hub, first: int, after: str | None) -> None:
        result = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE, first=first, after=after)["contacts"]

        assert result["__typename"] == "InvalidInput"

    def test_first_is_required(self, hub: Hub) -> None:
        response = hub.client.post(
            "/graphql", json={"query": "{ contacts { __typename } }"},
            headers={"authorization": "Bearer " + token_for(hub.settings, demo_city.MASH_SOCIAL_WORKER_ID)},
        )

        assert response.status_code == 200
        assert "first" in response.json()["errors"][0]["message"]

    def test_partners_do_not_see_the_queue_or_a_contact(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)

        assert hub.graphql(demo_city.POLICE_OFFICER_ID, QUEUE, first=5)["contacts"]["__typename"] == "NotPermitted"
        assert hub.graphql(demo_city.POLICE_OFFICER_ID, CONTACT, id=contact_id)["contact"]["__typename"] == (
            "NotPermitted"
        )


class TestInformationRequests:
    def test_no_consent_and_no_override_is_refused_naming_what_is_missing(self, hub: Hub, graph_db: Driver) -> None:
        contact_id = recorded_contact_id(hub)

        refused = request_information(hub, contact_id)

        assert refused["__typename"] == "NoBasisForRequest"
        assert refused["missing"] == ["CONSENT"]
        assert stored(graph_db, "MATCH (r:InformationRequest) RETURN count(r) AS n") == [{"n": 0}]

    def test_targeted_consent_must_cover_every_agency_asked(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])

        refused = request_information(hub, contact_id, agencies=(demo_city.POLICE_AGENCY_ID,
                                                                 demo_city.HEALTH_AGENCY_ID))

        assert refused["__typename"] == "NoBasisForRequest"
        assert refused["missing"] == [demo_city.HEALTH_AGENCY_ID]

    def test_a_full_request_needs_a_full_consent(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])

        assert request_information(hub, contact_id, scope="FULL", agencies=())["__typename"] == "NoBasisForRequest"

    def test_consent_covering_the_agencies_allows_the_request(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        consent_id = give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID,
                                                                   demo_city.HEALTH_AGENCY_ID])

        request = request_information(hub, contact_id, agencies=(demo_city.HEALTH_AGENCY_ID,
                                                                 demo_city.POLICE_AGENCY_ID))

        assert request["__typename"] == "InformationRequest"
        assert request["basis"] == "CONSENT" and request["consentId"] == consent_id
        assert request["agencies"] == sorted([demo_city.HEALTH_AGENCY_ID, demo_city.POLICE_AGENCY_ID])

    def test_consent_does_not_stand_for_an_override(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="FULL", agencies=[])

        refused = request_information(hub, contact_id, basis="OVERRIDE")

        assert refused["__typename"] == "NoBasisForRequest"
        assert refused["missing"] == ["OVERRIDE"]

    def test_an_approved_override_allows_a_full_request_to_every_partner(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        override_id = approve_override(hub)

        request = request_information(hub, contact_id, basis="OVERRIDE", scope="FULL", agencies=())

        assert request["__typename"] == "InformationRequest"
        assert request["overrideId"] == override_id
        assert demo_city.POLICE_AGENCY_ID in request["agencies"] and demo_city.HEALTH_AGENCY_ID in request["agencies"]
        assert demo_city.COUNCIL_AGENCY_ID not in request["agencies"]

    def test_a_partner_officer_may_not_request(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="FULL", agencies=[])

        result = hub.graphql(
            demo_city.POLICE_OFFICER_ID, REQUEST_INFORMATION,
            input={"contactId": contact_id, "scope": "FULL", "agencies": [], "basis": "CONSENT"},
        )["requestInformation"]

        assert result["__typename"] == "NotPermitted"


class TestAnswers:
    @pytest.fixture
    def request_id(self, hub: Hub) -> str:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID])
        request = request_information(hub, contact_id, agencies=(demo_city.POLICE_AGENCY_ID,
                                                                 demo_city.EDUCATION_AGENCY_ID))
        return str(request["id"])

    def test_addressed_partner_shares_and_the_content_is_encrypted(
        self, hub: Hub, graph_db: Driver, request_id: str
    ) -> None:
        answer = share(hub, demo_city.POLICE_OFFICER_ID, request_id, content="Two domestic call-outs in 2025.")

        assert answer["__typename"] == "InformationShare"
        assert answer["agencyId"] == demo_city.POLICE_AGENCY_ID
        assert (answer["factOrOpinion"], answer["historic"]) == ("FACT", True)
        [row] = stored(graph_db, "MATCH (s:InformationShare) RETURN s.content AS content")
        assert "call-outs" not in row["content"]

    def test_a_partner_cannot_answer_a_request_not_addressed_to_it(
        self, hub: Hub, graph_db: Driver, request_id: str
    ) -> None:
        # As for an unknown request: a partner learns nothing of a request addressed elsewhere.
        assert share(hub, demo_city.HEALTH_OFFICER_ID, request_id) == share(hub, demo_city.HEALTH_OFFICER_ID,
                                                                            "request-none")
        assert share(hub, demo_city.HEALTH_OFFICER_ID, request_id)["__typename"] == "RequestNotFound"
        assert stored(graph_db, "MATCH (s:InformationShare) RETURN count(s) AS n") == [{"n": 0}]

    def test_an_agency_answers_once(self, hub: Hub, request_id: str) -> None:
        assert share(hub, demo_city.POLICE_OFFICER_ID, request_id)["__typename"] == "InformationShare"
        assert share(hub, demo_city.POLICE_OFFICER_ID, request_id)["__typename"] == "AlreadyAnswered"

    def test_the_front_door_may_not_answer(self, hub: Hub, request_id: str) -> None:
        assert share(hub, demo_city.MASH_SOCIAL_WORKER_ID, request_id)["__typename"] == "NotPermitted"

    def test_declining_records_the_reason(self, hub: Hub, request_id: str) -> None:
        declined = hub.graphql(
            demo_city.EDUCATION_OFFICER_ID, DECLINE,
            input={"requestId": request_id, "reason": "The pupil left our school in 2023; nothing current."},
        )["declineToShare"]

        assert declined["__typename"] == "InformationShare"
        assert declined["shared"] is False
        assert declined["declineReason"].startswith("The pupil left")

    def test_front_door_reads_answers_while_the_consent_holds_and_the_read_is_audited(
        self, hub: Hub, graph_db: Driver, request_id: str
    ) -> None:
        share(hub, demo_city.POLICE_OFFICER_ID, request_id, content="Two domestic call-outs in 2025.")

        request = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert request["basisStillHolds"] is True
        assert request["answers"] == [{
            "agencyId": demo_city.POLICE_AGENCY_ID, "shared": True, "content": "Two domestic call-outs in 2025.",
            "declineReason": None, "factOrOpinion": "FACT", "historic": True, "basis": "CONSENT",
        }]
        assert stored(
            graph_db, "MATCH (e:AuditEvent {action: 'information.read'}) RETURN e.basis AS basis"
        ) == [{"basis": "CONSENT"}]

    def test_answers_are_hidden_once_the_consent_is_withdrawn(self, hub: Hub, request_id: str) -> None:
        share(hub, demo_city.POLICE_OFFICER_ID, request_id)
        consents = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONSENTS,
                               c=demo_city.DEMO_FAMILY_CHILD_ID)["consents"]["items"]
        [consent_id] = [c["id"] for c in consents]
        hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, WITHDRAW, id=consent_id)

        request = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert request["basisStillHolds"] is False
        assert [(a["content"], a["basis"]) for a in request["answers"]] == [(None, None)]

    def test_each_partner_sees_only_its_own_answer(self, hub: Hub, request_id: str) -> None:
        share(hub, demo_city.POLICE_OFFICER_ID, request_id, content="Police answer.")
        hub.graphql(demo_city.EDUCATION_OFFICER_ID, DECLINE, input={"requestId": request_id, "reason": "Nothing held."})

        seen = hub.graphql(demo_city.EDUCATION_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]

        assert [(a["agencyId"], a["declineReason"]) for a in seen["answers"]] == [
            (demo_city.EDUCATION_AGENCY_ID, "Nothing held.")
        ]

    def test_a_request_not_addressed_to_a_partner_reads_as_missing(self, hub: Hub, request_id: str) -> None:
        seen = hub.graphql(demo_city.HEALTH_OFFICER_ID, INFORMATION_REQUEST, id=request_id)["informationRequest"]
        unknown = hub.graphql(demo_city.HEALTH_OFFICER_ID, INFORMATION_REQUEST, id="request-none")["informationRequest"]

        assert seen == unknown == {"__typename": "RequestNotFound", "message": "no such information request"}


class TestDecision:
    def test_a_social_worker_cannot_decide_alone_or_by_naming_a_manager(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)

        for named in (None, demo_city.CRS_MANAGER_ID, demo_city.SECOND_MASH_SOCIAL_WORKER_ID):
            refused = decide_contact(hub, contact_id, as_professional=demo_city.MASH_SOCIAL_WORKER_ID, agreed_by=named)
            assert refused["__typename"] == "ManagerAgreementRequired", named
        assert hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]["status"] == "OPEN"

    def test_a_manager_cannot_agree_with_themselves(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)

        named = decide_contact(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID,
                               agreed_by=demo_city.CRS_MANAGER_ID)
        own = agree(hub, proposal_id(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID))

        assert named["__typename"] == "ManagerAgreementRequired"
        assert own["__typename"] == "SelfAgreementForbidden"

    def test_a_manager_may_decide_alone_recorded_as_decided_and_agreed_by_them(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)

        decided = decide_contact(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID)

        assert decided["__typename"] == "Contact"
        assert decided["decidedBy"] == decided["agreedBy"] == demo_city.CRS_MANAGER_ID
        shown = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT_DECISIONS, id=contact_id)["contact"]
        assert shown["decidedAt"] is not None
        assert shown["proposedAt"] == shown["agreedAt"] == shown["decidedAt"]
        assert shown["decisionProposals"] == []

    def test_deciding_twice_is_refused(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        assert decide(hub, contact_id, outcome="FAMILY_HELP")["__typename"] == "Contact"

        second = propose(hub, contact_id, outcome="NO_FURTHER_ACTION")
        alone = decide_contact(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID, outcome="NO_FURTHER_ACTION")

        assert (second["__typename"], alone["__typename"]) == ("AlreadyDecided", "AlreadyDecided")
        contact = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]
        assert contact["outcome"] == "FAMILY_HELP"

    def test_a_decided_contact_takes_no_more_requests(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        give_consent(hub, scope="FULL", agencies=[])
        decide(hub, contact_id)

        assert request_information(hub, contact_id)["__typename"] == "ContactClosed"


def audit_trail(driver: Driver, action_prefix: str) -> list[dict[str, Any]]:
    return stored(
        driver,
        "MATCH (e:AuditEvent) WHERE e.action STARTS WITH $prefix"
        " RETURN e.actor AS actor, e.action AS action, e.targets AS targets, e.at AS at ORDER BY e.seq",
        prefix=action_prefix,
    )


class TestManagerAgreement:
    def test_the_social_worker_proposes_and_the_manager_agrees_as_themselves_both_on_the_record(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        contact_id = recorded_contact_id(hub)

        proposed = propose(hub, contact_id, outcome="FAMILY_HELP")
        pending = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT_DECISIONS, id=contact_id)["contact"]
        agreed = agree(hub, proposed["id"])

        assert proposed["__typename"] == "ContactDecisionProposal"
        assert (proposed["status"], proposed["proposedBy"], proposed["agreedBy"]) == (
            "PROPOSED", demo_city.MASH_SOCIAL_WORKER_ID, None
        )
        assert (proposed["rationale"], proposed["responseToReferrer"]) == (RATIONALE, RESPONSE)
        assert pending["status"] == "OPEN" and pending["decidedBy"] is None
        assert [p["status"] for p in pending["decisionProposals"]] == ["PROPOSED"]
        assert agreed["__typename"] == "Contact"
        assert (agreed["status"], agreed["outcome"]) == ("DECIDED", "FAMILY_HELP")
        assert (agreed["decidedBy"], agreed["agreedBy"]) == (demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID)
        assert (agreed["rationale"], agreed["responseToReferrer"]) == (RATIONALE, RESPONSE)
        assert agreed["proposedAt"] == proposed["proposedAt"]
        assert agreed["proposedAt"] <= agreed["agreedAt"] == agreed["decidedAt"]
        shown = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT_DECISIONS, id=contact_id)["contact"]
        [history] = shown["decisionProposals"]
        assert (history["status"], history["agreedBy"], history["agreedAt"]) == (
            "AGREED", demo_city.CRS_MANAGER_ID, agreed["agreedAt"]
        )
        trail = audit_trail(graph_db, "contact.deci")
        assert [(e["actor"], e["action"]) for e in trail] == [
            (demo_city.MASH_SOCIAL_WORKER_ID, "contact.decision_proposed"),
            (demo_city.CRS_MANAGER_ID, "contact.decided.family_help"),
        ]
        assert trail[0]["targets"] == [proposed["id"], contact_id, demo_city.DEMO_FAMILY_CHILD_ID]
        assert {proposed["id"], demo_city.MASH_SOCIAL_WORKER_ID, contact_id} <= set(trail[1]["targets"])
        [stored_proposal] = stored(
            graph_db, "MATCH (d:ContactDecision {id: $id}) RETURN d.rationale AS r", id=proposed["id"]
        )
        assert "threshold" not in stored_proposal["r"]

    def test_a_manager_sends_it_back_with_a_note_and_a_new_proposal_follows(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        contact_id = recorded_contact_id(hub)
        first = proposal_id(hub, contact_id, outcome="NO_FURTHER_ACTION")
        note = "Speak to the school before closing: the neighbour's account needs checking."

        sent_back = send_back(hub, first, note)
        shown = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT_DECISIONS, id=contact_id)["contact"]
        second = proposal_id(hub, contact_id, outcome="FAMILY_HELP")
        agreed = agree(hub, second, as_professional=demo_city.SECOND_CRS_MANAGER_ID)

        assert sent_back["__typename"] == "ContactDecisionProposal"
        assert (sent_back["status"], sent_back["sentBackBy"], sent_back["sendBackNote"]) == (
            "SENT_BACK", demo_city.CRS_MANAGER_ID, note
        )
        assert sent_back["sentBackAt"] >= sent_back["proposedAt"]
        assert shown["status"] == "OPEN"
        assert [(p["status"], p["sendBackNote"]) for p in shown["decisionProposals"]] == [("SENT_BACK", note)]
        assert (agreed["outcome"], agreed["agreedBy"]) == ("FAMILY_HELP", demo_city.SECOND_CRS_MANAGER_ID)
        history = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT_DECISIONS, id=contact_id)["contact"]
        assert [(p["id"], p["status"]) for p in history["decisionProposals"]] == [
            (first, "SENT_BACK"), (second, "AGREED")
        ]
        assert [(e["actor"], e["action"]) for e in audit_trail(graph_db, "contact.decision_sent_back")] == [
            (demo_city.CRS_MANAGER_ID, "contact.decision_sent_back")
        ]
        [row] = stored(graph_db, "MATCH (d:ContactDecision {id: $id}) RETURN d.send_back_note AS n", id=first)
        assert "school" not in row["n"]

    def test_sending_back_needs_its_reason(self, hub: Hub) -> None:
        proposed = proposal_id(hub, recorded_contact_id(hub))

        assert send_back(hub, proposed, "  ")["__typename"] == "InvalidInput"

    @pytest.mark.parametrize(
        "professional",
        [demo_city.SECOND_MASH_SOCIAL_WORKER_ID, demo_city.EDT_PRACTITIONER_ID, demo_city.POLICE_OFFICER_ID,
         demo_city.AUDITOR_ID],
    )
    def test_only_a_front_door_manager_agrees_or_sends_back(self, hub: Hub, professional: str) -> None:
        contact_id = recorded_contact_id(hub)
        proposed = proposal_id(hub, contact_id)

        assert agree(hub, proposed, as_professional=professional)["__typename"] == "NotAManager"
        assert send_back(hub, proposed, "no", as_professional=professional)["__typename"] == "NotAManager"
        assert hub.graphql(professional, AWAITING, first=5)["contactDecisionsAwaitingAgreement"]["__typename"] == (
            "NotAManager"
        )
        assert hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]["status"] == "OPEN"

    def test_the_proposer_may_never_agree_or_send_back_their_own_proposal(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        proposed = proposal_id(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID)

        assert agree(hub, proposed)["__typename"] == "SelfAgreementForbidden"
        assert send_back(hub, proposed, "mine")["__typename"] == "SelfAgreementForbidden"
        agreed = agree(hub, proposed, as_professional=demo_city.SECOND_CRS_MANAGER_ID)
        assert (agreed["decidedBy"], agreed["agreedBy"]) == (demo_city.CRS_MANAGER_ID, demo_city.SECOND_CRS_MANAGER_ID)

    def test_the_edt_on_call_senior_manager_agrees_an_edt_practitioners_proposal(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        proposed = proposal_id(hub, contact_id, as_professional=demo_city.EDT_PRACTITIONER_ID)

        agreed = agree(hub, proposed, as_professional=demo_city.EDT_SENIOR_MANAGER_ID)

        assert (agreed["decidedBy"], agreed["agreedBy"]) == (demo_city.EDT_PRACTITIONER_ID,
                                                             demo_city.EDT_SENIOR_MANAGER_ID)

    def test_one_proposal_awaits_at_a_time_and_a_manager_does_not_decide_over_it(self, hub: Hub) -> None:
        contact_id = recorded_contact_id(hub)
        proposal_id(hub, contact_id)

        again = propose(hub, contact_id, as_professional=demo_city.SECOND_MASH_SOCIAL_WORKER_ID)
        alone = decide_contact(hub, contact_id, as_professional=demo_city.CRS_MANAGER_ID)

        assert (again["__typename"], alone["__typename"]) == ("DecisionAwaitingAgreement", "DecisionAwaitingAgreement")

    def test_an_answered_proposal_takes_no_second_answer(self, hub: Hub) -> None:
        agreed = proposal_id(hub, recorded_contact_id(hub))
        sent_back = proposal_id(hub, recorded_contact_id(hub))
        agree(hub, agreed)
        send_back(hub, sent_back, "Check with health first.")

        for answered in (agreed, sent_back):
            assert agree(hub, answered,
                         as_professional=demo_city.SECOND_CRS_MANAGER_ID)["__typename"] == "AlreadyDecided"
            assert send_back(hub, answered, "again", as_professional=demo_city.SECOND_CRS_MANAGER_ID)["__typename"] == (
                "AlreadyDecided"
            )

    def test_another_authoritys_proposal_reads_exactly_like_an_unknown_one(self, hub: Hub, graph_db: Driver) -> None:
        contact_id = recorded_contact_id(hub)
        proposed = proposal_id(hub, contact_id)
        graph_db.execute_query(
            "MATCH (d:ContactDecision {id: $id})-[:PROPOSED_FOR]->(k:Contact)"
            " SET d.agency_id = 'agency-elsewhere', k.agency_id = 'agency-elsewhere'",
            id=proposed,
        )

        for target in (proposed, "decision-that-never-was"):
            assert agree(hub, target) == {"__typename": "ProposalNotFound", "message": "no such proposed decision"}
            assert send_back(hub, target, "why") == {
                "__typename": "ProposalNotFound", "message": "no such proposed decision"
            }
        assert propose(hub, contact_id)["__typename"] == "ContactNotFound"
        assert hub.graphql(demo_city.CRS_MANAGER_ID, AWAITING,
                           first=5)["contactDecisionsAwaitingAgreement"]["items"] == []


class TestAwaitingAgreement:
    def test_lists_what_others_proposed_most_urgent_first_and_pages_on(self, hub: Hub) -> None:
        green = recorded_contact_id(hub, urgency="GREEN")
        red = recorded_contact_id(hub, urgency="RED")
        own = recorded_contact_id(hub, urgency="RED")
        answered = recorded_contact_id(hub, urgency="RED")
        for contact_id in (green, red):
            proposal_id(hub, contact_id)
        proposal_id(hub, own, as_professional=demo_city.CRS_MANAGER_ID)
        agree(hub, proposal_id(hub, answered))

        first = hub.graphql(demo_city.CRS_MANAGER_ID, AWAITING, first=1)["contactDecisionsAwaitingAgreement"]
        rest = hub.graphql(demo_city.CRS_MANAGER_ID, AWAITING, first=5, after=first["pageInfo"]["endCursor"])[
            "contactDecisionsAwaitingAgreement"
        ]
        colleague = hub.graphql(demo_city.SECOND_CRS_MANAGER_ID, AWAITING, first=5)["contactDecisionsAwaitingAgreement"]

        assert [i["contactId"] for i in first["items"]] == [red] and first["pageInfo"]["hasNextPage"]
        assert [i["contactId"] for i in rest["items"]] == [green] and not rest["pageInfo"]["hasNextPage"]
        item = first["items"][0]
        assert (item["proposedBy"], item["rationale"], item["childGivenName"]) == (
            demo_city.MASH_SOCIAL_WORKER_ID, RATIONALE, "Tyler"
        )
        assert {i["contactId"] for i in colleague["items"]} == {red, green, own}

    @pytest.mark.parametrize(("first", "after"), [(0, None), (101, None), (5, "bm90LWEtY3Vyc29y")])
    def test_bad_bounds_and_cursors_are_refused(self, hub: Hub, first: int, after: str | None) -> None:
        answer = hub.graphql(demo_city.CRS_MANAGER_ID, AWAITING, first=first, after=after)
        assert answer["contactDecisionsAwaitingAgreement"]["__typename"] == "InvalidInput"


class TestWholePath:
    def test_contact_to_decision(self, hub: Hub, graph_db: Driver) -> None:
        contact_id = recorded_contact_id(hub, urgency="RED")
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID, demo_city.HEALTH_AGENCY_ID])
        request = request_information(hub, contact_id, agencies=(demo_city.POLICE_AGENCY_ID,
                                                                 demo_city.HEALTH_AGENCY_ID))
        assert share(hub, demo_city.POLICE_OFFICER_ID, request["id"], content="One call-out.")["__typename"] == (
            "InformationShare"
        )
        hub.graphql(demo_city.HEALTH_OFFICER_ID, DECLINE, input={"requestId": request["id"], "reason": "Not known."})

        decided = decide(hub, contact_id, outcome="SECTION_47_STRATEGY_MEETING")

        assert decided["__typename"] == "Contact"
        assert decided["status"] == "DECIDED" and decided["outcome"] == "SECTION_47_STRATEGY_MEETING"
        assert decided["agreedBy"] == demo_city.CRS_MANAGER_ID
        assert decided["responseToReferrer"] == "Thank you; the family has been offered support."
        contact = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]
        assert contact["informationRequestIds"] == [request["id"]]
        [row] = stored(
            graph_db, "MATCH (k:Contact {id: $id}) RETURN k.rationale AS r, k.response_to_referrer AS s", id=contact_id
        )
        assert "threshold" not in row["r"] and "Thank you" not in row["s"]
        assert [a for a in audit_actions(graph_db) if not a.startswith("consent.")] == [
            "contact.recorded", "information.requested", "information.shared", "information.declined",
            "contact.decision_proposed", "contact.decided.section_47_strategy_meeting",
        ]


def break_the_audit_chain(driver: Driver) -> None:
    # The chain must have a head already. An event already holding the next seq makes the next append violate the unique
    # constraint on AuditEvent.seq, as a forked chain would.
    driver.execute_query(
        "MATCH (h:AuditHead {name: 'main'}) CREATE (:AuditEvent {seq: h.seq + 1, actor: 'squatter'})"
    )


class TestFailClosed:
    def test_a_contact_is_not_recorded_when_its_audit_event_cannot_be_written(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        # A first act starts the chain, so there is a head to fork.
        earlier = recorded_contact_id(hub)
        break_the_audit_chain(graph_db)

        response = hub.client.post(
            "/graphql",
            json={"query": RECORD_CONTACT, "variables": {"input": contact_input(
                childId=None, newChild={"givenName": "Noor", "familyName": "Haddad"},
            )}},
            headers={"authorization": "Bearer " + token_for(hub.settings, demo_city.MASH_SOCIAL_WORKER_ID)},
        )

        body = response.json()
        assert response.status_code == 200
        assert body["data"] is None and body["errors"]
        assert "Traceback" not in response.text and CONCERN not in response.text
        assert stored(graph_db, "MATCH (k:Contact) RETURN k.id AS id") == [{"id": earlier}]
        assert stored(graph_db, "MATCH (c:Person {family_name: 'Haddad'}) RETURN count(c) AS n") == [{"n": 0}]

    def test_a_decision_is_not_taken_when_its_audit_event_cannot_be_written(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        contact_id = recorded_contact_id(hub)
        break_the_audit_chain(graph_db)

        response = hub.client.post(
            "/graphql",
            json={"query": DECIDE, "variables": {"input": {
                "contactId": contact_id, "outcome": "NO_FURTHER_ACTION", "rationale": "No concerns found.",
                "responseToReferrer": "Thank you.",
            }}},
            headers={"authorization": "Bearer " + token_for(hub.settings, demo_city.CRS_MANAGER_ID)},
        )

        assert response.json()["data"] is None
        [row] = stored(graph_db, "MATCH (k:Contact {id: $id}) RETURN k.status AS s, k.rationale AS r", id=contact_id)
        assert row == {"s": "OPEN", "r": None}

    def test_an_agreement_is_not_given_when_its_audit_event_cannot_be_written(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        contact_id = recorded_contact_id(hub)
        proposed = proposal_id(hub, contact_id)
        break_the_audit_chain(graph_db)

        response = hub.client.post(
            "/graphql", json={"query": AGREE, "variables": {"id": proposed}},
            headers={"authorization": "Bearer " + token_for(hub.settings, demo_city.CRS_MANAGER_ID)},
        )

        assert response.json()["data"] is None
        [row] = stored(
            graph_db,
            "MATCH (d:ContactDecision {id: $id})-[:PROPOSED_FOR]->(k:Contact)"
            " RETURN k.status AS s, k.rationale AS r, d.status AS d",
            id=proposed,
        )
        assert row == {"s": "OPEN", "r": None, "d": "PROPOSED"}
