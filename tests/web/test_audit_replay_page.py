"""The auditor's replay page in a browser: reached from the audit review, it answers "what could
the police officer see of this child at that moment, and why" for a moment while a consent
stood, shows errors in the GOV.UK summary with what was typed kept, passes axe, and reads as
not found to anyone who may not review."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect

from config.settings import Settings
from devtools import demo_city
from graph.consent import ConsentRecord, ConsentScope
from graph.values import to_python
from services.composition import assemble
from services.policy import load_policy
from services.principal import PrincipalLookup
from tests.web.browser import Visitor
from web import labels

AUDITOR = "Janet Colborne"
REQUESTER = "Sarah Okafor"
# A child with a parent who may consent for them, that no other browser test works with.
CHILD = """
MATCH (:Adult)-[:PARENT_OF {parental_responsibility: true}]->(c:Child)
WITH DISTINCT c ORDER BY c.id SKIP 40 LIMIT 1
MATCH (parent:Adult)-[:PARENT_OF {parental_responsibility: true}]->(c)
RETURN c.id AS child_id, min(parent.id) AS parent_id
"""


@dataclass(frozen=True)
class Replayed:
    child_id: str
    consent_id: str
    during: datetime


@pytest.fixture(scope="module")
def replayed(served_hub: object, session_driver: Driver, web_settings: Settings) -> Iterator[Replayed]:
    """A police-targeted consent given and withdrawn, with a moment noted while it stood."""
    hub = assemble(web_settings, driver=session_driver)
    load_policy(session_driver, hub.policy, database="neo4j", loaded_by="replay-page-test")
    # The page asks to the minute: the policy and the consent are put a few minutes back, so a
    # whole minute lies inside the consent's life with the policy already in force.
    session_driver.execute_query(
        "MATCH (:PolicyState {id: 'current'})-[l:LOADED {by: 'replay-page-test'}]->() "
        "SET l.at = l.at - duration({minutes: 10})"
    )
    social_worker = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync).principal(
        demo_city.MASH_SOCIAL_WORKER_ID
    )
    assert social_worker is not None
    records, _, _ = session_driver.execute_query(CHILD)
    child_id, parent_id = records[0]["child_id"], records[0]["parent_id"]
    given = hub.services.consent.record_consent(
        social_worker, child_id=child_id, giver_id=parent_id, scope=ConsentScope.TARGETED,
        agencies=[demo_city.POLICE_AGENCY_ID], purpose="MASH enquiry", method="by telephone", expires_at=None,
        request_id="replay-page-test",
    )
    assert isinstance(given, ConsentRecord)
    session_driver.execute_query(
        "MATCH (k:Consent {id: $id}) SET k.given_at = k.given_at - duration({minutes: 5}), "
        "k.recorded_at = k.recorded_at - duration({minutes: 5})", id=given.id
    )
    now, _, _ = session_driver.execute_query("RETURN datetime() - duration({minutes: 2}) AS at")
    during: datetime = to_python(now[0]["at"])
    hub.services.consent.withdraw_consent(social_worker, consent_id=given.id, request_id="replay-page-test")
    yield Replayed(child_id, given.id, during)
    hub.close()


def ask(page: Page, *, professional: str, child: str, at: datetime | None) -> None:
    page.get_by_label("Professional's staff id").fill(professional)
    page.get_by_label("Child's id").fill(child)
    if at is not None:
        local = at.astimezone(labels.LONDON)
        page.get_by_label("Day").fill(str(local.day))
        page.get_by_label("Month").fill(str(local.month))
        page.get_by_label("Year").fill(str(local.year))
        page.get_by_label("Time, in UK time").fill(local.strftime("%H:%M"))
    page.get_by_role("button", name="Replay").click()


class TestTheReplayPage:
    def test_the_auditor_sees_the_officer_could_read_under_the_consent_at_that_moment(
        self, visit: Visitor, replayed: Replayed
    ) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.get_by_role("link", name="Audit review").click()
        page.get_by_role("navigation", name="Audit review").get_by_role("link", name="Who could see what").click()

        ask(page, professional=demo_city.POLICE_OFFICER_ID, child=replayed.child_id, at=replayed.during)

        expect(page.get_by_role("heading", name="Who could see what", exact=True)).to_be_visible()
        summary = page.locator(".govuk-summary-list")
        expect(summary).to_contain_text("Consent")
        expect(summary).to_contain_text(replayed.consent_id)
        expect(summary).to_contain_text("Police")
        expect(page.get_by_label("Child's id")).to_have_value(replayed.child_id)
        visit.assert_accessible()
        visit.screenshot("audit-replay")

    def test_errors_are_summarised_and_what_was_typed_is_kept(self, visit: Visitor, replayed: Replayed) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.goto("/audit/replay")

        ask(page, professional="", child=replayed.child_id, at=None)

        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Enter the professional's staff id")
        expect(summary).to_contain_text("The date must be a real date")
        expect(summary).to_contain_text("The time must be a 24-hour time")
        expect(page.get_by_label("Child's id")).to_have_value(replayed.child_id)
        visit.assert_accessible()

    def test_a_moment_to_come_is_refused_in_words(self, visit: Visitor, replayed: Replayed) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.goto("/audit/replay?professional=pro-0006&child=" + replayed.child_id
                  + "&at-day=1&at-month=1&at-year=2999&at-time=10:00")

        expect(page.locator(".govuk-error-summary")).to_contain_text("The date and time must be in the past")

    def test_a_date_past_the_calendar_is_an_error_on_the_page_not_a_server_error(
        self, visit: Visitor, replayed: Replayed
    ) -> None:
        page = visit.sign_in_as(AUDITOR)

        response = page.goto(f"/audit/replay?professional=pro-0006&child={replayed.child_id}"
                             "&at-day=1&at-month=1&at-year=99999999999999999999&at-time=99999999999999999999:00")

        assert response is not None and response.status == 400
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("The date must be a real date")
        expect(summary).to_contain_text("The time must be a 24-hour time")
        erasures = page.goto("/audit/erasures?to-day=31&to-month=12&to-year=9999")
        assert erasures is not None and erasures.status == 400

    def test_reads_as_not_found_to_a_professional_who_may_not_review(
        self, visit: Visitor, replayed: Replayed
    ) -> None:
        page = visit.sign_in_as(REQUESTER)

        response = page.goto(f"/audit/replay?professional=pro-0006&child={replayed.child_id}")

        assert response is not None and response.status == 404
        assert replayed.consent_id not in visit.source()
