"""Values as they leave the graph: the driver's temporal types become the standard library's."""

from __future__ import annotations

from typing import Any

from neo4j.time import Date, DateTime


def to_python(value: Any) -> Any:
    """Neo4j temporal values become the standard library's, so callers never see driver types."""
    if isinstance(value, DateTime):
        return value.to_native()
    if isinstance(value, Date):
        return value.to_native()
    return value
