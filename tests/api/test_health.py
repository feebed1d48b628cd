from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import local_neo4j
from graph import migrations
from graph.driver import connect
from tests.conftest import MIGRATIONS_DIR


@pytest.fixture
def client(graph_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    # From this machine, as a scraper on the default allow list is.
    with TestClient(create_app(test_settings, driver=graph_db), client=("127.0.0.1", 50000)) as test_client:
        yield test_client


class TestHealth:
    def test_up_and_migrated_answers_ok_with_the_latest_migration(self, client: TestClient) -> None:
        response = client.get("/health")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok" and body["neo4j"] == "up"
        latest = migrations.discover(MIGRATIONS_DIR)[-1]
        assert body["migration"] == f"V{latest.version} {latest.description}"

    def test_neo4j_down_answers_503_with_a_reason(self, test_settings: Settings) -> None:
        unreachable = test_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{local_neo4j.free_port()}"})
        driver = connect(unreachable.neo4j_uri, "neo4j", "irrelevant")
        try:
            with TestClient(create_app(unreachable, driver=driver)) as down_client:
                response = down_client.get("/health")
        finally:
            driver.close()

        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert "unreachable" in response.json()["reason"]

    def test_a_neo4j_that_accepts_connections_but_never_answers_gets_503_within_the_bound(
        self, test_settings: Settings
    ) -> None:
        # A listening socket nobody reads from: the TCP handshake completes, Bolt's never does.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            uri = f"bolt://127.0.0.1:{silent.getsockname()[1]}"
            silent_settings = test_settings.model_copy(update={"neo4j_uri": uri})
            driver = connect(uri, "neo4j", "irrelevant")
            try:
                with TestClient(create_app(silent_settings, driver=driver)) as silent_client:
                    started = time.monotonic()
                    response = silent_client.get("/health")
                    elapsed = time.monotonic() - started
            finally:
                driver.close()

        assert response.status_code == 503
        assert "did not answer" in response.json()["reason"]
        assert elapsed < test_settings.health_timeout_seconds + 1.0

    def test_unmigrated_graph_is_not_healthy(self, empty_db: Driver, test_settings: Settings) -> None:
        with TestClient(create_app(test_settings, driver=empty_db)) as fresh_client:
            response = fresh_client.get("/health")

        assert response.status_code == 503
        assert "hub migrate" in response.json()["reason"]


class TestObservability:
    def test_metrics_count_requests_in_prometheus_format(self, client: TestClient) -> None:
        client.get("/health")
        response = client.get("/metrics")

        assert response.status_code == 200
        assert 'hub_http_requests_total{method="GET",route="/health",status="200"} 1.0' in response.text

    def test_request_id_is_echoed_or_made(self, client: TestClient) -> None:
        echoed = client.get("/health", headers={"x-request-id": "abc12345-req"})
        made = client.get("/health", headers={"x-request-id": "bad id!"})

        assert echoed.headers["x-request-id"] == "abc12345-req"
        assert made.headers["x-request-id"] != "bad id!" and len(made.headers["x-request-id"]) == 32
