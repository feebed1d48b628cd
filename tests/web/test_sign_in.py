"""Signing in during development: the picker lists the demo city's professionals, and home shows who is in."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.browser import Visitor


class TestDevelopmentSignIn:
    def test_the_picker_lists_professionals_by_name_role_and_team(self, visit: Visitor) -> None:
        page = visit.open("/sign-in")

        row = page.get_by_role("row").filter(has_text="Sarah Okafor")
        expect(row).to_contain_text("MASH social worker")
        expect(row).to_contain_text("Children's Resource Service: MASH")
        visit.assert_accessible()
        visit.screenshot("sign-in")

    def test_signed_in_the_header_names_the_professional_role_team_and_agency(self, visit: Visitor) -> None:
        page = visit.sign_in_as("Sarah Okafor")

        expect(page.locator("#signed-in-as")).to_have_text(
            "Signed in as Sarah Okafor, MASH social worker, Children's Resource Service: MASH, "
            "Fenbridge City Council Children's Services"
        )
        visit.assert_accessible()
        visit.screenshot("home-mash-social-worker")
