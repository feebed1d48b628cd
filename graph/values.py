"""Values crossing the driver: the driver's temporal types become the standard library's on the way
out, and times go in as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from neo4j.time import Date, DateTime


def to_python(value: Any) -> Any:
    """Neo4j temporal values become the standard library's, so callers never see driver types."""
    if isinstance(value, DateTime):
        return value.to_native()
    if isinstance(value, Date):
        return value.to_native()
    return value


def utc(moment: datetime) -> datetime:
    """A time as a query parameter: in UTC, a naive one taken as UTC already.

    The driver sends a time in a named zone (a `ZoneInfo`, such as Europe/London) an hour out
    in winter, and can fail outright on one; in UTC the instant is sent exactly."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
