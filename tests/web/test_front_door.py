"""The front door in a browser: recording a contact (errors in the summary, nothing typed lost),
the queue with its RAG tags and filters, and a contact with its requests and decision."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.browser import Visitor

SOCIAL_WORKER = "Sarah Okafor"


def record_new_child_contact(page: Page, *, given: str, family: str, concern: str, urgency: str = "Red") -> None:
    page.goto("/contacts/new")
    page.get_by_label("A child new to the hub").check()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("A professional").check()
    page.get_by_label("Referrer's name").fill("Ms J Head, Millfield Primary")
    page.get_by_label("How did the contact come in?").select_option("Phone")
    page.get_by_label("What is the concern?").fill(concern)
    page.get_by_label(urgency, exact=True).check()
    page.get_by_label("Consent was given to share information").check()
    page.get_by_role("button", name="Record the contact").click()


class TestRecordingAContact:
    def test_missing_answers_are_listed_in_the_error_summary_and_nothing_typed_is_lost(self, visit: Visitor) -> None:
        page = visit.sign_in_as(SOCIAL_WORKER)
        page.goto("/contacts/new")
        page.get_by_label("A child new to the hub").check()
        page.get_by_label("Given name").fill("Ruby")
        page.get_by_label("What is the concern?").fill("Bruising seen on the arm at breakfast club.")
        page.get_by_role("button", name="Record the contact").click()

        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("There is a problem")
        expect(summary.get_by_role("link", name="Enter the child's family name")).to_be_visible()
        expect(summary.get_by_role("link", name="Select the urgency")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^Error: Record a contact"))
        expect(page.get_by_label("Given name")).to_have_value("Ruby")
        expect(page.get_by_label("What is the concern?")).to_have_value("Bruising seen on the arm at breakfast club.")
        visit.assert_accessible()
        visit.screenshot("record-contact-errors")

    def test_a_recorded_contact_opens_with_its_concern_and_joins_the_queue(self, visit: Visitor) -> None:
        page = visit.sign_in_as(SOCIAL_WORKER)

        record_new_child_contact(page, given="Ivy", family="Marchbank", concern="Child left alone overnight.")

        expect(page.get_by_text("The contact was recorded.")).to_be_visible()
        expect(page.get_by_role("heading", name="Contact about Ivy Marchbank")).to_be_visible()
        expect(page.locator("#concern-text")).to_have_text("Child left alone overnight.")
        visit.assert_accessible()
        page.goto("/queue?urgency=RED")
        row = page.get_by_role("row").filter(has_text="Ivy Marchbank")
        expect(row).to_contain_text("Red")
        expect(row).to_contain_text("left")
        visit.assert_accessible()
        visit.screenshot("queue")


class TestTheQueue:
    def test_a_partner_officer_is_told_the_queue_is_not_theirs(self, visit: Visitor) -> None:
        page = visit.sign_in_as("DC Rob Whitfield")

        response = page.goto("/queue")

        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", name="The front door queue")).to_be_visible()
