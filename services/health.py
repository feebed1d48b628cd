"""Whether the hub can serve: Neo4j reachable and migrated, answered within a bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError

from graph import migrations


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    neo4j: str
    migration: str | None
    reason: str | None = None


def check(driver: Driver, *, database: str) -> HealthReport:
    try:
        # Connecting is not retried, so a refused connection is reported at once rather
        # than after the transaction retries of the query below.
        driver.verify_connectivity()
        applied = migrations.applied(driver, database=database)
    except (DriverError, Neo4jError, OSError) as error:
        return HealthReport(
            healthy=False, neo4j="unreachable", migration=None,
            reason=f"Neo4j is unreachable ({type(error).__name__})",
        )
    if not applied:
        return HealthReport(
            healthy=False, neo4j="up", migration=None,
            reason="no migration applied: run `hub migrate`",
        )
    latest = applied[-1]
    return HealthReport(healthy=True, neo4j="up", migration=f"V{latest.version} {latest.description}")


class HealthProbe:
    """`check`, answered within `timeout_seconds` whatever Neo4j does, at most one at a time.

    A Neo4j that accepts connections but does not answer would hold a check for as long as
    the driver waits; the caller gets "did not answer" at the bound while the check goes on
    in the background. Probes arriving meanwhile wait on that same check instead of each
    starting another, and an answer is repeated for `cache_seconds`, so a flood of /health
    requests during an outage costs one thread and one query at a time.
    """

    def __init__(
        self,
        driver: Driver,
        *,
        database: str,
        timeout_seconds: float,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._driver = driver
        self._database = database
        self._timeout_seconds = timeout_seconds
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: Future[HealthReport] | None = None
        self._last: tuple[float, HealthReport] | None = None

    def report(self) -> HealthReport:
        with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self._cache_seconds:
                return self._last[1]
            if self._in_flight is None:
                self._in_flight = Future()
                # A daemon, so a check stuck on a silent Neo4j never holds up the process's exit.
                threading.Thread(target=self._probe, args=(self._in_flight,), name="hub-health", daemon=True).start()
            in_flight = self._in_flight
        try:
            return in_flight.result(timeout=self._timeout_seconds)
        except TimeoutError:
            return HealthReport(
                healthy=False, neo4j="unreachable", migration=None,
                reason=f"Neo4j did not answer within {self._timeout_seconds:g}s",
            )

    def _probe(self, answer: Future[HealthReport]) -> None:
        try:
            report = check(self._driver, database=self._database)
        except Exception as error:
            with self._lock:
                self._in_flight = None
            answer.set_exception(error)
            return
        with self._lock:
            self._in_flight = None
            self._last = (self._clock(), report)
        answer.set_result(report)
