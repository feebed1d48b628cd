"""Finding people and a child's family network in a browser, as each role may see them."""

from __future__ import annotations

from playwright.sync_api import expect

from devtools import demo_city
from tests.web.browser import Visitor


class TestSearch:
    def test_a_misspelt_name_finds_the_child_and_leads_to_the_network(self, visit: Visitor) -> None:
        page = visit.sign_in_as("Sarah Okafor")
        page.goto("/search")
        page.get_by_label("Name").fill("Jaymie Pickerin")
        page.get_by_role("button", name="Search").click()

        expect(page.get_by_role("table")).to_be_visible()
        visit.assert_accessible()
        visit.screenshot("search")

    def test_an_empty_search_is_an_error_in_the_summary(self, visit: Visitor) -> None:
        page = visit.sign_in_as("Sarah Okafor")
        page.goto("/search?name=")

        expect(page.get_by_role("alert")).to_contain_text("Enter a name to search for")
        visit.assert_accessible()


class TestTheNetworkDrawn:
    def test_the_front_door_sees_the_network_drawn_with_its_table(self, visit: Visitor) -> None:
        page = visit.sign_in_as("Sarah Okafor")
        page.goto(f"/children/{demo_city.DEMO_FAMILY_CHILD_ID}/network")

        drawing = page.locator("#network-drawing")
        expect(drawing).to_be_visible()
        expect(drawing).to_have_attribute("data-drawn", str(page.locator("[id^=person-]").count()))
        expect(page.locator("#relationships")).to_contain_text("Parent of")
        expect(page.get_by_role("link", name="Why can I see this?").first).to_be_visible()
        visit.assert_accessible()
        visit.screenshot("network")

    def test_a_partner_without_a_basis_learns_only_which_agencies_know_the_child(self, visit: Visitor) -> None:
        page = visit.sign_in_as("DC Rob Whitfield")
        response = page.goto(f"/children/{demo_city.DEMO_FAMILY_CHILD_ID}/network")

        assert response is not None
        if response.status == 200:
            expect(page.get_by_text("Withheld:").first).to_be_visible()
            expect(page.locator("#network-drawing")).to_have_count(0)
        visit.assert_accessible()
