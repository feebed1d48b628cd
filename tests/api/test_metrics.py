"""/metrics: series by route template, so callers cannot grow them, read only by allowed scrapers.

The scraper's address is the ASGI client the test client presents, so each test says which
address asks; "testclient", the default, is no address at all.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from neo4j import Driver
from pydantic import SecretStr

from api.app import create_app
from config.settings import Settings

LOOPBACK = ("127.0.0.1", 40000)
OUTSIDER = ("203.0.113.7", 40000)
SERIES = re.compile(r"^hub_http_requests_total\{(?P<labels>[^}]*)\}", re.MULTILINE)


def app_for(graph_db: Driver, settings: Settings, **changes: object) -> FastAPI:
    return create_app(settings.model_copy(update=changes), driver=graph_db)


@pytest.fixture
def app(graph_db: Driver, test_settings: Settings) -> FastAPI:
    return app_for(graph_db, test_settings)


@pytest.fixture
def scraper(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=LOOPBACK) as client:
        yield client


def request_series(scraper: TestClient) -> set[str]:
    response = scraper.get("/metrics")
    assert response.status_code == 200
    return {match["labels"] for match in SERIES.finditer(response.text)}


class TestSeriesAreBounded:
    def test_requests_for_random_paths_share_one_series(self, app: FastAPI, scraper: TestClient) -> None:
        with TestClient(app, client=OUTSIDER) as outsider:
            for _ in range(200):
                outsider.get(f"/{uuid.uuid4().hex}/{uuid.uuid4().hex}")
            outsider.post("/graphql", json={"query": "{ me { name } }"})
            outsider.get("/audit/export")

        series = request_series(scraper)

        assert series == {
            'method="GET",route="unmatched",status="404"',
            'method="POST",route="/graphql",status="401"',
            'method="GET",route="/audit/export",status="401"',
        }

    def test_invented_methods_share_one_label(self, app: FastAPI, scraper: TestClient) -> None:
        with TestClient(app, client=OUTSIDER) as outsider:
            for index in range(20):
                outsider.request(f"BREW{index}", "/health")

        methods = {re.search(r'method="([^"]*)"', labels)[1] for labels in request_series(scraper)}  # type: ignore[index]

        assert methods <= {"GET", "other"}, methods


class TestOnlyAllowedScrapersReadMetrics:
    def test_by_default_this_machine_reads_and_no_one_else(self, app: FastAPI) -> None:
        not_found = TestClient(app, client=OUTSIDER).get(f"/{uuid.uuid4().hex}")

        answers = {
            client: TestClient(app, client=(client, 40000)).get("/metrics")
            for client in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "203.0.113.7", "10.0.0.1", "testclient")
        }

        assert {client: answer.status_code for client, answer in answers.items()} == {
            "127.0.0.1": 200, "::1": 200, "::ffff:127.0.0.1": 200,
            "203.0.113.7": 404, "10.0.0.1": 404, "testclient": 404,
        }
        assert "hub_http_requests_total" in answers["127.0.0.1"].text
        # Refused exactly as a path that does not exist is, so probing learns nothing.
        assert answers["203.0.113.7"].json() == not_found.json()

    def test_a_configured_network_reads_and_loopback_then_does_not(
        self, graph_db: Driver, test_settings: Settings
    ) -> None:
        app = app_for(graph_db, test_settings, metrics_allowed_clients=[ip_network("10.20.0.0/16")])

        assert TestClient(app, client=("10.20.3.4", 40000)).get("/metrics").status_code == 200
        assert TestClient(app, client=("10.21.3.4", 40000)).get("/metrics").status_code == 404
        assert TestClient(app, client=LOOPBACK).get("/metrics").status_code == 404

    def test_with_a_token_the_scraper_must_also_send_it(self, graph_db: Driver, test_settings: Settings) -> None:
        app = app_for(graph_db, test_settings, metrics_token=SecretStr("scrape-secret-5f1c"))
        client = TestClient(app, client=LOOPBACK)

        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"authorization": "Bearer not-it"}).status_code == 404
        assert client.get("/metrics", headers={"authorization": "Bearer scrape-secret-5f1c"}).status_code == 200
        outsider = TestClient(app, client=OUTSIDER)
        assert outsider.get("/metrics", headers={"authorization": "Bearer scrape-secret-5f1c"}).status_code == 404
