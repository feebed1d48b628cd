"""A browser session ends after the idle timeout without a request, and at the absolute limit
however busy it is: the pages over a session clock the test moves, never a sleep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from neo4j import Driver

import web
from config.settings import Settings
from devtools import demo_city
from services.composition import assemble
from services.principal import PrincipalLookup

START = 1_800_000_000.0
MINUTE = 60.0
HOUR = 60 * MINUTE


@dataclass
class SessionClock:
    now: float = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Browser:
    client: TestClient
    clock: SessionClock

    def signed_in(self) -> bool:
        answer = self.client.get("/", follow_redirects=False)
        return answer.status_code == 200 and 'id="signed-in-as"' in answer.text


@pytest.fixture
def browser(sealed_city_db: Driver, web_settings: Settings) -> Iterator[Browser]:
    clock = SessionClock()
    hub = assemble(web_settings, driver=sealed_city_db)
    app = FastAPI()
    principals = PrincipalLookup(hub.driver, database=web_settings.neo4j_database, policy_sync=hub.policy_sync)
    web.mount(app, hub, principals=principals, request_id=lambda: "session-timeout-test", session_clock=clock)
    with TestClient(app) as client:
        page = client.get("/sign-in")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/sign-in/development", data={
            "csrf_token": token, "professional_id": demo_city.MASH_SOCIAL_WORKER_ID, "next": "/",
        }, follow_redirects=False)
        yield Browser(client, clock)
    hub.close()


class TestIdleTimeout:
    def test_a_request_within_the_idle_timeout_keeps_the_session(self, browser: Browser) -> None:
        browser.clock.now += 29 * MINUTE

        assert browser.signed_in()

    def test_thirty_minutes_and_more_without_a_request_end_the_session(self, browser: Browser) -> None:
        assert browser.signed_in()

        browser.clock.now += 30 * MINUTE + 1

        answer = browser.client.get("/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")

    def test_each_request_starts_the_idle_timeout_again(self, browser: Browser) -> None:
        for _ in range(3):
            browser.clock.now += 25 * MINUTE
            assert browser.signed_in()


class TestAbsoluteTimeout:
    def test_a_session_in_use_all_day_ends_after_ten_hours(self, browser: Browser) -> None:
        while browser.clock.now + 20 * MINUTE - START <= 10 * HOUR:
            browser.clock.now += 20 * MINUTE
            assert browser.signed_in()

        browser.clock.now += 20 * MINUTE

        assert not browser.signed_in()
