"""The app over the seeded graphs, at a CRS manager's office hours, signed in per call.

`hub` serves the demo city (`demo_city_db`), `sealed_hub` the city with its summaries sealed
(`sealed_city_db`); a module whose tests need another clock or other settings makes its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from tests.api.client import Hub

# A Tuesday morning in London: a CRS manager's office hours, for override approvals.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)


def serve(driver: Driver, settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(settings, driver=driver, consent_clock=lambda: OFFICE_HOURS)) as client:
        yield Hub(client, settings)


@pytest.fixture
def hub(demo_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    yield from serve(demo_city_db, test_settings)


@pytest.fixture
def sealed_hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    yield from serve(sealed_city_db, test_settings)
