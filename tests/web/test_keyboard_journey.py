"""One journey with the keyboard alone: a MASH social worker signs in on the development sign-in
page, searches for a child, opens the family network and records a contact, pressing only Tab,
Shift+Tab, Enter, Space and the arrow keys, and typing. Nothing is clicked or filled in.

On every page the skip link is the first Tab stop (on the recorded contact, the success banner
has the focus on arrival instead, as GOV.UK Frontend gives it), each control reached shows the
GOV.UK focus style (the focus yellow as an outline, a box shadow or a background, on the control
or, for a radio, on its label's circle), and axe-core finds no WCAG 2.2 A or AA failure.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from devtools import demo_city
from graph.model import Person, PersonKind
from tests.web.browser import Visitor

SOCIAL_WORKER = "Sarah Okafor"
# $govuk-focus-colour, as the browser computes it.
FOCUS_COLOUR = "rgb(255, 221, 0)"
MOST_PRESSES = 60

_IS_FOCUSED = "element => element === document.activeElement"
_FOCUSED = """() => {
  const element = document.activeElement;
  return element ? element.outerHTML.slice(0, 160) : "nothing";
}"""
# The styles that can show focus: the element's own, and for a radio or checkbox (the input
# itself is invisible) its label's ::before, where GOV.UK Frontend draws the circle or box.
_FOCUS_STYLES = """() => {
  const element = document.activeElement;
  const styles = [getComputedStyle(element)];
  if (element.matches("input[type=radio], input[type=checkbox]")) {
    for (const label of element.labels) { styles.push(getComputedStyle(label, "::before")); }
  }
  return styles.map(style => ({
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    boxShadow: style.boxShadow,
    background: style.backgroundColor,
  }));
}"""


def focused(page: Page) -> str:
    described: str = page.evaluate(_FOCUSED)
    return described


def assert_focus_visible(page: Page, what: str) -> None:
    styles: list[dict[str, Any]] = page.evaluate(_FOCUS_STYLES)
    shown = any(
        FOCUS_COLOUR in style["boxShadow"] or FOCUS_COLOUR in style["background"]
        or (FOCUS_COLOUR in style["outline"] and not style["outline"].startswith("none"))
        for style in styles
    )
    assert shown, f"focus on {what} is not visible: {styles} ({focused(page)})"


def tab_to(page: Page, target: Locator, *, backwards: bool = False, most: int = MOST_PRESSES) -> int:
    """Presses Tab (or Shift+Tab) until `target` has the focus, then checks the focus shows;
    returns how many presses it took. Fails, saying where the focus went, after `most` presses."""
    key = "Shift+Tab" if backwards else "Tab"
    expect(target).to_have_count(1)
    for presses in range(most + 1):
        if target.evaluate(_IS_FOCUSED):
            assert_focus_visible(page, str(target))
            return presses
        if presses < most:
            page.keyboard.press(key)
    raise AssertionError(f"{most} presses of {key} did not reach {target}; the focus is on {focused(page)}")


def assert_skip_link_first(page: Page) -> None:
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate(_IS_FOCUSED), f"the first Tab stop is {focused(page)}, not the skip link"
    assert_focus_visible(page, "the skip link")


def a_child_to_find() -> Person:
    """The first child of the demo city, outside the demo family, whose name no one else has."""
    city = demo_city.demo_city()
    demo_family = demo_city.DEMO_MOTHER_ID.rsplit("-", 1)[0] + "-"
    names = Counter((person.given_name, person.family_name) for person in city.people)
    return next(
        person for person in sorted(city.people, key=lambda person: person.id)
        if person.kind is PersonKind.CHILD and not person.id.startswith(demo_family)
        and names[(person.given_name, person.family_name)] == 1
    )


def sign_in(visit: Visitor, name: str) -> Page:
    page = visit.open("/sign-in")
    assert_skip_link_first(page)
    # The skip link takes the focus to the page's main content.
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    visit.assert_accessible()
    tab_to(page, page.get_by_role("button", name=f"Sign in as {name}", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url(visit.base_url + "/")
    return page


def open_the_network(visit: Visitor, page: Page, name: str) -> None:
    assert_skip_link_first(page)
    visit.assert_accessible()
    tab_to(page, page.get_by_label("Find a child or adult by name"))
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{visit.base_url}/search?*")
    expect(page.get_by_role("table")).to_be_visible()

    assert_skip_link_first(page)
    visit.assert_accessible()
    # The visually hidden words are positioned apart, so the name has a space before them.
    tab_to(page, page.get_by_role("link", name=re.compile(rf"^{re.escape(name)}\s*: family network$")))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{visit.base_url}/children/*/network")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_skip_link_first(page)
    visit.assert_accessible()


def record_a_contact(visit: Visitor, page: Page, name: str, concern: str) -> None:
    tab_to(page, page.get_by_role("link", name=f"Record a contact about {name}", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{visit.base_url}/contacts/new?*")
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    assert_skip_link_first(page)
    visit.assert_accessible()

    expect(page.get_by_label(f"This child: {name}")).to_be_checked()
    tab_to(page, page.get_by_label("A professional", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_label("A professional", exact=True)).to_be_checked()
    tab_to(page, page.get_by_label("Referrer's name"))
    page.keyboard.type("Ms J Head, Millfield Primary")
    channel = page.get_by_label("How did the contact come in?")
    tab_to(page, channel)
    for _ in range(10):
        if channel.input_value() == "EMAIL":
            break
        page.keyboard.press("ArrowDown")
    expect(channel).to_have_value("EMAIL")
    tab_to(page, page.get_by_label("What is the concern?"))
    page.keyboard.type(concern)
    # Into the urgency radios on the first, Red; the arrow key moves the choice to Amber.
    tab_to(page, page.get_by_label("Red", exact=True))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Amber", exact=True)).to_be_checked()
    assert_focus_visible(page, "the Amber radio")
    tab_to(page, page.get_by_label("Consent was given to share information"))
    page.keyboard.press("Space")
    expect(page.get_by_label("Consent was given to share information")).to_be_checked()
    # Back up to the concern with Shift+Tab, past the radios: nothing typed was lost.
    tab_to(page, page.get_by_label("What is the concern?"), backwards=True)
    expect(page.get_by_label("What is the concern?")).to_have_value(concern)
    tab_to(page, page.get_by_role("button", name="Record the contact"))
    page.keyboard.press("Enter")


class TestAContactRecordedWithTheKeyboardAlone:
    def test_sign_in_search_open_the_network_and_record_a_contact_without_a_pointer(self, visit: Visitor) -> None:
        child = a_child_to_find()
        name = f"{child.given_name} {child.family_name}"
        concern = f"Teacher saw {child.given_name} flinch when an adult raised a hand; bruise on the wrist."

        page = sign_in(visit, SOCIAL_WORKER)
        open_the_network(visit, page, name)
        record_a_contact(visit, page, name, concern)
        page.wait_for_url(f"{visit.base_url}/contacts/contact-*?recorded=1")

        expect(page.get_by_text("The contact was recorded.")).to_be_visible()
        expect(page.get_by_role("heading", name=f"Contact about {name}")).to_be_visible()
        expect(page.locator("#concern-text")).to_have_text(concern)
        # A success banner takes the focus on arrival, so that it is read out first.
        expect(page.locator(".govuk-notification-banner")).to_be_focused()
        assert_focus_visible(page, "the success banner")
        visit.assert_accessible()
        visit.screenshot("contact")


class TestTheKeyboardChecks:
    def test_fail_where_no_focus_is_shown_and_where_tab_does_not_reach_the_control(self, visit: Visitor) -> None:
        page = visit.open("/sign-in")

        with pytest.raises(AssertionError, match="is not visible"):
            assert_focus_visible(page, "the page itself")
        with pytest.raises(AssertionError, match="2 presses of Tab did not reach"):
            tab_to(page, page.get_by_role("button", name=f"Sign in as {SOCIAL_WORKER}", exact=True), most=2)
