"""A subject access pack through the API: the demo child's records, contacts and answers opened,
the reads of them named, third parties marked for the DPO, and the production itself audited.

The city is seeded sealed; consent, the network read, the contact and the partner's answer are
made through the API by the professionals who would make them, before the pack is produced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from devtools import demo_city
from graph.model import Person
from tests.api.client import Hub
from tests.api.protected_hub import JUSTIFICATION, network, record_consent, request_override
from tests.api.test_front_door import RATIONALE, propose, recorded_contact_id, request_information, share
from tests.api.test_workbook import AMEND, added_id

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
UNKNOWN = "person-999-99"

PRODUCE = """
mutation($personId: ID!) {
  produceSubjectAccessPack(input: {personId: $personId}) {
    __typename
    ... on SubjectAccessPack { personId producedAt json records contacts disclosures itemsForReview }
    ... on Refusal { message }
  }
}
"""
PRODUCED_EVENTS: LiteralString = """
MATCH (e:AuditEvent {action: 'subject_access.produced'})
RETURN e.actor AS actor, e.targets AS targets ORDER BY e.seq
"""
SHARED = "Two call-outs to the address; the partner was arrested once."


def _people() -> dict[str, Person]:
    return {person.id: person for person in demo_city.demo_city().people}


MOTHER = _people()[demo_city.DEMO_MOTHER_ID]
CONCERN = f"School says {MOTHER.given_name} collected the child late and smelling of alcohol."


def produce(hub: Hub, as_professional: str, person_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = hub.graphql(as_professional, PRODUCE, personId=person_id)["produceSubjectAccessPack"]
    return answer


def pack_of(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["__typename"] == "SubjectAccessPack", answer
    pack: dict[str, Any] = json.loads(answer["json"])
    return pack


def items(pack: dict[str, Any], section: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = pack["sections"][section]["items"]
    return found


def fields(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in item["fields"]}


def value(item: dict[str, Any], name: str) -> Any:
    return fields(item)[name]["value"]


@pytest.fixture
def worked_on(sealed_hub: Hub) -> dict[str, str]:
    """The front door's morning: consent, a read of the network on it, a contact, a police answer,
    and a decision proposed on the contact."""
    record_consent(sealed_hub)
    network(sealed_hub, demo_city.MASH_SOCIAL_WORKER_ID)
    contact_id = recorded_contact_id(sealed_hub, concern=CONCERN)
    requested = request_information(sealed_hub, contact_id)
    assert requested["__typename"] == "InformationRequest", requested
    shared = share(sealed_hub, demo_city.POLICE_OFFICER_ID, requested["id"], content=SHARED)
    assert shared["__typename"] == "InformationShare", shared
    proposed = propose(sealed_hub, contact_id)
    assert proposed["__typename"] == "ContactDecisionProposal", proposed
    return {"contact": contact_id, "request": requested["id"], "proposal": proposed["id"]}


class TestThePackHoldsWhatTheHubHolds:
    def test_the_childs_records_are_there_with_their_summaries_opened(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        expected = {(r.id, r.summary) for r in demo_city.demo_city().records if r.person_id == CHILD}

        answer = produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD)
        pack = pack_of(answer)

        assert expected
        assert {(item["id"], value(item, "summary")) for item in items(pack, "agency_records")} == expected
        assert answer["records"] == len(expected)
        assert pack["person_id"] == CHILD and items(pack, "subject")[0]["redaction"] is None

    def test_the_contact_its_request_and_the_partners_answer_are_there_opened(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        (contact,) = items(pack, "contacts")
        (request,) = items(pack, "information_requests")
        (answer,) = items(pack, "information_shares")
        assert (contact["id"], value(contact, "concern")) == (worked_on["contact"], CONCERN)
        assert (request["id"], value(request, "contact")) == (worked_on["request"], worked_on["contact"])
        assert (value(answer, "request"), value(answer, "content")) == (worked_on["request"], SHARED)
        (proposal,) = items(pack, "contact_decisions")
        assert (proposal["id"], value(proposal, "contact"), value(proposal, "rationale")) == (
            worked_on["proposal"], worked_on["contact"], RATIONALE,
        )
        assert fields(proposal)["proposed_by"]["value"] == "Sarah Okafor (pro-0001)"
        assert [value(c, "given_by") for c in items(pack, "consents")] == [
            f"{MOTHER.given_name} {MOTHER.family_name} ({MOTHER.id})"
        ]

    def test_the_mash_social_workers_read_on_consent_is_a_disclosure_with_reader_basis_and_time(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        before_production = datetime.now(UTC)

        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        reads = [d for d in items(pack, "disclosures") if value(d, "action") == "network.read"]
        assert [(value(d, "by"), value(d, "basis")) for d in reads] == [("Sarah Okafor (pro-0001)", "CONSENT")]
        (read,) = reads
        assert CHILD in value(read, "about").split(", ")
        assert value(read, "agency").endswith(f"({demo_city.COUNCIL_AGENCY_ID})")
        assert datetime.fromisoformat(value(read, "at")) <= before_production
        assert fields(read)["by"]["redaction"] == "review"
        # The contact's recording and the police answer are disclosures of the child's case too.
        actions = {value(d, "action") for d in items(pack, "disclosures")}
        assert {"consent.recorded", "contact.recorded", "information.requested", "information.shared"} <= actions


class TestTheFamilysWorkbookAndTheOverrides:
    def test_every_version_of_a_workbook_entry_is_there_opened_and_marked_as_the_households_record(
        self, sealed_hub: Hub
    ) -> None:
        first = f"Home visit: {MOTHER.given_name} and all three children seen."
        second = f"Home visit: {MOTHER.given_name} and the two younger children seen; the eldest was at school."
        entry_id = added_id(sealed_hub, demo_city.FS_SOCIAL_WORKER_ID, body=first)
        amended = sealed_hub.graphql(
            demo_city.FS_SOCIAL_WORKER_ID, AMEND, id=entry_id, expected=1, body=second,
        )["amendWorkbookEntry"]
        assert amended["__typename"] == "WorkbookEntry", amended

        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        versions = [v for v in items(pack, "workbook_entries") if value(v, "entry") == entry_id]
        assert [(value(v, "version"), value(v, "body")) for v in versions] == [("1", first), ("2", second)]
        assert {v["redaction"] for v in versions} == {"review"}
        assert all("whole household's record" in v["reasons"][0] for v in versions)
        assert f"mentions {MOTHER.given_name} {MOTHER.family_name}" in fields(versions[0])["body"]["reason"]
        assert value(versions[0], "author") == "Emma Walsh (pro-0016)"

    def test_an_override_requested_for_the_child_is_there_with_its_justification_opened(
        self, sealed_hub: Hub
    ) -> None:
        override_id = request_override(sealed_hub)

        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        (override,) = items(pack, "overrides")
        assert (override["id"], value(override, "status"), value(override, "justification")) == (
            override_id, "REQUESTED", JUSTIFICATION,
        )
        assert fields(override)["requested_by"]["redaction"] == "review"
        assert override_id in {o for d in items(pack, "disclosures") for o in [value(d, "override")] if o}


class TestThirdPartiesAreMarkedForTheDpo:
    def test_a_parent_in_the_childs_relationships_is_marked_for_review_not_removed(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        (mother,) = [r for r in items(pack, "relationships") if value(r, "person_id") == demo_city.DEMO_MOTHER_ID]
        assert value(mother, "name") == f"{MOTHER.given_name} {MOTHER.family_name}"
        assert value(mother, "relationship") == "their parent"
        assert mother["redaction"] == "review"
        assert any("third party" in reason for reason in mother["reasons"])
        # The health visitor's service said so: an agency, named as itself and not a person to redact.
        assert fields(mother)["asserted_by"]["value"].endswith(f"({demo_city.HEALTH_AGENCY_ID})")
        assert fields(mother)["asserted_by"]["redaction"] is None

    def test_free_text_naming_the_mother_and_the_referrers_identity_are_marked(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        contact = fields(items(pack, "contacts")[0])
        assert contact["concern"]["redaction"] == "review"
        assert f"mentions {MOTHER.given_name} {MOTHER.family_name}" in contact["concern"]["reason"]
        assert contact["referrer_name"]["redaction"] == "review"
        assert contact["channel"]["redaction"] is None

    def test_everyone_else_in_the_childs_households_is_marked(
        self, sealed_hub: Hub, worked_on: dict[str, str]
    ) -> None:
        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        members = items(pack, "household_members")
        assert demo_city.DEMO_MOTHER_ID in {value(m, "person_id") for m in members}
        assert CHILD not in {value(m, "person_id") for m in members}
        assert {m["redaction"] for m in members} == {"review"}


class TestTheProductionIsAudited:
    def test_one_event_names_the_administrator_and_the_person(
        self, sealed_hub: Hub, sealed_city_db: Driver, worked_on: dict[str, str]
    ) -> None:
        produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD)

        records, _, _ = sealed_city_db.execute_query(PRODUCED_EVENTS, database_="neo4j")
        assert [(r["actor"], r["targets"]) for r in records] == [(demo_city.ADMINISTRATOR_ID, [CHILD])]

    def test_a_later_pack_lists_the_earlier_production_among_the_disclosures(self, sealed_hub: Hub) -> None:
        produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD)

        pack = pack_of(produce(sealed_hub, demo_city.ADMINISTRATOR_ID, CHILD))

        assert [value(d, "action") for d in items(pack, "disclosures")] == ["subject_access.produced"]


class TestOnlyTheAdministratorProducesAPack:
    @pytest.mark.parametrize("professional", [
        demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID, demo_city.AUDITOR_ID,
        demo_city.POLICE_OFFICER_ID, demo_city.FS_SOCIAL_WORKER_ID,
    ])
    def test_anyone_else_is_refused_alike_for_a_real_and_an_unknown_person_and_nothing_is_recorded(
        self, sealed_hub: Hub, sealed_city_db: Driver, professional: str
    ) -> None:
        real = produce(sealed_hub, professional, CHILD)
        unknown = produce(sealed_hub, professional, UNKNOWN)

        assert real == unknown == {
            "__typename": "NotPermitted", "message": "only an administrator produces a subject access pack",
        }
        records, _, _ = sealed_city_db.execute_query(PRODUCED_EVENTS, database_="neo4j")
        assert records == []

    def test_an_unknown_person_is_refused_as_no_such_person_and_nothing_is_recorded(
        self, sealed_hub: Hub, sealed_city_db: Driver
    ) -> None:
        answer = produce(sealed_hub, demo_city.ADMINISTRATOR_ID, UNKNOWN)

        assert answer == {"__typename": "PersonNotFound", "message": "no such person"}
        records, _, _ = sealed_city_db.execute_query(PRODUCED_EVENTS, database_="neo4j")
        assert records == []
