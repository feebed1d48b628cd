"""Operations: liveness asks nothing of Neo4j, readiness asks everything a request needs, the
metrics an operator scrapes, and traces of a request through to its Cypher.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, LiteralString

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver, ManagedTransaction
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.tracing import RequestTracing
from config.settings import Settings
from devtools import demo_city, local_neo4j
from graph import migrations, policy_store
from graph.driver import connect
from policies import Policy
from protection.audit_trail import AuditTrail
from services.key_material import audit_signing_key
from services.policy import load_policy
from tests.api.client import token_for
from tests.api.test_front_door import RECORD_CONTACT, contact_input

LOOPBACK = ("127.0.0.1", 40000)
CANARY = "OPERATIONS-CANARY: bruising seen at school on Tuesday"
ME = "{ me { name } }"
APPROVE_UNKNOWN = """
mutation {
  approveOverride(input: {overrideId: "no-such-override", note: "Agreed"}) { __typename ... on Refusal { message } }
}
"""


def graphql(
    client: TestClient,
    settings: Settings,
    query: str,
    *,
    as_professional: str = demo_city.MASH_SOCIAL_WORKER_ID,
    headers: dict[str, str] | None = None,
    **variables: Any,
) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token_for(settings, as_professional)}", **(headers or {})},
    )
    body: dict[str, Any] = response.json()
    return body


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample /metrics exposes, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text) for sample in family.samples
    }


# Overdue: two RED and one GREEN. Not: a RED still in time, an AMBER decided after its due time.
OVERDUE_AND_NOT = """
UNWIND [['RED', 'OPEN', -1], ['RED', 'OPEN', -30], ['GREEN', 'OPEN', -5], ['RED', 'OPEN', 60],
        ['AMBER', 'DECIDED', -60]] AS row
CREATE (:Contact {id: 'overdue-' + randomUUID(), urgency: row[0], status: row[1],
                  due_by: datetime() + duration({minutes: row[2]})})
"""


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def label_values(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, label: str) -> set[str]:
    return {dict(labels)[label] for sample_name, labels in samples if sample_name == name and label in dict(labels)}


@pytest.fixture
def client(demo_city_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, driver=demo_city_db), client=LOOPBACK) as test_client:
        yield test_client


class TestLiveness:
    def test_alive_is_answered_at_once_by_a_hub_whose_neo4j_never_answers(self, test_settings: Settings) -> None:
        # A listening socket nobody reads from: the TCP handshake completes, Bolt's never does.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            uri = f"bolt://127.0.0.1:{silent.getsockname()[1]}"
            driver = connect(uri, "neo4j", "irrelevant")
            try:
                with TestClient(create_app(test_settings.model_copy(update={"neo4j_uri": uri}), driver=driver)) as hub:
                    started = time.monotonic()
                    alive = hub.get("/livez")
                    alive_seconds = time.monotonic() - started
                    ready = hub.get("/readyz")
            finally:
                driver.close()

        assert alive.status_code == 200 and alive.json() == {"status": "alive"}
        # Well inside the readiness probe's own timeout: liveness never waited on the database.
        assert alive_seconds < test_settings.health_timeout_seconds
        assert ready.status_code == 503 and "did not answer" in ready.json()["reason"]


class TestReadiness:
    def test_ready_names_the_latest_migration_and_the_policy_in_force(
        self, client: TestClient, graph_db: Driver
    ) -> None:
        latest = migrations.discover(migrations.bundled())[-1]

        shipped = client.get("/readyz")
        revision, _ = load_policy(graph_db, Policy(), database="neo4j", loaded_by="test")
        time.sleep(1.1)  # past the answer's cache
        loaded = client.get("/readyz")

        assert shipped.status_code == 200
        assert shipped.json() == {"status": "ok", "neo4j": "up", "migration": f"V{latest.version} {latest.description}",
                                  "policy": "the files shipped"}
        assert loaded.status_code == 200 and loaded.json()["policy"] == f"revision {revision[:12]}"

    def test_health_is_readiness_under_its_older_name(self, client: TestClient) -> None:
        assert client.get("/health").json() == client.get("/readyz").json()

    def test_a_shipped_migration_not_yet_applied_is_not_ready(
        self, empty_db: Driver, test_settings: Settings, tmp_path: Path
    ) -> None:
        shipped = migrations.discover(migrations.bundled())
        for migration in shipped[:-1]:
            (tmp_path / migration.source).write_bytes((migrations.bundled() / migration.source).read_bytes())
        migrations.migrate(empty_db, tmp_path, database="neo4j")

        with TestClient(create_app(test_settings, driver=empty_db)) as hub:
            response = hub.get("/readyz")

        assert response.status_code == 503
        assert response.json()["reason"] == f"{shipped[-1].source} is not applied: run `hub migrate`"

    def test_a_graph_migrated_further_by_a_newer_replica_is_ready(
        self, graph_db: Driver, test_settings: Settings, tmp_path: Path
    ) -> None:
        for migration in migrations.discover(migrations.bundled()):
            (tmp_path / migration.source).write_bytes((migrations.bundled() / migration.source).read_bytes())
        (tmp_path / "V900__from_a_newer_release.cypher").write_text("CREATE (:NewerReleaseMarker);\n")
        migrations.migrate(graph_db, tmp_path, database="neo4j")
        try:
            with TestClient(create_app(test_settings, driver=graph_db)) as hub:
                response = hub.get("/readyz")
        finally:
            graph_db.execute_query(FORGET_V900, database_="neo4j")

        assert response.status_code == 200
        assert response.json()["migration"] == "V900 from a newer release"

    def test_a_policy_revision_in_force_that_cannot_be_used_is_not_ready(
        self, client: TestClient, graph_db: Driver
    ) -> None:
        model_text, _ = Policy().texts
        with graph_db.session(database="neo4j") as session:
            session.execute_write(_store_unusable_policy, model_text)

        response = client.get("/readyz")

        assert response.status_code == 503
        assert "policy revision in force cannot be used" in response.json()["reason"]


FORGET_V900: LiteralString = """
MATCH (m:__Neo4jMigration {version: '900'}) DETACH DELETE m
"""


def _store_unusable_policy(tx: ManagedTransaction, model_text: bytes) -> None:
    policy_store.store_revision(
        tx, revision="unusable-revision", model_text=model_text,
        policy_text=b"p, no_such_role, child, read, OWN_AGENCY\n", loaded_by="test",
    )


class TestMetrics:
    def test_requests_are_counted_and_timed_by_route_template(
        self, client: TestClient, test_settings: Settings
    ) -> None:
        graphql(client, test_settings, ME)

        samples = scrape(client)

        assert sample(samples, "hub_http_requests_total", method="POST", route="/graphql", status="200") == 1
        assert sample(samples, "hub_http_request_duration_seconds_count", method="POST", route="/graphql") == 1
        assert sample(samples, "hub_http_requests_in_progress") == 1  # the scrape itself

    def test_graphql_operations_are_counted_by_root_field_and_outcome_never_by_the_callers_names(
        self, client: TestClient, test_settings: Settings
    ) -> None:
        for number in range(20):
            graphql(client, test_settings, f"query Chosen{number} {{ me {{ name }} }}")
        refused = graphql(client, test_settings, APPROVE_UNKNOWN)["data"]["approveOverride"]["__typename"]
        graphql(client, test_settings, "{ noSuchField }")

        samples = scrape(client)

        assert sample(samples, "hub_graphql_operations_total", type="query", operation="me", outcome="ok") == 20
        assert sample(
            samples, "hub_graphql_operations_total", type="mutation", operation="approveOverride", outcome="refused",
        ) == 1
        operations = "hub_graphql_operations_total"
        assert sample(samples, operations, type="query", operation="unknown", outcome="invalid") == 1
        assert label_values(samples, operations, "operation") == {"me", "approveOverride", "unknown"}
        assert sample(samples, "hub_refusals_total", kind=refused) == 1
        assert sample(samples, "hub_graphql_operation_duration_seconds_count", type="query", operation="me") == 20

    def test_refusals_are_counted_by_kind_from_every_door(self, client: TestClient) -> None:
        client.post("/graphql", json={"query": ME})
        client.post("/graphql", content=b"{}", headers={"content-length": str(10 * 1024 * 1024)})

        samples = scrape(client)

        assert sample(samples, "hub_refusals_total", kind="unauthenticated") == 1
        assert sample(samples, "hub_refusals_total", kind="body_too_large") == 1

    def test_the_pool_readiness_and_the_audit_chains_length_are_read_at_each_scrape(
        self, client: TestClient, graph_db: Driver, test_settings: Settings
    ) -> None:
        trail = AuditTrail(audit_signing_key(test_settings))
        with graph_db.session(database="neo4j") as session:
            for number in range(3):
                session.execute_write(_append, trail, number)

        samples = scrape(client)

        connections = {
            state: sum(value for (name, labels), value in samples.items()
                       if name == "hub_neo4j_pool_connections" and dict(labels)["state"] == state)
            for state in ("in_use", "idle")
        }
        assert connections["in_use"] + connections["idle"] >= 1
        assert sample(samples, "hub_neo4j_pool_max_connections") == 50
        assert sample(samples, "hub_ready") == 1
        assert sample(samples, "hub_audit_chain_events_total") == 3

    def test_open_contacts_past_their_due_time_are_counted_by_urgency(
        self, demo_city_db: Driver, test_settings: Settings
    ) -> None:
        demo_city_db.execute_query(OVERDUE_AND_NOT, database_="neo4j")

        with TestClient(create_app(test_settings, driver=demo_city_db), client=LOOPBACK) as fresh:
            samples = scrape(fresh)

        assert {urgency: sample(samples, "hub_contacts_overdue", urgency=urgency)
                for urgency in ("RED", "AMBER", "GREEN")} == {"RED": 2, "AMBER": 0, "GREEN": 1}

    def test_the_standard_process_and_python_families_are_there(self, client: TestClient) -> None:
        samples = scrape(client)

        assert (sample(samples, "process_resident_memory_bytes") or 0) > 0
        assert sample(samples, "process_cpu_seconds_total") is not None
        assert any(name == "python_info" for name, _ in samples)


def _append(tx: ManagedTransaction, trail: AuditTrail, number: int) -> None:
    trail.record(
        tx, actor="pro-0006", agency="agency-police", role="police_mash_officer", action="network.read",
        targets=["person-001-06"], basis="CONSENT", override_id=None, request_id=f"req-ops-{number}",
    )


@pytest.fixture
def spans(demo_city_db: Driver, test_settings: Settings) -> Iterator[tuple[TestClient, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with TestClient(create_app(test_settings, driver=demo_city_db, tracer_provider=provider)) as test_client:
        yield test_client, exporter


def _values(span: ReadableSpan) -> list[str]:
    values = [str(value) for value in (span.attributes or {}).values()]
    for event in span.events:
        values += [str(value) for value in (event.attributes or {}).values()]
    return [span.name, *values]


class TestTracing:
    def test_a_request_is_a_span_with_a_child_for_each_of_its_transactions_and_their_cypher(
        self, spans: tuple[TestClient, InMemorySpanExporter], test_settings: Settings
    ) -> None:
        client, exporter = spans

        recorded = graphql(client, test_settings, RECORD_CONTACT, input=contact_input(concern=CANARY))
        finished = exporter.get_finished_spans()

        assert recorded["data"]["recordContact"]["__typename"] == "Contact"
        (request,) = [span for span in finished if span.kind is SpanKind.SERVER]
        children = [
            span for span in finished if span.parent is not None and span.parent.span_id == request.context.span_id
        ]
        assert request.name == "POST /graphql"
        assert request.attributes is not None and request.attributes["http.route"] == "/graphql"
        assert request.attributes["hub.graphql.root_field"] == "recordContact"
        assert request.attributes["hub.graphql.outcome"] == "ok"
        # The caller looked up, then the contact written with its audit event: one transaction each.
        assert len(children) >= 2 and children == [span for span in finished if span is not request]
        assert all(child.kind is SpanKind.CLIENT and child.attributes is not None
                   and child.attributes["db.system.name"] == "neo4j" for child in children)
        assert {child.attributes["db.operation.name"] for child in children if child.attributes} >= {
            "execute_read", "execute_write",
        }
        assert all(any(event.name == "db.query" for event in child.events) for child in children)

    def test_no_span_carries_case_content_a_token_or_a_parameter(
        self, spans: tuple[TestClient, InMemorySpanExporter], test_settings: Settings
    ) -> None:
        client, exporter = spans
        token = token_for(test_settings, demo_city.MASH_SOCIAL_WORKER_ID)

        client.post(
            "/graphql", json={"query": RECORD_CONTACT, "variables": {"input": contact_input(concern=CANARY)}},
            headers={"authorization": f"Bearer {token}"},
        )
        values = [value for span in exporter.get_finished_spans() for value in _values(span)]

        assert values
        assert not [value for value in values if CANARY in value or token in value or "A neighbour" in value]
        assert not [value for value in values if demo_city.DEMO_FAMILY_CHILD_ID in value]

    def test_a_traceparent_from_the_load_balancer_continues_its_trace(
        self, spans: tuple[TestClient, InMemorySpanExporter], test_settings: Settings
    ) -> None:
        client, exporter = spans
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"

        graphql(client, test_settings, ME, headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

        assert {format(span.context.trace_id, "032x") for span in exporter.get_finished_spans()} == {trace_id}

    def test_without_a_collector_nothing_is_traced(self, graph_db: Driver, test_settings: Settings) -> None:
        app = create_app(test_settings, driver=graph_db)

        assert test_settings.otlp_traces_endpoint is None
        assert RequestTracing not in {getattr(middleware, "cls", None) for middleware in app.user_middleware}

    def test_with_a_collector_configured_spans_are_sent_to_it_over_otlp(
        self, graph_db: Driver, test_settings: Settings
    ) -> None:
        received: list[tuple[str, bytes]] = []
        collector = ThreadingHTTPServer(("127.0.0.1", local_neo4j.free_port()), _collector(received))
        threading.Thread(target=collector.serve_forever, daemon=True).start()
        endpoint = f"http://127.0.0.1:{collector.server_address[1]}/v1/traces"
        settings = test_settings.model_copy(update={"otlp_traces_endpoint": endpoint})
        try:
            demo_city.load(graph_db, [demo_city.demo_city()], database="neo4j")
            with TestClient(create_app(settings, driver=graph_db)) as client:
                graphql(client, settings, ME)
            # Leaving the client shut the app down, which flushed its spans.
        finally:
            collector.shutdown()

        exported = ExportTraceServiceRequest()
        for path, body in received:
            assert path == "/v1/traces"
            exported.MergeFromString(body)
        names = {span.name for resource in exported.resource_spans for scope in resource.scope_spans
                 for span in scope.spans}
        assert "POST /graphql" in names
        services = {attribute.value.string_value for resource in exported.resource_spans
                    for attribute in resource.resource.attributes if attribute.key == "service.name"}
        assert services == {"safeguarding-hub"}


def _collector(received: list[tuple[str, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.path, self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Collector
