"""The one place a Neo4j driver is made."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase


def connect(uri: str, user: str, password: str) -> Driver:
    return GraphDatabase.driver(
        uri,
        auth=(user, password),
        # Fail fast when Neo4j is down so /health answers 503 instead of hanging.
        connection_acquisition_timeout=10.0,
        connection_timeout=5.0,
        max_connection_pool_size=50,
        # Schema-hint warnings (an unknown label in an empty graph) are noise in the logs.
        notifications_min_severity="OFF",
    )
