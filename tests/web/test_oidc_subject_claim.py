"""The pages' sign-in names the professional by the claim the API's tokens do (HUB_JWT_SUBJECT_CLAIM),
matched to their external id by the same rule, and the session holds their id in the graph."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, expect

from api.app import create_app
from config.settings import Settings, SubjectClaim
from devtools import demo_city, local_neo4j
from tests.api.test_identity_providers import give_external_id
from tests.web.browser import Served, Visitor, serve, visitor
from tests.web.identity_provider import Client, IdentityProvider

CLIENT_ID = "safeguarding-hub-pages"
USERNAME = "sarah.okafor"


@dataclass
class SignInByUsername:
    provider: IdentityProvider
    hub: Served


@pytest.fixture(scope="module")
def by_username(session_driver: Driver, web_settings: Settings) -> Iterator[SignInByUsername]:
    provider_port, hub_port = local_neo4j.free_port(), local_neo4j.free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    callback = f"http://127.0.0.1:{hub_port}/sign-in/callback"
    provider = IdentityProvider(issuer, Client(CLIENT_ID, callback))
    settings = web_settings.model_copy(update={
        "jwt_issuer": issuer, "oidc_client_id": CLIENT_ID, "oidc_redirect_url": callback,
        "jwt_subject_claim": SubjectClaim.PREFERRED_USERNAME,
    })
    with serve(provider.app, provider_port), serve(create_app(settings, driver=session_driver), hub_port) as hub:
        yield SignInByUsername(provider, hub)


@pytest.fixture
def browser_at(
    browser: Browser, by_username: SignInByUsername, sealed_city_db: Driver
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
    browser_at: Visitor, by_username: SignInByUsername, sealed_city_db: Driver
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
    browser_at: Visitor, by_username: SignInByUsername, sealed_city_db: Driver
) -> None:
    give_external_id(sealed_city_db, demo_city.MASH_SOCIAL_WORKER_ID, USERNAME)
    by_username.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID
    by_username.provider.usernames[demo_city.MASH_SOCIAL_WORKER_ID] = "someone.who.left"

    _start(browser_at)

    page = browser_at.page
    expect(page.locator("#sign-in-message")).to_have_text("That professional is not known to the hub.")
    expect(page.locator("#signed-in-as")).to_have_count(0)
