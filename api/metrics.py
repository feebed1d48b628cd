"""Prometheus metrics for the API, kept in the app's own registry, and who may read them.

Names follow Prometheus' conventions: the `hub_` namespace, base units in the name
(`_seconds`), `_total` on counters, and the standard `process_*` and `python_*` families.
Every label takes values the code or the schema bounds (a route template, a root field, a
refusal's type), never what a caller sent: each distinct value is a series kept for the
life of the process, and anyone may send anything.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    default_type_resolver,
    get_operation_ast,
)
from neo4j import Driver
from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from api.graphql.schema import error_code
from api.graphql.shared import Refusal
from services.errors import GRAPH_UNAVAILABLE_ERRORS
from services.health import HealthReport

UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# An operation that never ran (it did not parse or validate) names no field the schema vouches for.
UNKNOWN_FIELD = "unknown"
# An operation selecting more than one root field is labelled as such, not by a combination:
# combinations of the schema's fields would be series without a useful bound.
SEVERAL_FIELDS = "multiple"
REFUSAL_INTERFACE = Refusal.__name__
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# An operation name is the caller's text: only a GraphQL name of sensible length goes into a trace.
_TRACEABLE_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
# The refusals the operation running on this thread has answered with.
_REFUSALS: ContextVar[list[str] | None] = ContextVar("hub_graphql_refusals", default=None)


def method_label(method: str) -> str:
    return method if method in _KNOWN_METHODS else OTHER_METHOD


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    requests: Counter = field(init=False)
    latency: Histogram = field(init=False)
    in_progress: Gauge = field(init=False)
    operations: Counter = field(init=False)
    operation_latency: Histogram = field(init=False)
    refusals: Counter = field(init=False)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "hub_http_requests_total", "HTTP requests by route template and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "hub_http_request_duration_seconds", "HTTP request duration by route template",
            ["method", "route"], registry=self.registry, buckets=_SECONDS,
        )
        self.in_progress = Gauge(
            "hub_http_requests_in_progress", "HTTP requests being served", registry=self.registry,
        )
        self.operations = Counter(
            "hub_graphql_operations_total",
            "GraphQL operations by type, root field and outcome (ok, refused, invalid, error, unavailable)",
            ["type", "operation", "outcome"], registry=self.registry,
        )
        self.operation_latency = Histogram(
            "hub_graphql_operation_duration_seconds", "GraphQL operation duration by type and root field",
            ["type", "operation"], registry=self.registry, buckets=_SECONDS,
        )
        self.refusals = Counter(
            "hub_refusals_total",
            "Requests the hub refused, by kind: a GraphQL refusal's type, an HTTP error's code, a size limit",
            ["kind"], registry=self.registry,
        )
        # The standard families, in this registry rather than the library's global one, so
        # each app (and each test's) holds its own.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    def refused(self, kind: str) -> None:
        self.refusals.labels(kind).inc()

    def observe_graph(self, driver: Driver, readiness: Callable[[], HealthReport]) -> None:
        """Adds the Neo4j driver's pool, readiness, the audit chain's length and the overdue
        contacts, each read at each scrape."""
        self.registry.register(_Neo4jPool(driver))
        self.registry.register(_GraphState(readiness))


class _Neo4jPool(Collector):
    """The driver's connection pool, per server: connections in use and idle, and the limit.

    The Python driver publishes no pool metrics, so this reads its pool's own bookkeeping
    (under the pool's lock); `tests/api/test_operations.py` fails if a driver upgrade moves it.
    """

    def __init__(self, driver: Driver) -> None:
        self._driver = driver

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterable[Metric]:
        connections, limit = self._families()
        pool: Any = getattr(self._driver, "_pool", None)
        by_address = getattr(pool, "connections", None)
        if pool is None or by_address is None:
            return [connections, limit]
        with pool.lock:
            snapshot = {str(address): [bool(c.in_use) for c in held] for address, held in by_address.items()}
        for server, in_use in sorted(snapshot.items()):
            connections.add_metric([server, "in_use"], sum(in_use))
            connections.add_metric([server, "idle"], len(in_use) - sum(in_use))
        limit.add_metric([], pool.pool_config.max_connection_pool_size)
        return [connections, limit]

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "hub_neo4j_pool_connections", "Connections in the Neo4j driver's pool by server and state",
                labels=["server", "state"],
            ),
            GaugeMetricFamily("hub_neo4j_pool_max_connections", "The most connections the pool opens per server"),
        )


class _GraphState(Collector):
    """Readiness, the audit chain's length and the overdue contacts, from the readiness probe
    (bounded and cached, so a scrape during an outage waits no longer than /readyz does)."""

    def __init__(self, readiness: Callable[[], HealthReport]) -> None:
        self._readiness = readiness

    def describe(self) -> Iterable[Metric]:
        return [self._ready(), self._audit_events(), self._overdue()]

    def collect(self) -> Iterable[Metric]:
        report = self._readiness()
        ready, audit_events, overdue = self._ready(), self._audit_events(), self._overdue()
        ready.add_metric([], 1 if report.healthy else 0)
        found: list[Metric] = [ready]
        if report.audit_events is not None:
            audit_events.add_metric([], report.audit_events)
            found.append(audit_events)
        if report.overdue_contacts is not None:
            for urgency, count in sorted(report.overdue_contacts.items()):
                overdue.add_metric([urgency], count)
            found.append(overdue)
        return found

    @staticmethod
    def _ready() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "hub_ready", "1 when Neo4j is reachable, every migration applied and the policy usable",
        )

    @staticmethod
    def _audit_events() -> CounterMetricFamily:
        return CounterMetricFamily(
            "hub_audit_chain_events",
            "Events appended to the audit chain by every replica together (its head's seq): take max(), not sum()",
        )

    @staticmethod
    def _overdue() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "hub_contacts_overdue",
            "Open contacts at the front door past their due time, by urgency (the same in every replica)",
            labels=["urgency"],
        )


def instrument_schema(schema: strawberry.Schema, metrics: Metrics) -> None:
    """Counts the schema's operations and refusals into `metrics`.

    A refusal is counted where graphql-core asks which member of a union a result is: only
    abstract values pass there, so counting costs nothing on the fields of an answer.
    """
    graphql_schema = schema._schema
    refusal_types = frozenset(
        graphql_type.name for graphql_type in graphql_schema.type_map.values()
        if isinstance(graphql_type, GraphQLObjectType)
        and any(interface.name == REFUSAL_INTERFACE for interface in graphql_type.interfaces)
    )
    for graphql_type in graphql_schema.type_map.values():
        if isinstance(graphql_type, GraphQLUnionType | GraphQLInterfaceType) and graphql_type.name != REFUSAL_INTERFACE:
            members = graphql_schema.get_possible_types(graphql_type)
            if any(member.name in refusal_types for member in members):
                graphql_type.resolve_type = _counting(graphql_type.resolve_type, refusal_types, metrics)
    schema.extensions = (*schema.extensions, lambda: OperationMetrics(metrics))


def _counting(
    resolve_type: Callable[..., Any] | None, refusal_types: frozenset[str], metrics: Metrics
) -> Callable[..., Any]:
    resolve = resolve_type or default_type_resolver

    def counted(value: Any, info: Any, abstract_type: Any) -> Any:
        resolved = resolve(value, info, abstract_type)
        name = resolved if isinstance(resolved, str) else getattr(resolved, "name", None)
        if name in refusal_types:
            metrics.refused(name)
            tally = _REFUSALS.get()
            if tally is not None:
                tally.append(name)
        return resolved

    return counted


class OperationMetrics(SchemaExtension):
    """One count and one duration per operation, by type, root field and outcome; the same on the
    request's span when it is traced."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        refusals: list[str] = []
        token = _REFUSALS.set(refusals)
        try:
            yield
        finally:
            _REFUSALS.reset(token)
        context = self.execution_context
        kind, root_field = _operation_type(context), _root_field(context)
        outcome = _outcome(context, refusals)
        self._metrics.operations.labels(kind, root_field, outcome).inc()
        self._metrics.operation_latency.labels(kind, root_field).observe(time.perf_counter() - started)
        span = trace.get_current_span()
        if span.is_recording():
            name = context.operation_name
            span.set_attributes({
                "graphql.operation.type": kind, "hub.graphql.root_field": root_field, "hub.graphql.outcome": outcome,
                **({"graphql.operation.name": name} if name and _TRACEABLE_NAME.match(name) else {}),
            })


def _ran(context: ExecutionContext) -> bool:
    return context.graphql_document is not None and not context.pre_execution_errors


def _operation_type(context: ExecutionContext) -> str:
    if context.graphql_document is None:
        return UNKNOWN_FIELD
    try:
        return context.operation_type.value
    except RuntimeError:
        # No operation of that name in the document.
        return UNKNOWN_FIELD


def _root_field(context: ExecutionContext) -> str:
    if not _ran(context) or context.graphql_document is None:
        return UNKNOWN_FIELD
    operation = get_operation_ast(context.graphql_document, context.operation_name)
    if operation is None:
        return UNKNOWN_FIELD
    names = {
        selection.name.value if isinstance(selection, FieldNode) else SEVERAL_FIELDS
        for selection in operation.selection_set.selections
    } - {"__typename"}
    # Validation has passed, so a field's name is one the schema has.
    return names.pop() if len(names) == 1 else SEVERAL_FIELDS


def _outcome(context: ExecutionContext, refusals: Sequence[str]) -> str:
    if not _ran(context) or context.result is None:
        return "invalid"
    errors = context.result.errors or []
    # Seen before MaskErrors replaces what went wrong with "Unexpected error".
    if any(isinstance(error.original_error, GRAPH_UNAVAILABLE_ERRORS) for error in errors):
        return "unavailable"
    if any(error_code(error, context) == "INTERNAL_SERVER_ERROR" for error in errors):
        return "error"
    if errors:
        return "invalid"
    return "refused" if refusals else "ok"


@dataclass(frozen=True)
class ScraperAllowList:
    """Who may read /metrics: a client address in one of the networks and, when a token is
    configured, that token as the bearer. Route counts and latencies say what the hub is
    doing and when, which is nobody else's business."""

    networks: Sequence[IPv4Network | IPv6Network]
    token: str | None = None

    def allows(self, client_host: str | None, authorization: str | None) -> bool:
        return self._address_allowed(client_host) and self._token_matches(authorization)

    def _address_allowed(self, client_host: str | None) -> bool:
        try:
            address = ip_address(client_host or "")
        except ValueError:
            # No address (a Unix socket) or a name: nothing an allow list can vouch for.
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            # A dual-stack listener sees IPv4 scrapers as ::ffff:a.b.c.d.
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def _token_matches(self, authorization: str | None) -> bool:
        if self.token is None:
            return True
        scheme, _, offered = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), self.token.encode())
