"""What every page shares: the visit (session and principal), rendering with its security policy,
forms with their CSRF token, and errors shown as pages, never as a trace."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from config.settings import Settings
from services.composition import Services
from services.directory import Directory
from services.errors import GRAPH_UNAVAILABLE_ERRORS, HubError
from services.principal import Principal, PrincipalLookup, SignedIn
from web import labels
from web.sessions import Session, SessionSealer

TEMPLATES_DIR = Path(__file__).parent / "templates"
log = logging.getLogger("hub.web")

_MAX_FORM_BYTES = 256 * 1024


def page_security_policy(nonce: str) -> str:
    """Scripts and styles from this hub only, plus the one inline script GOV.UK Frontend's
    template runs (by its nonce); forms post back here; nothing frames a page."""
    return (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


@dataclass(frozen=True, slots=True)
class Visit:
    session: Session
    signed_in: SignedIn | None
    request_id: str

    @property
    def principal(self) -> Principal:
        assert self.signed_in is not None, "only pages behind sign-in ask for the principal"
        return self.signed_in.principal


@dataclass
class Form:
    """A submitted form as typed: every value kept, so a page shown again with errors loses nothing."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def __contains__(self, name: object) -> bool:
        return name in self.values


@dataclass
class Errors:
    """Field errors in the order of the form, for the GOV.UK error summary and each field's message."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> list[dict[str, str]]:
        return [{"text": message, "href": f"#{name}"} for name, message in self.by_field.items()]

    def message(self, name: str) -> dict[str, str] | None:
        found = self.by_field.get(name)
        return {"text": found} if found else None


Handler = Callable[[Request, Visit], Awaitable[Response]]
FormHandler = Callable[[Request, Visit, Form], Awaitable[Response]]


class Pages:
    def __init__(
        self, *, services: Services, principals: PrincipalLookup, directory: Directory, sealer: SessionSealer,
        settings: Settings, request_id: Callable[[], str],
    ) -> None:
        self.services = services
        self.directory = directory
        # The id the app's middleware gave this request, so the audit events a page causes
        # carry the id its response and log line do.
        self._request_id = request_id
        self.principals = principals
        self.sealer = sealer
        self.settings = settings
        self.environment = Environment(
            loader=ChoiceLoader([
                FileSystemLoader(TEMPLATES_DIR),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
            ]),
            autoescape=select_autoescape(("html",), default_for_string=True),
            trim_blocks=True, lstrip_blocks=True,
        )
        self.environment.filters.update(
            words=labels.words, role=labels.role, when=labels.when, day=labels.day, rag=labels.rag_colour,
        )
        self.environment.globals.update(development=not settings.is_production)

    # The visit

    async def visit(self, request: Request) -> Visit:
        session = self.sealer.open(request.cookies.get(self.sealer.cookie_name)) or self.sealer.new()
        signed_in = None
        if session.professional_id is not None:
            signed_in = await run_in_threadpool(self.principals.signed_in, session.professional_id)
            if signed_in is None:
                # Removed from the graph since they signed in: out on this click.
                session = self.sealer.new()
        return Visit(session=session, signed_in=signed_in, request_id=self._request_id())

    async def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(function, *args, **kwargs)

    # Answers

    def render(
        self, visit: Visit, template: str, *, status: int = 200, session: Session | None = None, **context: Any
    ) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        kept = session or visit.session
        html = self.environment.get_template(template).render(
            visit=visit, signed_in=visit.signed_in, csrf_token=kept.csrf_token, cspNonce=nonce, **context,
        )
        response = HTMLResponse(
            html, status_code=status, headers={"content-security-policy": page_security_policy(nonce)}
        )
        self.sealer.store(response, kept)
        return response

    def redirect(self, visit: Visit | None, location: str, *, session: Session | None = None) -> Response:
        response = RedirectResponse(location, status_code=303)
        kept = session or (visit.session if visit is not None else None)
        if kept is not None:
            self.sealer.store(response, kept)
        return response

    def problem(self, visit: Visit, *, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(visit, "problem.html", status=status, title=title, message=message)

    def not_found(self, visit: Visit) -> HTMLResponse:
        return self.problem(
            visit, status=404, title="Page not found",
            message="There is nothing here you can see. If you typed the address, check it is correct.",
        )

    # Routes

    def get(self, app: FastAPI, path: str, handler: Handler, *, signed_in: bool = True) -> None:
        app.add_api_route(path, self.page(handler, signed_in=signed_in), methods=["GET"], include_in_schema=False)

    def post(self, app: FastAPI, path: str, handler: FormHandler, *, signed_in: bool = True) -> None:
        app.add_api_route(path, self.form(handler, signed_in=signed_in), methods=["POST"], include_in_schema=False)

    def page(self, handler: Handler, *, signed_in: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            visit = await self.visit(request)
            if signed_in and visit.signed_in is None:
                return self.redirect(visit, "/sign-in?" + urlencode({"next": _local_path(request)}))
            return await self._guarded(handler, request, visit)

        return endpoint

    def form(self, handler: FormHandler, *, signed_in: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            visit = await self.visit(request)
            if signed_in and visit.signed_in is None:
                return self.redirect(visit, "/sign-in")
            body = await request.body()
            if len(body) > _MAX_FORM_BYTES:
                return self.problem(visit, status=413, title="The form is too large",
                                    message="What was sent is larger than any form here takes.")
            form = Form(parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))
            if not secrets.compare_digest(form.get("csrf_token"), visit.session.csrf_token):
                return self.problem(
                    visit, status=403, title="This form has expired",
                    message="The page you sent it from was too old, or from another session. "
                            "Go back, reload the page and send the form again.",
                )

            async def with_form(request: Request, visit: Visit) -> Response:
                return await handler(request, visit, form)

            return await self._guarded(with_form, request, visit)

        return endpoint

    async def _guarded(self, handler: Handler, request: Request, visit: Visit) -> Response:
        try:
            return await handler(request, visit)
        except GRAPH_UNAVAILABLE_ERRORS:
            return self.problem(visit, status=503, title="Sorry, the service is unavailable",
                                message="The hub cannot reach its database just now. Nothing was changed; "
                                        "try again in a few minutes.")
        except HubError as error:
            return self.problem(visit, status=error.status, title="Sorry, this could not be done",
                                message=error.message)
        except Exception as error:
            # By class only: the message may quote case content read for the page.
            log.error("page failed", extra={"path": request.url.path, "exception": type(error).__name__})
            return self.problem(visit, status=500, title="Sorry, there is a problem with the service",
                                message="Nothing you did caused this. Try again later.")


def _local_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(target: str) -> str:
    """A page of this hub to go on to after sign-in; anything else (another site, a scheme) is home."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
