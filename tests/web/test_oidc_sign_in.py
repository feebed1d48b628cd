"""Signing in at the council's identity provider: the authorization code flow with PKCE, against a
real provider (tests/web/identity_provider.py) served beside the hub, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from neo4j import Driver
from playwright.sync_api import Browser, expect

from config.settings import Settings
from devtools import demo_city
from tests.web.browser import Visitor, visitor
from tests.web.identity_provider import ProviderAndHub, served_with_provider

CLIENT_ID = "safeguarding-hub-pages"
SOCIAL_WORKER = "Sarah Okafor"


@pytest.fixture(scope="module")
def provider_and_hub(session_driver: Driver, web_settings: Settings) -> Iterator[ProviderAndHub]:
    with served_with_provider(session_driver, web_settings, CLIENT_ID) as served:
        yield served


@pytest.fixture
def at_provider(provider_and_hub: ProviderAndHub, sealed_city_db: Driver) -> Iterator[ProviderAndHub]:
    provider = provider_and_hub.provider
    provider.signed_in, provider.wrong_nonce, provider.hold = None, False, False
    provider.authorization_requests.clear()
    provider.token_requests.clear()
    yield provider_and_hub


@pytest.fixture
def browser_at(browser: Browser, at_provider: ProviderAndHub) -> Iterator[Visitor]:
    found = visitor(browser, at_provider.hub.base_url)
    try:
        yield found
    finally:
        found.context.close()


def _start(visit: Visitor, next_page: str = "/") -> None:
    visit.open("/sign-in?" + urlencode({"next": next_page}))
    visit.page.get_by_role("button", name="Sign in with your council account").click()


class TestAuthorizationCodeWithPkce:
    def test_the_provider_signs_the_professional_in_and_the_header_names_them(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID

        _start(browser_at, "/search")

        page = browser_at.page
        page.wait_for_url(at_provider.hub.base_url + "/search")
        expect(page.locator("#signed-in-as")).to_contain_text(f"Signed in as {SOCIAL_WORKER}")
        assert browser_at.problems == []

    def test_the_code_is_asked_for_with_an_s256_challenge_and_redeemed_with_its_verifier(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID

        _start(browser_at)
        browser_at.page.wait_for_url(at_provider.hub.base_url + "/")

        [asked] = at_provider.provider.authorization_requests
        [redeemed] = at_provider.provider.token_requests
        assert asked["response_type"] == "code"
        assert asked["code_challenge_method"] == "S256"
        assert asked["code_challenge"] == create_s256_code_challenge(redeemed["code_verifier"])
        assert asked["nonce"] and asked["state"]
        assert asked["state"] != asked["nonce"]
        # The verifier goes to the provider only from the hub's server, never through the browser.
        assert redeemed["code_verifier"] not in str(asked)

    def test_each_sign_in_sends_a_state_nonce_and_verifier_of_its_own(
        self, browser: Browser, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID
        for _ in range(2):
            one = visitor(browser, at_provider.hub.base_url)
            _start(one)
            one.page.wait_for_url(at_provider.hub.base_url + "/")
            one.context.close()

        first, second = at_provider.provider.authorization_requests
        for name in ("state", "nonce", "code_challenge"):
            assert first[name] != second[name]


class TestRefusals:
    def test_a_callback_with_another_state_is_refused_and_its_code_never_redeemed(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID

        at_provider.provider.hold = True
        _start(browser_at)
        back = urlsplit(browser_at.page.locator("#back").get_attribute("href") or "")
        query = {name: values[0] for name, values in parse_qs(back.query).items()}
        assert query["state"] and query["code"]

        query["state"] = "a-state-this-browser-was-never-sent"
        browser_at.page.goto(urlunsplit(back._replace(query=urlencode(query))))

        page = browser_at.page
        expect(page.locator("#sign-in-message")).to_have_text("Sign-in did not complete. Try again.")
        expect(page.locator("#signed-in-as")).to_have_count(0)
        assert at_provider.provider.token_requests == []

    def test_a_callback_with_no_sign_in_begun_is_refused(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        page = browser_at.open("/sign-in/callback?" + urlencode({"code": "a-code", "state": "a-state"}))

        expect(page.locator("#sign-in-message")).to_have_text("Sign-in did not complete. Try again.")
        assert at_provider.provider.token_requests == []

    def test_an_id_token_with_another_nonce_is_refused(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = demo_city.MASH_SOCIAL_WORKER_ID
        at_provider.provider.wrong_nonce = True

        _start(browser_at)

        page = browser_at.page
        expect(page.locator("#sign-in-message")).to_have_text("Sign-in did not complete. Try again.")
        expect(page.locator("#signed-in-as")).to_have_count(0)
        # The code was redeemed: the refusal is the hub's own check of the ID token.
        assert len(at_provider.provider.token_requests) == 1

    def test_a_subject_the_graph_does_not_know_is_not_signed_in(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        at_provider.provider.signed_in = "someone-who-left"

        _start(browser_at)

        page = browser_at.page
        expect(page.locator("#sign-in-message")).to_have_text("That professional is not known to the hub.")
        expect(page.locator("#signed-in-as")).to_have_count(0)

    def test_a_provider_that_signs_nobody_in_leaves_the_browser_signed_out(
        self, browser_at: Visitor, at_provider: ProviderAndHub
    ) -> None:
        _start(browser_at)

        page = browser_at.page
        expect(page.locator("#sign-in-message")).to_have_text("Sign-in did not complete. Try again.")
        assert at_provider.provider.token_requests == []
