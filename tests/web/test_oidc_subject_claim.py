"""The pages' sign-in names the professional by the claim the API's tokens do (HUB_JWT_SUBJECT_CLAIM),
matched to their external id by the same rule, and the session holds their id in the graph."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, expect

from config.settings import Settings, SubjectClaim
from devtools import demo_city
from tests.api.test_identity_providers import give_external_id
from tests.web.browser import Visitor, visitor
from tests.web.identity_provider import ProviderAndHub, served_with_provider

CLIENT_ID = "safeguarding-hub-pages"
USERNAME = "sarah.okafor"


@pytest.fixture(scope="module")
def by_username(session_driver: Driver, web_settings: Settings) -> Iterator[ProviderAndHub]:
    with served_with_provider(
        session_driver, web_settings, CLIENT_ID, jwt_subject_claim=SubjectClaim.PREFERRED_USERNAME,
    ) as served:
        yield served


@pytest.fixture
def browser_at(
    browser: Browser, by_username: ProviderAndHub, sealed_city_db: Driver
) -> Iterator[Visitor]:
    by_username.provider.signed_in = None
    by_username.provider.usernames.clear()
    found = visitor(browser, by_username.hub.base_url)
    try:
        yield found
    finally:
        found.context.close()


def _start(visit: Visitor) -> None:
    visit.open("/sign-in?" + urlencode({"next": "/search"}))
    visit.page.get_by_role("button", name="Sign in with your council account").click()


def test_the_id_tokens_preferred_username_signs_in_the_professional_with_that_external_id(
    browser_at: Visitor, by_username: ProviderAndHub, sealed_city_db: Driver
) -> None:
    give_external_id(sealed_city_db, demo_city.MASH_SOCIAL_WORKER_ID, USERNAME)
    subject = str(uuid.uuid4())
    by_username.provider.signed_in = subject
    by_username.provider.usernames[subject] = USERNAME

    _start(browser_at)

    page = browser_at.page
    page.wait_for_url(by_username.hub.base_url + "/search")
    # Every page after reads the professional from the session by their id in the graph.
    page.goto(by_username.hub.base_url + "/")
    expect(page.locator("#signed-in-as")).to_contain_text("Signed in as Sarah Okafor")
    assert browser_at.problems == []


def test_a_subject_that_is_a_professionals_id_signs_nobody_in_when_the_username_names_nobody(
    browser_at: Visitor, by_username: ProviderAndHub, sealed_city_db: Driver
) -> None:
    give_external_id(sealed_city_db, demo_city.MASH_SOCIAL_WORKER_ID, USERNAME)
    by_username.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID
    by_username.provider.usernames[demo_city.MASH_SOCIAL_WORKER_ID] = "someone.who.left"

    _start(browser_at)

    page = browser_at.page
    expect(page.locator("#sign-in-message")).to_have_text("That professional is not known to the hub.")
    expect(page.locator("#signed-in-as")).to_have_count(0)
