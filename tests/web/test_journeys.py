"""Journeys through the pages, one professional after another, as the issue tells them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, Page, expect

from api.app import create_app
from config.settings import Settings
from devtools import demo_city, local_neo4j
from tests.web.browser import Served, Visitor, serve, visitor

# A Tuesday at 23:00 in London: out of office hours, when the Emergency Duty Team decides.
NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def night_hub(session_driver: Driver, web_settings: Settings) -> Iterator[Served]:
    app = create_app(web_settings, driver=session_driver, consent_clock=lambda: NIGHT)
    with serve(app, local_neo4j.free_port()) as served:
        yield served


@pytest.fixture
def at_night(night_hub: Served, sealed_city_db: Driver) -> Served:
    return night_hub


def _as(browser: Browser, served: Served, name: str) -> Visitor:
    found = visitor(browser, served.base_url)
    found.sign_in_as(name)
    return found


def _record_police_consent(page: Page, child: str) -> None:
    page.goto(f"/children/{child}/consent")
    page.get_by_label("Emma Marsh").check()
    page.get_by_label("Named agencies (targeted)").check()
    page.get_by_label("Fenbridge Police").check()
    page.get_by_label("What is the information shared for?").fill("MASH enquiry about the family's safety")
    page.get_by_label("How was consent given?").fill("Verbally, by phone")
    page.get_by_role("button", name="Record the consent").click()


class TestConsentRequestAndAnswers:
    def test_consent_a_targeted_request_police_share_and_a_manager_agrees_the_decision(
        self, browser: Browser, served_hub: Served
    ) -> None:
        child = demo_city.DEMO_FAMILY_CHILD_ID
        social_worker = _as(browser, served_hub, "Sarah Okafor")
        page = social_worker.page
        _record_police_consent(page, child)
        expect(page.get_by_text("The consent was recorded.")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="Verbally, by phone")).to_contain_text("Current")
        social_worker.assert_accessible()
        social_worker.screenshot("consent")

        page.goto(f"/contacts/new?child_id={child}")
        page.get_by_label("A professional").check()
        page.get_by_label("Referrer's name").fill("Health visitor")
        page.get_by_label("How did the contact come in?").select_option("Email")
        page.get_by_label("What is the concern?").fill("Mother disclosed fear of her partner at a home visit.")
        page.get_by_label("Amber", exact=True).check()
        page.get_by_label("Consent was given to share information").check()
        page.get_by_role("button", name="Record the contact").click()
        expect(page.get_by_text("The contact was recorded.")).to_be_visible()
        contact_url = page.url.split("?")[0]
        page.get_by_label("Named agencies (targeted)").check()
        page.get_by_label("Fenbridge Police").check()
        page.get_by_label("Consent", exact=True).check()
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_text("The information request was sent.")).to_be_visible()

        police = _as(browser, served_hub, "DC Rob Whitfield")
        police.page.goto("/inbox")
        police.assert_accessible()
        police.page.get_by_role("link", name="Tyler Marsh").first.click()
        police.page.get_by_label("Share information").check()
        police.page.get_by_label("If sharing: what your agency shares").fill("Two call-outs to the address this year.")
        police.page.get_by_label("Fact", exact=True).check()
        police.page.get_by_role("button", name="Send your agency's answer").click()
        expect(police.page.get_by_text("Your agency's answer was shared.")).to_be_visible()
        police.assert_accessible()

        page.goto(contact_url)
        expect(page.get_by_role("cell", name="Two call-outs to the address this year.")).to_be_visible()
        page.get_by_label("Advice to the referrer").check()
        page.get_by_label("Rationale").fill("Police information shows a pattern; advice on safety planning.")
        page.get_by_label("What the referrer is told").fill("Thank you; we have given advice.")
        page.get_by_role("button", name="Propose the decision").click()
        expect(page.get_by_text("Your decision was proposed")).to_be_visible()

        manager = _as(browser, served_hub, "David Hollins")
        manager.page.goto(contact_url)
        manager.page.get_by_role("button", name="Agree the decision").click()
        expect(manager.page.get_by_text("You agreed the decision")).to_be_visible()
        manager.assert_accessible()
        for someone in (social_worker, police, manager):
            someone.context.close()
            assert someone.problems == []


class TestOverrideAtNight:
    def test_edt_records_a_red_contact_the_on_call_manager_approves_an_override_and_police_read_under_it(
        self, browser: Browser, at_night: Served
    ) -> None:
        child = demo_city.DEMO_FAMILY_CHILD_ID
        police = _as(browser, at_night, "DC Rob Whitfield")
        police.page.goto(f"/children/{child}/network")
        expect(police.page.get_by_role("heading", level=1)).not_to_have_text("Tyler Marsh")

        edt = _as(browser, at_night, "Tom Ashworth")
        page = edt.page
        page.goto(f"/contacts/new?child_id={child}")
        page.get_by_label("A professional").check()
        page.get_by_label("Referrer's name").fill("Ambulance crew")
        page.get_by_label("How did the contact come in?").select_option("Phone")
        page.get_by_label("What is the concern?").fill("Child found alone at home at night; mother taken to hospital.")
        page.get_by_label("Red", exact=True).check()
        page.get_by_label("Consent was not sought", exact=True).check()
        page.get_by_label("If consent was not sought, why not?").fill("Mother is in hospital and cannot be asked.")
        page.get_by_role("button", name="Record the contact").click()
        expect(page.get_by_text("The contact was recorded.")).to_be_visible()
        edt.assert_accessible()

        page.goto(f"/children/{child}/overrides/new")
        page.get_by_label("Consent cannot reasonably be obtained").check()
        page.get_by_label("Justification").fill("Mother in hospital tonight; police need to know who is in the home.")
        page.get_by_label("Named agencies (targeted)").check()
        page.get_by_label("Fenbridge Police").check()
        page.get_by_role("button", name="Request the override").click()
        expect(page.get_by_text("The override was requested: a manager decides it.")).to_be_visible()
        edt.assert_accessible()

        manager = _as(browser, at_night, "Angela Brookes")
        manager.page.goto("/")
        manager.page.get_by_role("link", name="All overrides awaiting your decision").click()
        card = manager.page.locator(".govuk-summary-card").filter(has_text="police need to know who is in the home")
        expect(card).to_contain_text("Tom Ashworth")
        manager.assert_accessible()
        manager.screenshot("overrides-awaiting")
        card.get_by_role("link", name="Decide").click()
        manager.page.get_by_label("Approve the override").check()
        manager.page.get_by_label("Note (optional)").fill("Approved for tonight's strategy discussion.")
        manager.page.get_by_role("button", name="Record the decision").click()
        expect(manager.page.get_by_text("You approved the override.")).to_be_visible()
        manager.assert_accessible()

        police.page.goto(f"/children/{child}/network")
        expect(police.page.get_by_text("an approved consent override").first).to_be_visible()
        expect(police.page.get_by_role("heading", level=1)).to_have_text("Tyler Marsh")
        police.assert_accessible()
        for someone in (police, edt, manager):
            someone.context.close()
            assert someone.problems == []


class TestPartnerInbox:
    def test_health_declines_a_request_from_its_inbox_and_it_leaves_what_still_takes_answers(
        self, browser: Browser, served_hub: Served, sealed_city_db: Driver
    ) -> None:
        child = demo_city.DEMO_FAMILY_CHILD_ID
        social_worker = _as(browser, served_hub, "Sarah Okafor")
        page = social_worker.page
        page.goto(f"/children/{child}/consent")
        page.get_by_label("Emma Marsh").check()
        page.get_by_label("All partner agencies (full)").check()
        page.get_by_label("What is the information shared for?").fill("MASH enquiry about the child's health")
        page.get_by_label("How was consent given?").fill("Signed in person")
        page.get_by_role("button", name="Record the consent").click()
        expect(page.get_by_text("The consent was recorded.")).to_be_visible()
        page.goto(f"/contacts/new?child_id={child}")
        page.get_by_label("A professional").check()
        page.get_by_label("Referrer's name").fill("School nurse")
        page.get_by_label("How did the contact come in?").select_option("Email")
        page.get_by_label("What is the concern?").fill("Child has missed three health appointments this term.")
        page.get_by_label("Green", exact=True).check()
        page.get_by_label("Consent was given to share information").check()
        page.get_by_role("button", name="Record the contact").click()
        page.get_by_label("All partner agencies (full)").check()
        page.get_by_label("Consent", exact=True).check()
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_text("The information request was sent.")).to_be_visible()

        health = _as(browser, served_hub, "Fiona Grantham")
        health.page.goto("/")
        health.page.get_by_role("link", name="The whole inbox").click()
        health.assert_accessible()
        health.screenshot("inbox")
        health.page.get_by_role("link", name="Tyler Marsh").first.click()
        health.page.get_by_label("Decline to share, with the reason").check()
        health.page.get_by_label("If declining: why").fill("The records are held by the GP practice, not the trust.")
        health.page.get_by_role("button", name="Send your agency's answer").click()
        expect(health.page.get_by_text("Your agency's decision not to share was recorded.")).to_be_visible()
        health.assert_accessible()

        page.reload()
        expect(page.get_by_text("The records are held by the GP practice, not the trust.")).to_be_visible()
        for someone in (social_worker, health):
            someone.context.close()
            assert someone.problems == []
