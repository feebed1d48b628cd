"""One seeded hub served over HTTP and one Chromium for every browser test of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, sync_playwright

from api.app import create_app
from config.settings import Settings
from devtools import demo_city, local_neo4j
from graph import migrations
from services.key_material import keyring
from tests.conftest import MIGRATIONS_DIR
from tests.web.browser import Served, Visitor, chromium, serve, visitor


def seed(driver: Driver, settings: Settings) -> None:
    with driver.session(database="neo4j") as session:
        session.run(
            "MATCH (n) WHERE NOT n:__Neo4jMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    migrations.migrate(driver, MIGRATIONS_DIR, database="neo4j")
    # Summaries sealed with the keys the hub under test opens them with, as `hub seed` does.
    demo_city.load(driver, [demo_city.demo_city()], database="neo4j", sealer=keyring(settings))


@pytest.fixture(scope="session")
def web_settings(test_settings: Settings) -> Settings:
    return test_settings


@pytest.fixture(scope="session")
def served_hub(session_driver: Driver, web_settings: Settings) -> Iterator[Served]:
    seed(session_driver, web_settings)
    with serve(create_app(web_settings, driver=session_driver), local_neo4j.free_port()) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright, chromium(playwright) as launched:
        yield launched


@pytest.fixture
def visit(browser: Browser, served_hub: Served) -> Iterator[Visitor]:
    """A fresh browser for one professional; the test fails on any console error it saw."""
    found = visitor(browser, served_hub.base_url)
    try:
        yield found
    finally:
        found.context.close()
    assert found.problems == []
