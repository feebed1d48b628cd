"""The FastAPI application: health, metrics, GraphQL and the audit routes, behind the request context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from neo4j import Driver
from opentelemetry.trace import TracerProvider
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

import web
from api import tracing
from api.auth import Authenticator, build_verifier
from api.graphql.context import Context
from api.graphql.router import ThreadedGraphQLRouter
from api.graphql.schema import build_schema
from api.identity import DEV_PUBLIC_KEY_FILE
from api.logs import keep_content_out_of_library_logs, request_id_var
from api.metrics import Metrics, ScraperAllowList, instrument_schema
from api.middleware import RequestContext, RequestLimits
from api.routes_audit import audit_router
from config.settings import Settings
from graph.tracing import traced
from policies import Policy
from services.composition import assemble, connect_driver
from services.errors import GRAPH_UNAVAILABLE_ERRORS, GraphUnavailable, HubError
from services.health import HealthProbe
from services.principal import Caller, PrincipalLookup


class DevelopmentDefaultsInProduction(RuntimeError):
    """Production was configured with something only development may use."""


def refuse_development_defaults(settings: Settings) -> None:
    """Refuses, naming each setting, what would let anyone who has read this repository in:
    its Neo4j password, its token issuer and keys, or the password and queries sent in the
    clear to another host."""
    problems: list[str] = []
    if settings.neo4j_password == Settings.model_fields["neo4j_password"].default:
        problems.append("HUB_NEO4J_PASSWORD is the development password")
    if settings.jwt_issuer == Settings.model_fields["jwt_issuer"].default:
        problems.append("HUB_JWT_ISSUER is the development issuer; set the identity provider's")
    for name, paths in (
        ("HUB_JWT_PUBLIC_KEY_FILES", settings.jwt_public_key_files),
        ("HUB_AUDIT_SIGNING_KEY_FILE", [settings.audit_signing_key_file]),
        ("HUB_KEK_FILE", [settings.kek_file]),
        ("HUB_RETIRED_KEK_FILES", settings.retired_kek_files),
    ):
        for path in paths:
            if path is not None and _is_development_key(path, settings.dev_keys_dir.resolve()):
                problems.append(f"{name} names a development key ({path})")
    neo4j = urlsplit(settings.neo4j_uri)
    if neo4j.scheme in {"bolt", "neo4j"} and not _is_loopback(neo4j.hostname) and not (
        settings.neo4j_allow_unencrypted_remote
    ):
        problems.append(
            f"HUB_NEO4J_URI sends the password and every query unencrypted to {neo4j.hostname}; use bolt+s:// "
            "or neo4j+s://, or set HUB_NEO4J_ALLOW_UNENCRYPTED_REMOTE=true if that network is trusted"
        )
    if problems:
        raise DevelopmentDefaultsInProduction(
            "production refuses to start with development settings: " + "; ".join(problems)
        )


def _is_development_key(path: Path, dev_keys: Path) -> bool:
    if path.resolve().is_relative_to(dev_keys):
        return True
    # A copy of the development public key elsewhere trusts `hub token` all the same.
    dev_public_key = dev_keys / DEV_PUBLIC_KEY_FILE
    return dev_public_key.is_file() and path.is_file() and path.read_bytes() == dev_public_key.read_bytes()


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host or "").is_loopback
    except ValueError:
        return False


def _add_operations_routes(app: FastAPI, health: HealthProbe, metrics: Metrics, scrapers: ScraperAllowList) -> None:
    """/livez, /readyz (and /health, its older name) and /metrics: for the platform, never a caller."""

    @app.get("/livez")
    async def get_liveness() -> JSONResponse:
        # Alive is answering at all: nothing here waits on Neo4j, so an outage of the graph
        # never has a liveness probe restart every replica (readiness takes them out instead).
        return JSONResponse({"status": "alive"})

    async def readiness() -> JSONResponse:
        report = await run_in_threadpool(health.report)
        body = {"status": "ok" if report.healthy else "unavailable", "neo4j": report.neo4j,
                "migration": report.migration, "policy": report.policy}
        if report.reason is not None:
            body["reason"] = report.reason
        return JSONResponse(body, status_code=200 if report.healthy else 503)

    # /health is /readyz under its older name, for load balancers already configured with it.
    app.add_api_route("/readyz", readiness, methods=["GET"])
    app.add_api_route("/health", readiness, methods=["GET"])

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics(request: Request) -> Response:
        client_host = request.client.host if request.client is not None else None
        if not scrapers.allows(client_host, request.headers.get("authorization")):
            # The 404 of any unknown path, so /metrics is not advertised to whoever probes.
            raise HTTPException(status_code=404)
        # Off the event loop: reading readiness may wait on Neo4j (within its bound).
        exposition = await run_in_threadpool(generate_latest, metrics.registry)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)


def create_app(
    settings: Settings,
    *,
    driver: Driver | None = None,
    policy: Policy | None = None,
    consent_clock: Callable[[], datetime] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """Builds the app over the hub `services.composition` assembles; a driver passed in is borrowed,
    one made here is closed on shutdown. Requests are traced with `tracer_provider`, or with the
    collector the settings name; without either, not at all."""
    if settings.is_production:
        refuse_development_defaults(settings)
    keep_content_out_of_library_logs()
    # First, so a provider that cannot be used stops the start before anything is opened.
    verifier = build_verifier(settings)
    own_provider = tracing.tracer_provider(settings) if tracer_provider is None else None
    provider = tracer_provider or own_provider
    own_driver: Driver | None = None
    if provider is not None:
        # The hub's one driver, wrapped so that each transaction is a span of its request.
        if driver is None:
            own_driver = driver = connect_driver(settings)
        driver = traced(driver, tracing.tracer(provider))
    hub = assemble(settings, driver=driver, policy=policy, consent_clock=consent_clock)
    services = hub.services
    principals = PrincipalLookup(
        hub.driver, database=settings.neo4j_database, policy_sync=hub.policy_sync,
        subject_claim=settings.jwt_subject_claim,
    )
    authenticator = Authenticator(verifier, principals)
    metrics = Metrics()
    metrics.observe_graph(hub.driver, hub.health.report)
    scrapers = ScraperAllowList(
        settings.metrics_allowed_clients,
        token=settings.metrics_token.get_secret_value() if settings.metrics_token is not None else None,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        hub.close()
        if own_driver is not None:
            own_driver.close()
        if own_provider is not None:
            own_provider.shutdown()

    app = FastAPI(
        title="Safeguarding information-sharing hub",
        lifespan=lifespan,
        docs_url="/docs" if not settings.is_production else None,
        redoc_url=None,
        openapi_url="/openapi.json" if not settings.is_production else None,
    )

    # Added first, so it runs inside the request context: a refusal carries the request id
    # and the hardening headers like any other answer.
    app.add_middleware(
        RequestLimits, max_body_bytes=settings.max_request_body_bytes,
        max_header_bytes=settings.max_request_header_bytes, on_refusal=metrics.refused,
    )
    if provider is not None:
        # Inside the request context, so the span carries the request id.
        app.add_middleware(tracing.RequestTracing, tracer=tracing.tracer(provider))
    app.add_middleware(RequestContext, metrics=metrics)

    _add_operations_routes(app, hub.health, metrics, scrapers)

    @app.exception_handler(HubError)
    async def render_hub_error(_: Request, error: HubError) -> JSONResponse:
        if error.status < 500:
            metrics.refused(error.code)
        headers = {"www-authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse(
            {"error": error.code, "reason": error.message, "request_id": request_id_var.get()},
            status_code=error.status, headers=headers,
        )

    async def render_graph_unavailable(request: Request, _: Exception) -> JSONResponse:
        # The driver's message names hosts and ports; the caller needs only to try again.
        return await render_hub_error(
            request, GraphUnavailable("the graph database is unavailable; try again shortly")
        )

    for unavailable in GRAPH_UNAVAILABLE_ERRORS:
        app.add_exception_handler(unavailable, render_graph_unavailable)

    pages = web.mount(app, hub, principals=principals, request_id=request_id_var.get)

    async def context_getter(request: Request) -> Context:
        # Nothing is read for a request whose caller is not established first: a bearer token,
        # or a page's own request with the browser session and its CSRF header.
        authorization = request.headers.get("authorization")
        principal = None if authorization else await pages.aprincipal_for_graphql(request)
        # A token is verified here; who it names is read by the operation (Context.principal).
        caller = (
            Caller.known(principal) if principal is not None
            else await run_in_threadpool(authenticator.caller, authorization)
        )
        return Context(services=services, caller=caller, request_id=request_id_var.get())

    # Its own schema: the app counts the schema's operations and refusals into its own metrics.
    schema = build_schema(production=settings.is_production)
    instrument_schema(schema, metrics)
    graphql = ThreadedGraphQLRouter(
        schema,
        context_getter=context_getter,
        # GraphiQL is a page of the hub's own (web/graphiql.py), from local assets, in development only.
        graphql_ide=None,
        allow_queries_via_get=False,
        # Each router carries its own prefix, so a matched route's path is its whole
        # template: what the metrics label requests by.
        prefix="/graphql",
    )
    app.include_router(graphql)
    app.include_router(audit_router(services.auditor, authenticator.principal))
    return app
