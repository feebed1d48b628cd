from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from graph import server
from graph.driver import connect
from hub.settings import Settings


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
        assert body["migration"].startswith("V00")

    def test_neo4j_down_answers_503_with_a_reason(self, test_settings: Settings) -> None:
        unreachable = test_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{server.free_port()}"})
        driver = connect(unreachable.neo4j_uri, "neo4j", "irrelevant")
        try:
            with TestClient(create_app(unreachable, driver=driver)) as down_client:
                response = down_client.get("/health")
        finally:
            driver.close()

        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert "unreachable" in response.json()["reason"]

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
