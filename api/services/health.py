"""Whether the hub can serve: Neo4j reachable and migrated."""

from __future__ import annotations

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
