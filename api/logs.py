"""Structured JSON logs, each line carrying the id of the request it belongs to.

Only metadata is logged (method, path, status, timings, ids): never request bodies,
GraphQL variables, tokens or case content.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES
        )
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log would repeat every request without the request id.
    logging.getLogger("uvicorn.access").disabled = True
    keep_content_out_of_library_logs()


def keep_content_out_of_library_logs() -> None:
    """Caps the loggers of libraries that log content, whatever level the hub logs at.

    The Neo4j driver logs every query's parameters at DEBUG: a GraphQL variable's value,
    a child's name being searched for, the plaintext of a field about to be compared. A
    hub run at DEBUG to find a fault must not write those.
    """
    driver_log = logging.getLogger("neo4j")
    driver_log.setLevel(max(driver_log.level, logging.WARNING))
