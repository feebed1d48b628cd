"""Errors the services raise when a request cannot be done; each carries its HTTP status.

GraphQL mutations turn the expected ones into typed results; REST renders them with their
status and message. None of them carries case content.
"""

from __future__ import annotations

from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError


class HubError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(HubError):
    status = 401
    code = "unauthenticated"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    status = 409
    code = "conflict"


class AuditUnavailable(HubError):
    """The audit record could not be written, so the act it records was not done."""

    status = 503
    code = "audit_unavailable"


class GraphUnavailable(HubError):
    """Neo4j could not be reached, or could not serve, within the driver's timeouts. Each
    use case is one transaction, all or nothing, so nothing of the request is half-written."""

    status = 503
    code = "graph_unavailable"


# What the driver raises when Neo4j is down, restarting or too busy, once its retries are
# spent: the caller should try again later, which a 500 would not tell it.
GRAPH_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (ServiceUnavailable, SessionExpired, TransientError)
