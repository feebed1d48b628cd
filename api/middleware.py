"""Per-request context as plain ASGI: a request id, hardening headers, metrics and one log line per request.

Plain ASGI rather than Starlette's `BaseHTTPMiddleware`, which runs the rest of the app in
a separate task and copies every response body through a stream: a cost on each request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import request_id_var
from api.metrics import UNMATCHED_ROUTE, Metrics, method_label

log = logging.getLogger("hub.api")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Every answer is data for a program, never a page: nothing may run, load or frame it.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Set on every response unless the response chose its own (GraphiQL's page sets its own
# policy). no-store because GraphQL answers and the audit export carry case data, which
# no browser, proxy or shared cache should keep; the rest is cheap to fetch again.
_DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", API_CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


def _hardened(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    return [*headers, *((name, value) for name, value in _DEFAULT_HEADERS if name not in present)]


def _offered_request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            offered = value.decode("latin-1")
            return offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
    return uuid.uuid4().hex


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request_id = _offered_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = _hardened([*message.get("headers", []), (b"x-request-id", request_id.encode())])
            await send(message)

        method, path = scope["method"], scope["path"]
        self._metrics.in_progress.inc()
        try:
            await self._app(scope, receive, send_with_request_id)
        except Exception as error:
            # By class, without the exception: its message may quote what the request
            # carried or what was read for it, and a traceback repeats the message.
            log.error("request failed", extra={"method": method, "path": path, "exception": type(error).__name__})
            if not response_started:
                failure = JSONResponse({"error": "internal error", "request_id": request_id}, status_code=500)
                await failure(scope, receive, send_with_request_id)
        finally:
            self._metrics.in_progress.dec()
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self._metrics.requests.labels(method_label(method), route, str(status)).inc()
            self._metrics.latency.labels(method_label(method), route).observe(elapsed)
            log.info(
                "request",
                extra={"request_id": request_id, "method": method, "path": path, "status": status,
                       "ms": round(elapsed * 1000, 1)},
            )
            request_id_var.reset(token)


def _route_template(scope: Scope) -> str:
    # The router records the route it matched in the scope it was given, which is this
    # one: "/audit/export", never the path with whatever a caller put in it.
    template = getattr(scope.get("route"), "path", None)
    return template if isinstance(template, str) else UNMATCHED_ROUTE


BODY_TOO_LARGE = "body_too_large"
HEADERS_TOO_LARGE = "headers_too_large"


class BodyTooLarge(Exception):
    """The request body grew past the limit while the app was reading it."""


class RequestLimits:
    """Refuses oversized requests before the app reads them: headers (431) and bodies (413).

    A body is counted as it arrives, so one sent without a Content-Length (chunked) is held
    to the same limit as one that declares its length.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int,
        on_refusal: Callable[[str], None] = lambda _: None,
    ) -> None:
        self._app = app
        self._max_body = max_body_bytes
        self._max_headers = max_header_bytes
        # Told the kind of each refusal, for the metrics.
        self._on_refusal = on_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        header_bytes = sum(len(name) + len(value) for name, value in scope["headers"])
        if header_bytes > self._max_headers:
            self._on_refusal(HEADERS_TOO_LARGE)
            await _refuse(scope, receive, send, 431, f"request headers exceed {self._max_headers} bytes")
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self._max_body):
            self._on_refusal(BODY_TOO_LARGE)
            await _refuse(scope, receive, send, 413, f"request body exceeds {self._max_body} bytes")
            return
        received = 0
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_body:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            self._on_refusal(BODY_TOO_LARGE)
            if not response_started:
                await _refuse(scope, receive, send, 413, f"request body exceeds {self._max_body} bytes")


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    await JSONResponse({"error": reason}, status_code=status)(scope, receive, send)
