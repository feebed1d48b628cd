"""The subject access pack as the service makes it: readable HTML that escapes what the graph
holds, erased content shown as unavailable, and no pack at all when its audit event cannot be
written. Against the sealed demo city, with the real keyring and audit trail."""

from __future__ import annotations

import json
from typing import LiteralString

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from config.settings import Settings
from devtools import demo_city
from graph.grants import BreakGlassReason, BreakGlassRecord
from protection.keyring import ERASED
from services import erasure
from services.composition import Hub, assemble
from services.principal import Principal, PrincipalLookup
from services.refusals import PersonNotFound
from services.subject_access import REVIEW, SubjectAccessPack

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
HOSTILE_NAME = '<script>alert("pack")</script>'
RENAME: LiteralString = "MATCH (p:Person {id: $id}) SET p.given_name = $name"
# An event already holding the next seq: the trail's append then breaks the unique constraint.
BLOCK_NEXT_SEQ: LiteralString = "MATCH (h:AuditHead {name: 'main'}) CREATE (:AuditEvent {seq: h.seq + 1})"
PRODUCED: LiteralString = "MATCH (e:AuditEvent {action: 'subject_access.produced'}) RETURN count(e) AS produced"


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Hub:
    return assemble(test_settings, driver=sealed_city_db)


@pytest.fixture
def administrator(hub: Hub, sealed_city_db: Driver, test_settings: Settings) -> Principal:
    lookup = PrincipalLookup(sealed_city_db, database=test_settings.neo4j_database, policy_sync=hub.policy_sync)
    found = lookup.principal(demo_city.ADMINISTRATOR_ID)
    assert found is not None
    return found


def produce(hub: Hub, administrator: Principal, person_id: str = CHILD) -> SubjectAccessPack | PersonNotFound:
    produced = hub.services.subject_access.produce(administrator, person_id=person_id, request_id="req-sar-1")
    assert isinstance(produced, SubjectAccessPack | PersonNotFound), produced
    return produced


def pack(hub: Hub, administrator: Principal, person_id: str = CHILD) -> SubjectAccessPack:
    produced = produce(hub, administrator, person_id)
    assert isinstance(produced, SubjectAccessPack), produced
    return produced


class TestTheReadableFormEscapesEverything:
    def test_a_name_holding_markup_is_shown_as_text_in_html_and_kept_verbatim_in_json(
        self, hub: Hub, administrator: Principal, sealed_city_db: Driver
    ) -> None:
        sealed_city_db.execute_query(RENAME, id=CHILD, name=HOSTILE_NAME, database_="neo4j")

        produced = pack(hub, administrator)
        page = produced.to_html()

        assert "&lt;script&gt;alert(&quot;pack&quot;)&lt;/script&gt;" in page
        assert "<script" not in page
        subject = json.loads(produced.to_json())["sections"]["subject"]["items"][0]
        assert {f["name"]: f["value"] for f in subject["fields"]}["given_name"] == HOSTILE_NAME

    def test_a_third_partys_name_holding_markup_is_escaped_too(
        self, hub: Hub, administrator: Principal, sealed_city_db: Driver
    ) -> None:
        sealed_city_db.execute_query(RENAME, id=demo_city.DEMO_MOTHER_ID, name=HOSTILE_NAME, database_="neo4j")

        page = pack(hub, administrator).to_html()

        assert "&lt;script&gt;" in page and "<script" not in page

    def test_items_for_review_are_marked_on_the_page(self, hub: Hub, administrator: Principal) -> None:
        produced = pack(hub, administrator)

        relationships = produced.section("relationships").items
        assert relationships and {item.redaction for item in relationships} == {REVIEW}
        assert produced.to_html().count("<strong>for review</strong>") == produced.items_for_review


class TestContentThatCannotBeOpened:
    def test_after_crypto_shredding_the_summaries_are_unavailable_and_the_pack_is_still_produced(
        self, hub: Hub, administrator: Principal, sealed_city_db: Driver, test_settings: Settings
    ) -> None:
        erasure.erase_scope(
            sealed_city_db, keyring=hub.services.keyring, audit_sink=hub.trail, operator=administrator,
            scope_id=CHILD, request_id="req-erase", database="neo4j",
        )

        produced = pack(hub, administrator)

        summaries = [item.field("summary") for item in produced.section("agency_records").items]
        assert summaries
        assert {(f.value, f.unavailable) for f in summaries} == {(None, ERASED)}
        # The erasure itself is an act on the person's data, and is listed as one.
        assert "keys.erased" in {item.value("action") for item in produced.section("disclosures").items}


class TestNoPackWithoutItsAuditEvent:
    def test_when_the_audit_event_cannot_be_written_nothing_is_produced_or_recorded(
        self, hub: Hub, administrator: Principal, sealed_city_db: Driver
    ) -> None:
        sealed_city_db.execute_query(BLOCK_NEXT_SEQ, database_="neo4j")

        with pytest.raises(ConstraintError):
            produce(hub, administrator)

        records, _, _ = sealed_city_db.execute_query(PRODUCED, database_="neo4j")
        assert records[0]["produced"] == 0


class TestAnAdult:
    def test_the_mothers_pack_holds_her_own_records_and_marks_her_children_as_third_parties(
        self, hub: Hub, administrator: Principal
    ) -> None:
        expected = {r.id for r in demo_city.demo_city().records if r.person_id == demo_city.DEMO_MOTHER_ID}

        produced = pack(hub, administrator, demo_city.DEMO_MOTHER_ID)

        assert expected
        assert produced.person_kind == "Adult"
        assert {item.id for item in produced.section("agency_records").items} == expected
        children = [i for i in produced.section("relationships").items if i.value("person_id") == CHILD]
        assert [(i.value("relationship"), i.redaction) for i in children] == [("their child", REVIEW)]
        assert produced.section("contacts").items == ()


class TestAnUnknownPerson:
    def test_is_refused_as_no_such_person(self, hub: Hub, administrator: Principal) -> None:
        assert produce(hub, administrator, "person-999-99") == PersonNotFound()


class TestBreakGlassAndRestrictions:
    def test_the_pack_holds_the_break_glass_on_the_child_opened_and_the_restriction_with_who_is_named(
        self, hub: Hub, administrator: Principal, sealed_city_db: Driver, test_settings: Settings
    ) -> None:
        lookup = PrincipalLookup(sealed_city_db, database=test_settings.neo4j_database, policy_sync=hub.policy_sync)
        worker, manager = lookup.principal(demo_city.FS_SOCIAL_WORKER_ID), lookup.principal(demo_city.CRS_MANAGER_ID)
        assert worker is not None and manager is not None
        explanation = "Called out at night: the child was found alone and no one else was reachable."
        opened = hub.services.grants.break_glass(
            worker, child_id=CHILD, reason=BreakGlassReason.OUT_OF_HOURS_EMERGENCY, explanation=explanation,
            request_id="req-sar-bg",
        )
        assert isinstance(opened, BreakGlassRecord), opened
        hub.services.grants.restrict_child(
            manager, child_id=CHILD, reason="a member of staff's family", named=[demo_city.MASH_SOCIAL_WORKER_ID],
            request_id="req-sar-restrict",
        )

        sections = json.loads(pack(hub, administrator).to_json())["sections"]

        [use] = sections["break_glass"]["items"]
        fields = {f["name"]: f for f in use["fields"]}
        assert use["id"] == opened.id
        assert fields["explanation"]["value"] == explanation and fields["explanation"]["redaction"] == REVIEW
        assert demo_city.FS_SOCIAL_WORKER_ID in fields["opened_by"]["value"]
        [restriction] = sections["restrictions"]["items"]
        named = [f["value"] for f in restriction["fields"] if f["name"] == "named"]
        # The manager who restricts is named on it too.
        assert [value.rsplit("(", 1)[1].rstrip(")") for value in named] == [
            demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID,
        ]
        actions = {
            f["value"] for item in sections["disclosures"]["items"] for f in item["fields"] if f["name"] == "action"
        }
        assert "break_glass.opened" in actions
