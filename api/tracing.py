"""OpenTelemetry tracing of requests: off unless a collector is configured (`HUB_OTLP_TRACES_ENDPOINT`).

Each HTTP request is a server span named by its route template, continuing the trace a
`traceparent` header names (a gateway's or the load balancer's); each Neo4j transaction
made for it is a child (`graph.tracing`). Spans carry templates, codes, ids the hub made
and Cypher constants: never a path as asked, a query string, a header, a body or a value.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import request_id_var
from api.metrics import UNMATCHED_ROUTE, method_label
from config.settings import Settings

INSTRUMENTATION = "safeguarding-hub"


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """The provider that exports to the configured collector; None (tracing off) without one."""
    if settings.otlp_traces_endpoint is None:
        return None
    headers = _headers(settings.otlp_headers.get_secret_value()) if settings.otlp_headers is not None else None
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.tracing_service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)),
    )
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_traces_endpoint, headers=headers))
    )
    return provider


def _headers(text: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in text.split(",") if item.strip())
    return {name.strip(): value.strip() for name, _, value in pairs}


class RequestTracing:
    """A server span per HTTP request, current while the app serves it (and on its worker threads)."""

    def __init__(self, app: ASGIApp, *, tracer: Tracer) -> None:
        self._app = app
        self._tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        method = method_label(scope["method"])
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self._tracer.start_as_current_span(
            method, context=extract(carrier), kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "hub.request_id": request_id_var.get()},
            record_exception=False, set_status_on_exception=False,
        ) as span:
            try:
                await self._app(scope, receive, send_noting_status)
            except Exception as error:
                span.set_attribute("error.type", type(error).__name__)
                raise
            finally:
                template = getattr(scope.get("route"), "path", None)
                route = template if isinstance(template, str) else UNMATCHED_ROUTE
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))


def tracer(provider: trace.TracerProvider) -> Tracer:
    return provider.get_tracer(INSTRUMENTATION)
