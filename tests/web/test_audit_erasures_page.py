"""The auditor's erasures page in a browser: reached from the audit review's own navigation, it
lists what the retention schedule erased with its rule and how, with axe on the page, no word of
the erased content in its source, and reads as not found to anyone who may not review."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from neo4j import Driver
from playwright.sync_api import expect

from config.settings import Settings
from devtools import demo_city
from graph.contacts import Channel, ConsentPosition, Outcome, ReferrerKind, Urgency
from policies.retention import parse_schedule
from services.composition import assemble
from services.contacts import ContactDetail, ContactInput, Referrer
from services.principal import Principal, PrincipalLookup
from services.retention import RetentionService
from tests.web.browser import Visitor

AUDITOR = "Janet Colborne"
REQUESTER = "Sarah Okafor"
# The browser tests share one hub: a schedule of this one rule erases this test's contact and
# nothing another test reads.
ONE_RULE = b"contact_no_further_action, contact, NO_FURTHER_ACTION, 3, decided\n"


@dataclass(frozen=True)
class Erased:
    contact_id: str
    concern: str


@pytest.fixture(scope="module")
def erased(served_hub: object, session_driver: Driver, web_settings: Settings) -> Iterator[Erased]:
    hub = assemble(web_settings, driver=session_driver)
    lookup = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync)

    def principal(professional_id: str) -> Principal:
        found = lookup.principal(professional_id)
        assert found is not None
        return found

    records, _, _ = session_driver.execute_query("MATCH (c:Person:Child) RETURN c.id AS id ORDER BY c.id DESC LIMIT 1")
    concern = f"CANARY the school saw bruising on the child's arm [{uuid.uuid4().hex[:10]}]"
    recorded = hub.services.contacts.record_contact(principal(demo_city.MASH_SOCIAL_WORKER_ID), ContactInput(
        child_id=records[0]["id"], new_child=None,
        referrer=Referrer(kind=ReferrerKind.PUBLIC, name="A neighbour", relationship=None),
        channel=Channel.TELEPHONE, concern=concern, urgency=Urgency.GREEN, consent_position=ConsentPosition.GIVEN,
        consent_not_sought_reason=None, received_at=None,
    ), request_id="test")
    assert isinstance(recorded, ContactDetail)
    decided = hub.services.contacts.decide_contact(
        principal(demo_city.CRS_MANAGER_ID), contact_id=recorded.row.id, outcome=Outcome.NO_FURTHER_ACTION,
        rationale="CANARY known to universal services, coping well", response_to_referrer="CANARY thank you",
        agreed_by=None, request_id="test",
    )
    assert isinstance(decided, ContactDetail)
    session_driver.execute_query(
        "MATCH (k:Contact {id: $id}) SET k.decided_at = k.decided_at - duration({years: 4})", id=recorded.row.id,
    )
    retention = RetentionService(
        session_driver, database="neo4j", policy=hub.policy, audit_sink=hub.trail, keyring=hub.services.keyring,
        schedule=parse_schedule(ONE_RULE),
    )
    run = retention.erase(datetime.now(UTC), Principal(
        professional_id="operator:retention-test", name="retention-test", agency_id="hub-operations",
        agency_kind="OPERATOR", team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    ), request_id="test")
    assert recorded.row.id in {tombstone.record_id for tombstone in run.erased}
    yield Erased(recorded.row.id, concern)
    hub.close()


class TestTheErasuresPage:
    def test_the_auditor_finds_the_erasure_from_the_review_with_its_rule_and_how(
        self, visit: Visitor, erased: Erased
    ) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.get_by_role("link", name="Audit review").click()
        page.get_by_role("navigation", name="Audit review").get_by_role("link", name="Erasures").click()

        expect(page.get_by_role("heading", name="Erasures", exact=True)).to_be_visible()
        row = page.get_by_role("row").filter(has_text=erased.contact_id)
        expect(row).to_contain_text("A contact")
        expect(row).to_contain_text("contact_no_further_action")
        expect(row).to_contain_text("Content removed")
        expect(row).to_contain_text("operator:retention-test")
        assert erased.concern not in visit.source()
        visit.assert_accessible()

    def test_a_period_with_no_erasures_says_so(self, visit: Visitor, erased: Erased) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.goto("/audit/erasures?from-day=1&from-month=1&from-year=2090")

        expect(page.get_by_text("Nothing was erased in this period.")).to_be_visible()
        visit.assert_accessible()

    def test_reads_as_not_found_to_a_professional_who_may_not_review(self, visit: Visitor, erased: Erased) -> None:
        page = visit.sign_in_as(REQUESTER)

        response = page.goto("/audit/erasures")

        assert response is not None and response.status == 404
        assert erased.contact_id not in visit.source()
