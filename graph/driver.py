"""The one place a Neo4j driver is made."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase

# The driver's own defaults (60 s to get a connection, 30 s of retrying a transaction)
# turn an outage into requests that hang half a minute before failing. These keep a
# request's wait on an unreachable Neo4j to a few seconds, after which it answers 503.
CONNECTION_TIMEOUT_SECONDS = 3.0
# Longer than the connection timeout, since getting a connection may mean opening one.
ACQUISITION_TIMEOUT_SECONDS = 5.0
# Still long enough for a couple of retries after a deadlock between concurrent writes.
TRANSACTION_RETRY_SECONDS = 2.0


def connect(
    uri: str,
    user: str,
    password: str,
    *,
    connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
    acquisition_timeout: float = ACQUISITION_TIMEOUT_SECONDS,
    transaction_retry: float = TRANSACTION_RETRY_SECONDS,
) -> Driver:
    return GraphDatabase.driver(
        uri,
        auth=(user, password),
        connection_acquisition_timeout=acquisition_timeout,
        connection_timeout=connection_timeout,
        max_transaction_retry_time=transaction_retry,
        max_connection_pool_size=50,
        # Schema-hint warnings (an unknown label in an empty graph) are noise in the logs.
        notifications_min_severity="OFF",
    )
