"""The request context middleware: request ids, metrics, and a failure that says nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.metrics import Metrics
from api.middleware import RequestContext


def app_that_fails() -> tuple[FastAPI, Metrics]:
    app = FastAPI()
    metrics = Metrics()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("child's name and address would be here")

    @app.get("/fine")
    async def fine() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(RequestContext, metrics=metrics)
    return app, metrics


def test_an_unexpected_failure_is_a_bare_500_with_the_request_id() -> None:
    app, metrics = app_that_fails()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"x-request-id": "abc12345-req"})

    assert response.status_code == 500
    assert response.json() == {"error": "internal error", "request_id": "abc12345-req"}
    assert response.headers["x-request-id"] == "abc12345-req"
    assert "child" not in response.text
    assert metrics.requests.labels("GET", "/boom", "500")._value.get() == 1


def test_answers_carry_a_request_id_and_are_counted_by_status() -> None:
    app, metrics = app_that_fails()
    with TestClient(app) as client:
        response = client.get("/fine")

    assert response.json() == {"ok": "yes"}
    assert len(response.headers["x-request-id"]) == 32
    assert metrics.requests.labels("GET", "/fine", "200")._value.get() == 1
