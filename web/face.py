"""The pages mounted on the API's app: one port serves both faces over the same services."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from services.composition import Hub
from services.directory import Directory
from services.principal import Principal, PrincipalLookup
from web import (
    audit_review,
    consent,
    disclosures,
    front_door,
    graphiql,
    home,
    management_information,
    oidc,
    people,
    replay,
    signin,
    workbook,
    worklists,
)
from web.pages import Pages
from web.sessions import SessionKeyMissing, SessionSealer, session_key

STATIC_DIR = Path(__file__).parent / "static"
GOVUK_ASSETS_DIR = STATIC_DIR / "vendor" / "govuk" / "assets"
# The header a browser page sends with a GraphQL request it makes with its session; a page of
# another site cannot set it without the CORS permission the hub never gives.
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class WebFace:
    pages: Pages

    def principal_for_graphql(self, request: Request) -> Principal | None:
        """The session's professional for a GraphQL request that carries the session cookie and
        its CSRF token in the header; None otherwise (the request then needs a bearer token)."""
        session = self.pages.sealer.open(request.cookies.get(self.pages.sealer.cookie_name))
        offered = request.headers.get(CSRF_HEADER, "")
        if session is None or session.professional_id is None or not offered:
            return None
        if not secrets.compare_digest(offered, session.csrf_token):
            return None
        return self.pages.principals.principal(session.professional_id)

    async def aprincipal_for_graphql(self, request: Request) -> Principal | None:
        return await run_in_threadpool(self.principal_for_graphql, request)


def mount(
    app: FastAPI, hub: Hub, *, principals: PrincipalLookup, request_id: Callable[[], str],
    session_clock: Callable[[], float] = time.time,
) -> WebFace:
    settings = hub.settings
    key = session_key(settings)
    oidc_configured = settings.oidc_client_id is not None
    if key is None:
        if oidc_configured:
            raise SessionKeyMissing("browser sign-in in production needs HUB_WEB_SESSION_KEY_FILE")
        # Nobody can sign in (no provider, and no development picker in production), so a key
        # of this process's own serves the pages that say so.
        from cryptography.fernet import Fernet  # noqa: PLC0415

        key = Fernet.generate_key()
    sealer = SessionSealer(
        key, idle_seconds=settings.web_session_idle_minutes * 60,
        absolute_seconds=settings.web_session_absolute_hours * 3600, secure=settings.is_production,
        clock=session_clock,
    )
    pages = Pages(
        services=hub.services, principals=principals,
        directory=Directory(hub.driver, database=settings.neo4j_database), sealer=sealer, settings=settings,
        request_id=request_id,
    )
    signin.routes(app, pages)
    if oidc_configured:
        oidc.routes(app, pages, oidc.OpenIdProvider(settings))
    home.routes(app, pages)
    front_door.routes(app, pages)
    people.routes(app, pages)
    consent.routes(app, pages)
    worklists.routes(app, pages)
    workbook.routes(app, pages)
    audit_review.routes(app, pages)
    replay.routes(app, pages)
    management_information.routes(app, pages)
    disclosures.routes(app, pages)
    graphiql.routes(app, pages, csrf_header=CSRF_HEADER)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    # GOV.UK Frontend's stylesheet asks for its fonts and images under /assets.
    app.mount("/assets", StaticFiles(directory=GOVUK_ASSETS_DIR, check_dir=False), name="govuk-assets")
    return WebFace(pages)
