"""One seeded hub served over HTTP and one Chromium for every browser test of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver
from playwright.sync_api import Browser, sync_playwright

from api.app import create_app
from config.settings import Settings
from devtools import local_neo4j
from tests.conftest import SeededGraphs
from tests.web.browser import Served, Visitor, chromium, serve, visitor


@pytest.fixture(scope="session")
def web_settings(test_settings: Settings) -> Settings:
    return test_settings


@pytest.fixture(scope="session")
def served_hub(seeded_graphs: SeededGraphs, session_driver: Driver, web_settings: Settings) -> Iterator[Served]:
    # The demo city with its summaries sealed under the keys the hub under test opens them
    # with, as `hub seed` makes it; the browser tests build on it one after another.
    seeded_graphs.start_from(SeededGraphs.SEALED_CITY)
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
