"""The retention schedule against the sealed demo city: what is due, what erasing it leaves, and
what it never touches; the dry run changes nothing, a second run finds nothing, and the audit
chain verifies afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from graph import data_key_store
from graph.consent import ConsentRecord, ConsentScope
from graph.contacts import Channel, ConsentPosition, Outcome, ReferrerKind, RequestBasis, RequestScope, Urgency
from graph.retention import Tombstone
from policies.retention import parse_schedule
from services.composition import Hub, assemble
from services.contacts import ContactDetail, ContactInput, Referrer, RequestView, ShareView
from services.erasure import RETENTION_ERASED
from services.integrity import check_integrity
from services.key_material import keyring
from services.paging import Page
from services.principal import Principal, PrincipalLookup
from services.refusals import InvalidInput, NotPermitted
from services.retention import ERASED_ACTION, Method, RetentionService
from tests.graph_state import fingerprint

CHILD_ID = demo_city.DEMO_FAMILY_CHILD_ID
NOW = datetime.now(UTC)


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    assembled = assemble(test_settings, driver=sealed_city_db)
    yield assembled
    assembled.close()


def principal(hub: Hub, professional_id: str) -> Principal:
    found = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync).principal(professional_id)
    assert found is not None
    return found


def operator() -> Principal:
    return Principal(
        professional_id="operator:test", name="test", agency_id="hub-operations", agency_kind="OPERATOR",
        team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    )


def decided_contact(hub: Hub, child_id: str, outcome: Outcome | None, *, decided_years_ago: int = 0) -> tuple[str, str]:
    """A contact recorded through the service and, unless `outcome` is None, decided by a manager;
    its decision then moved back `decided_years_ago` years. Returns its id and its concern."""
    concern = f"CANARY a neighbour heard a child crying late at night [{uuid.uuid4().hex[:8]}]"
    services = hub.services
    recorded = services.contacts.record_contact(principal(hub, demo_city.MASH_SOCIAL_WORKER_ID), ContactInput(
        child_id=child_id, new_child=None,
        referrer=Referrer(kind=ReferrerKind.PUBLIC, name="A neighbour", relationship="lives next door"),
        channel=Channel.TELEPHONE, concern=concern, urgency=Urgency.AMBER, consent_position=ConsentPosition.GIVEN,
        consent_not_sought_reason=None, received_at=None,
    ), request_id="test")
    assert isinstance(recorded, ContactDetail)
    contact_id = recorded.row.id
    if outcome is not None:
        decided = services.contacts.decide_contact(
            principal(hub, demo_city.CRS_MANAGER_ID), contact_id=contact_id, outcome=outcome,
            rationale="CANARY the family is known to universal services and coping",
            response_to_referrer="CANARY thank you: no further action is needed from us", agreed_by=None,
            request_id="test",
        )
        assert isinstance(decided, ContactDetail), decided
    if decided_years_ago:
        hub.driver.execute_query(
            "MATCH (k:Contact {id: $id}) SET k.decided_at = k.decided_at - duration({years: $years})",
            id=contact_id, years=decided_years_ago,
        )
    return contact_id, concern


def read_contact(hub: Hub, contact_id: str) -> ContactDetail:
    found = hub.services.contacts.contact(
        principal(hub, demo_city.MASH_SOCIAL_WORKER_ID), contact_id, request_id="test",
    )
    assert isinstance(found, ContactDetail)
    return found


def make_adult_child(driver: Driver, child_id: str, *, age: int) -> None:
    """The child born `age` years ago, its agency records written ten years ago."""
    driver.execute_query(
        """
        MATCH (c:Person:Child {id: $id}) SET c.dob = date() - duration({years: $age})
        WITH c MATCH (r:AgencyRecord)-[:ABOUT]->(c) SET r.recorded_at = datetime() - duration({years: 10})
        """,
        id=child_id, age=age,
    )


def key_destroyed(driver: Driver, scope_id: str) -> bool:
    with driver.session(database="neo4j") as session:
        stored = session.execute_read(lambda tx: data_key_store.get_data_key(tx, scope_id=scope_id))
    return stored is not None and stored.destroyed


def due_ids(hub: Hub, now: datetime) -> set[tuple[str, str]]:
    return {(item.kind, item.id) for item in hub.services.retention.due(now)}


class TestAContactOfNoFurtherAction:
    def test_decided_four_years_ago_it_is_due_under_its_rule(self, hub: Hub) -> None:
        contact_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)

        due = {item.id: item for item in hub.services.retention.due(NOW)}

        item = due[contact_id]
        assert (item.kind, item.scope_id, item.rule) == ("contact", CHILD_ID, "contact_no_further_action")
        assert item.due_on <= NOW.date() and item.due_on > NOW.date() - timedelta(days=366 + 1)

    def test_erased_its_content_reads_as_erased_not_as_an_error(self, hub: Hub) -> None:
        contact_id, concern = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)

        run = hub.services.retention.erase(NOW, operator(), request_id="test")

        assert contact_id in {tombstone.record_id for tombstone in run.erased}
        detail = read_contact(hub, contact_id)
        assert detail.row.erased_at is not None and detail.row.outcome is Outcome.NO_FURTHER_ACTION
        for field in (detail.concern, detail.rationale, detail.response_to_referrer):
            assert (field.text, field.unavailable) == (None, RETENTION_ERASED)
        assert detail.row.referrer_name is None and detail.row.referrer_relationship is None
        records, _, _ = hub.driver.execute_query(
            "MATCH (k:Contact {id: $id}) RETURN k.concern AS concern, k.rationale AS rationale, "
            "k.response_to_referrer AS response, k.erased_under AS rule",
            id=contact_id,
        )
        assert records[0].data() == {
            "concern": None, "rationale": None, "response": None, "rule": "contact_no_further_action",
        }
        assert concern not in str(fingerprint(hub.driver))

    def test_its_child_keeps_its_key_for_the_records_still_kept(self, hub: Hub) -> None:
        erased_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        kept_id, kept_concern = decided_contact(hub, CHILD_ID, Outcome.FAMILY_SAFEGUARDING, decided_years_ago=4)

        run = hub.services.retention.erase(NOW, operator(), request_id="test")

        erased = {tombstone.record_id: tombstone for tombstone in run.erased}
        assert erased[erased_id].method == Method.FIELDS_REMOVED
        assert kept_id not in erased and CHILD_ID not in erased
        assert not key_destroyed(hub.driver, CHILD_ID)
        assert read_contact(hub, kept_id).concern.text == kept_concern


class TestAnAgencyRecord:
    def test_erased_it_reads_in_the_family_network_as_erased_beside_those_still_kept(self, hub: Hub) -> None:
        # Plans erased as soon as recorded: the front door reads the council's own records.
        plans_at_once = RetentionService(
            hub.driver, database="neo4j", policy=hub.policy, audit_sink=hub.trail, keyring=hub.services.keyring,
            schedule=parse_schedule(b"plans_at_once, agency_record, child_protection_plan, 0, recorded\n"),
        )
        records, _, _ = hub.driver.execute_query("""
            MATCH (r:AgencyRecord {category: 'child_protection_plan'})-[:ABOUT]->(c:Person:Child)
            RETURN r.id AS record_id, c.id AS child_id ORDER BY r.id LIMIT 1
        """)
        plan_id, child_id = records[0]["record_id"], records[0]["child_id"]
        mash = principal(hub, demo_city.MASH_SOCIAL_WORKER_ID)
        before = hub.services.network.family_network(mash, child_id, depth=2, request_id="test")
        assert before is not None
        others = {r.id: r.summary for r in before.records if r.summary and r.category != "child_protection_plan"}

        run = plans_at_once.erase(NOW, operator(), request_id="test")

        assert plan_id in {t.record_id for t in run.erased}
        assert {t.rule for t in run.erased} == {"plans_at_once"}
        after = hub.services.network.family_network(mash, child_id, depth=2, request_id="test")
        assert after is not None
        shown = {record.id: record for record in after.records}
        assert (shown[plan_id].summary, shown[plan_id].summary_unavailable) == (None, RETENTION_ERASED)
        assert others and {record_id: shown[record_id].summary for record_id in others} == others

    def test_loading_the_city_again_brings_no_erased_summary_back(self, hub: Hub, test_settings: Settings) -> None:
        records, _, _ = hub.driver.execute_query("""
            MATCH (r:AgencyRecord)-[:ABOUT]->(:Person:Adult) WITH r ORDER BY r.id LIMIT 1
            SET r.recorded_at = datetime() - duration({years: 7}) RETURN r.id AS id
        """)
        record_id = records[0]["id"]
        hub.services.retention.erase(NOW, operator(), request_id="test")

        demo_city.load(hub.driver, [demo_city.demo_city()], database="neo4j", sealer=keyring(test_settings))

        found, _, _ = hub.driver.execute_query(
            "MATCH (r:AgencyRecord {id: $id}) RETURN r.summary AS summary, r.erased_under AS rule", id=record_id,
        )
        assert found[0].data() == {"summary": None, "rule": "agency_record_summary"}

    def test_an_adults_record_under_a_rule_counted_from_birth_is_kept(self, hub: Hub) -> None:
        records, _, _ = hub.driver.execute_query("""
            MATCH (r:AgencyRecord)-[:ABOUT]->(:Person:Adult) WITH r ORDER BY r.id LIMIT 1
            SET r.category = 'child_protection_plan' RETURN r.id AS id
        """)

        due = hub.services.retention.due(NOW + timedelta(days=365))

        assert records[0]["id"] not in {item.id for item in due}


class TestAPartnersAnswer:
    def test_to_an_erased_contact_it_reads_as_erased_to_the_front_door_and_to_the_partner(self, hub: Hub) -> None:
        services = hub.services
        mash, police = principal(hub, demo_city.MASH_SOCIAL_WORKER_ID), principal(hub, demo_city.POLICE_OFFICER_ID)
        contact_id, _ = decided_contact(hub, CHILD_ID, None)
        consent = services.consent.record_consent(
            mash, child_id=CHILD_ID, giver_id=demo_city.DEMO_MOTHER_ID, scope=ConsentScope.TARGETED,
            agencies=[demo_city.POLICE_AGENCY_ID], purpose="MASH enquiry", method="By telephone", expires_at=None,
            request_id="test",
        )
        assert isinstance(consent, ConsentRecord), consent
        request = services.contacts.request_information(
            mash, contact_id=contact_id, scope=RequestScope.TARGETED, agencies=[demo_city.POLICE_AGENCY_ID],
            basis=RequestBasis.CONSENT, request_id="test",
        )
        assert isinstance(request, RequestView), request
        answer = "CANARY two call-outs to the address this year"
        shared = services.contacts.share_information(
            police, request_to_answer=request.row.id, content=answer, fact_or_opinion="FACT", historic=False,
            request_id="test",
        )
        assert isinstance(shared, ShareView), shared
        decided = services.contacts.decide_contact(
            principal(hub, demo_city.CRS_MANAGER_ID), contact_id=contact_id, outcome=Outcome.NO_FURTHER_ACTION,
            rationale="CANARY no concerns once the police had answered", response_to_referrer="CANARY thank you",
            agreed_by=None, request_id="test",
        )
        assert isinstance(decided, ContactDetail), decided
        hub.driver.execute_query(
            "MATCH (k:Contact {id: $id}) SET k.decided_at = k.decided_at - duration({years: 4})", id=contact_id,
        )

        services.retention.erase(NOW, operator(), request_id="test")

        front_door = services.contacts.information_request(mash, request.row.id, request_id="test")
        assert isinstance(front_door, RequestView)
        inbox = services.worklists.information_request_inbox(police, status=None, first=100, after=None, request_id="t")
        assert isinstance(inbox, Page)
        partner = next(item.request for item in inbox.items if item.request.row.id == request.row.id)
        for view in (front_door, partner):
            (seen,) = view.shares
            assert (seen.content, seen.content_unavailable) == (None, RETENTION_ERASED)
        assert answer not in str(fingerprint(hub.driver))


class TestWhatIsNotYetDue:
    def test_a_contact_decided_today_and_an_open_one_are_untouched(self, hub: Hub) -> None:
        decided_id, decided_concern = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION)
        open_id, open_concern = decided_contact(hub, CHILD_ID, None)

        run = hub.services.retention.erase(NOW, operator(), request_id="test")

        assert not {decided_id, open_id} & {tombstone.record_id for tombstone in run.erased}
        assert read_contact(hub, decided_id).concern.text == decided_concern
        assert read_contact(hub, open_id).concern.text == open_concern

    def test_the_same_contact_is_due_three_years_on(self, hub: Hub) -> None:
        contact_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION)

        assert ("contact", contact_id) not in due_ids(hub, NOW + timedelta(days=365 * 3 - 2))
        assert ("contact", contact_id) in due_ids(hub, NOW + timedelta(days=365 * 3 + 1))


class TestAChildPastTwentyFive:
    def test_its_key_is_shredded_when_everything_under_it_is_due(self, hub: Hub) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        contact_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)

        due = hub.services.retention.due(NOW)
        run = hub.services.retention.erase(NOW, operator(), request_id="test")

        # The scope is listed once; the contact under it goes with it, not apart.
        assert [(item.kind, item.rule) for item in due if item.scope_id == CHILD_ID] == [("child", "child_scope_at_25")]
        shredded = next(tombstone for tombstone in run.erased if tombstone.record_id == CHILD_ID)
        assert (shredded.kind, shredded.method) == ("child", Method.SCOPE_SHREDDED)
        assert key_destroyed(hub.driver, CHILD_ID)
        concern = read_contact(hub, contact_id).concern
        assert concern.text is None and concern.unavailable is not None and "erased" in concern.unavailable

    def test_what_was_never_sealed_goes_with_the_key(self, hub: Hub) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        contact_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        hub.driver.execute_query(
            "MATCH (c:Person:Child {id: $child}) "
            "CREATE (:Consent {id: 'consent-canary', scope: 'FULL', purpose: 'CANARY purpose', "
            "                  method: 'CANARY method', given_at: datetime() - duration({years: 5})})-[:COVERS]->(c) "
            "CREATE (:ConsentOverride {id: 'override-canary', status: 'REJECTED', decision_note: 'CANARY note'})"
            "-[:FOR]->(c)",
            child=CHILD_ID,
        )

        hub.services.retention.erase(NOW, operator(), request_id="test")

        records, _, _ = hub.driver.execute_query(
            "MATCH (c:Person:Child {id: $child}) "
            "RETURN [(k:Contact {id: $contact})-[:CONCERNS]->(c) | k {.referrer_name, .referrer_relationship}][0] "
            "       AS contact, "
            "       [(k:Consent)-[:COVERS]->(c) | k.purpose + ' ' + k.method] AS consents, "
            "       [(o:ConsentOverride)-[:FOR]->(c) | o.decision_note] AS notes",
            child=CHILD_ID, contact=contact_id,
        )
        found = records[0]
        assert found["contact"] == {"referrer_name": None, "referrer_relationship": None}
        assert "CANARY" not in " ".join(found["consents"]) and found["consents"]
        assert found["notes"] == [None] * len(found["notes"]) and found["notes"]

    def test_a_contact_recorded_after_is_refused_not_sealed_under_a_new_key(self, hub: Hub) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        hub.services.retention.erase(NOW, operator(), request_id="test")

        refused = hub.services.contacts.record_contact(principal(hub, demo_city.MASH_SOCIAL_WORKER_ID), ContactInput(
            child_id=CHILD_ID, new_child=None,
            referrer=Referrer(kind=ReferrerKind.PUBLIC, name="anonymous", relationship=None), channel=Channel.TELEPHONE,
            concern="A neighbour is worried", urgency=Urgency.GREEN,
            consent_position=ConsentPosition.GIVEN, consent_not_sought_reason=None, received_at=None,
        ), request_id="test")

        assert refused == InvalidInput("this child's content was erased: nothing can be recorded")
        assert key_destroyed(hub.driver, CHILD_ID)

    def test_an_open_contact_keeps_the_key(self, hub: Hub) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        decided_contact(hub, CHILD_ID, None)

        hub.services.retention.erase(NOW, operator(), request_id="test")

        assert not key_destroyed(hub.driver, CHILD_ID)

    def test_forty_years_on_every_child_and_every_workbook_is_shredded(self, hub: Hub) -> None:
        later = NOW + timedelta(days=365 * 40)

        run = hub.services.retention.erase(later, operator(), request_id="test")

        records, _, _ = hub.driver.execute_query("""
            MATCH (c:Person:Child) WHERE EXISTS { MATCH (:DataKey {scope_id: c.id}) }
            RETURN collect(c.id) AS children,
                   COLLECT { MATCH (w:Workbook) RETURN w.household_id } AS households
        """)
        children, households = records[0]["children"], records[0]["households"]
        assert children and households
        assert all(key_destroyed(hub.driver, scope) for scope in [*children, *households])
        assert {t.kind for t in run.erased} == {"child", "workbook", "agency_record"}
        assert hub.services.retention.due(later) == []


class TestASchedule:
    def test_a_kind_no_rule_covers_is_kept(self, hub: Hub) -> None:
        contact_id, _ = decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        only_contacts = RetentionService(
            hub.driver, database="neo4j", policy=hub.policy, audit_sink=hub.trail, keyring=hub.services.keyring,
            schedule=parse_schedule(b"contact_nfa, contact, NO_FURTHER_ACTION, 3, decided\n"),
        )

        due = only_contacts.due(NOW + timedelta(days=365 * 40))

        assert {(item.kind, item.rule) for item in due} == {("contact", "contact_nfa")}
        assert contact_id in {item.id for item in due}


class TestARun:
    def test_the_dry_run_changes_nothing(self, hub: Hub) -> None:
        decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        before = fingerprint(hub.driver)

        assert hub.services.retention.due(NOW + timedelta(days=365 * 40))

        assert fingerprint(hub.driver) == before

    def test_a_second_run_finds_nothing_and_erases_nothing(self, hub: Hub) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        decided_contact(hub, demo_city.DEMO_YOUNG_CARER_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        first = hub.services.retention.erase(NOW, operator(), request_id="test")
        after_first = fingerprint(hub.driver)

        second = hub.services.retention.erase(NOW, operator(), request_id="test")

        assert first.erased and second.erased == ()
        assert hub.services.retention.due(NOW) == []
        assert fingerprint(hub.driver) == after_first

    def test_each_erasure_is_audited_without_content_and_the_chain_verifies(
        self, hub: Hub, test_settings: Settings
    ) -> None:
        make_adult_child(hub.driver, CHILD_ID, age=26)
        contact_id, concern = decided_contact(
            hub, demo_city.DEMO_YOUNG_CARER_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4,
        )

        run = hub.services.retention.erase(NOW, operator(), request_id="test-retention")

        records, _, _ = hub.driver.execute_query(
            "MATCH (e:AuditEvent {action: $action}) RETURN e.targets AS targets, e.actor AS actor ORDER BY e.seq",
            action=ERASED_ACTION,
        )
        revision = hub.services.retention.schedule.revision
        assert len(records) == len(run.erased)
        assert any(r["targets"][:2] == [contact_id, demo_city.DEMO_YOUNG_CARER_ID] for r in records)
        assert all(
            f"rule:{t.rule}" in r["targets"] and f"schedule:{revision}" in r["targets"]
            and r["actor"] == "operator:test"
            for t, r in zip(run.erased, records, strict=True)
        )
        assert concern not in str([r["targets"] for r in records])
        report = check_integrity(
            hub.driver, database="neo4j", keyring=hub.services.keyring, trail=hub.trail,
        )
        assert report.audit.ok, report.audit.reason


class TestTheErasuresList:
    def test_the_auditor_lists_what_was_erased_newest_first_in_pages(self, hub: Hub) -> None:
        for _ in range(3):
            decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        run = hub.services.retention.erase(NOW, operator(), request_id="test")
        auditor = principal(hub, demo_city.AUDITOR_ID)

        first = hub.services.retention.erasures(auditor, from_at=None, to_at=None, first=2, after=None)
        assert isinstance(first, Page) and first.has_next_page and first.end_cursor
        rest = hub.services.retention.erasures(auditor, from_at=None, to_at=None, first=100, after=first.end_cursor)
        assert isinstance(rest, Page) and not rest.has_next_page

        listed: list[Tombstone] = [*first.items, *rest.items]
        assert sorted(t.id for t in listed) == sorted(t.id for t in run.erased)
        assert [t.erased_at for t in listed] == sorted((t.erased_at for t in listed), reverse=True)
        assert {t.schedule_revision for t in listed} == {hub.services.retention.schedule.revision}

    def test_a_period_before_the_erasures_lists_none(self, hub: Hub) -> None:
        decided_contact(hub, CHILD_ID, Outcome.NO_FURTHER_ACTION, decided_years_ago=4)
        hub.services.retention.erase(NOW, operator(), request_id="test")

        found = hub.services.retention.erasures(
            principal(hub, demo_city.AUDITOR_ID), from_at=NOW - timedelta(days=2), to_at=NOW - timedelta(days=1),
            first=10, after=None,
        )

        assert isinstance(found, Page) and found.items == []

    @pytest.mark.parametrize("professional_id", [
        demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID, demo_city.ADMINISTRATOR_ID,
        demo_city.POLICE_OFFICER_ID,
    ])
    def test_anyone_but_the_auditor_is_refused(self, hub: Hub, professional_id: str) -> None:
        found = hub.services.retention.erasures(
            principal(hub, professional_id), from_at=None, to_at=None, first=10, after=None,
        )

        assert found == NotPermitted("only an auditor may list erasures")

    def test_a_cursor_from_another_list_is_refused(self, hub: Hub) -> None:
        found = hub.services.retention.erasures(
            principal(hub, demo_city.AUDITOR_ID), from_at=None, to_at=None, first=10, after="bm90LWEtY3Vyc29y",
        )

        assert isinstance(found, InvalidInput)
