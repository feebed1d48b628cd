"""Whether the hub can serve: Neo4j reachable, every migration it ships applied, the policy in
force usable; answered within a bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError

from graph import audit_chain, contacts, migrations, policy_store
from policies import Policy, PolicyError


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    neo4j: str
    migration: str | None
    policy: str | None = None
    reason: str | None = None
    # The audit chain's head seq: how many events every replica together has appended.
    audit_events: int | None = None
    # Open contacts past their due time, by urgency.
    overdue_contacts: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class _GraphState:
    policy: policy_store.StoredPolicy | None
    audit_head: audit_chain.HeadRow | None
    overdue_contacts: dict[str, int]


def _read_state(tx: ManagedTransaction) -> _GraphState:
    return _GraphState(
        policy=policy_store.current_policy(tx), audit_head=audit_chain.read_head(tx),
        overdue_contacts=contacts.overdue_by_urgency(tx),
    )


class PolicyVerdicts:
    """Whether a stored policy revision can be put in force, asked of Casbin once per revision."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verdicts: dict[str, str | None] = {}
        self._trial: Policy | None = None

    def problem(self, stored: policy_store.StoredPolicy) -> str | None:
        with self._lock:
            if stored.revision not in self._verdicts:
                # A policy of its own to try the revision on: the probe never changes the
                # policy requests are decided by (that is `PolicySync`'s, on each request).
                self._trial = self._trial or Policy()
                try:
                    self._trial.adopt(stored.model_text, stored.policy_text)
                    self._verdicts[stored.revision] = None
                except PolicyError as error:
                    self._verdicts[stored.revision] = f"the policy revision in force cannot be used ({error})"
            return self._verdicts[stored.revision]


def check(
    driver: Driver,
    *,
    database: str,
    expected: Sequence[migrations.Migration],
    policies: PolicyVerdicts,
) -> HealthReport:
    try:
        # Connecting is not retried, so a refused connection is reported at once rather
        # than after the transaction retries of the queries below.
        driver.verify_connectivity()
        applied = migrations.applied(driver, database=database)
        with driver.session(database=database) as session:
            state = session.execute_read(_read_state)
    except (DriverError, Neo4jError, OSError) as error:
        return HealthReport(
            healthy=False, neo4j="unreachable", migration=None,
            reason=f"Neo4j is unreachable ({type(error).__name__})",
        )
    latest = f"V{applied[-1].version} {applied[-1].description}" if applied else None
    policy = f"revision {state.policy.revision[:12]}" if state.policy is not None else "the files shipped"
    audit_events = state.audit_head["seq"] if state.audit_head is not None else 0
    problem = _migration_problem(expected, applied)
    if problem is None and state.policy is not None:
        problem = policies.problem(state.policy)
    return HealthReport(
        healthy=problem is None, neo4j="up", migration=latest, policy=policy, reason=problem,
        audit_events=audit_events, overdue_contacts=state.overdue_contacts,
    )


def _migration_problem(
    expected: Sequence[migrations.Migration], applied: Sequence[migrations.AppliedMigration]
) -> str | None:
    """None when every migration this hub ships is applied as shipped.

    A graph migrated further than this hub (by a newer replica in a rolling update) is no
    problem: migrations add to the schema, and this replica serves until it is replaced.
    """
    if not applied:
        return "no migration applied: run `hub migrate`"
    done = {record.version: record for record in applied}
    for migration in expected:
        record = done.get(migration.version)
        if record is None:
            return f"{migration.source} is not applied: run `hub migrate`"
        if record.checksum != migration.checksum:
            return f"{migration.source} differs from the migration applied as version {migration.version}"
    return None


class HealthProbe:
    """`check`, answered within `timeout_seconds` whatever Neo4j does, at most one at a time.

    A Neo4j that accepts connections but does not answer would hold a check for as long as
    the driver waits; the caller gets "did not answer" at the bound while the check goes on
    in the background. Probes arriving meanwhile wait on that same check instead of each
    starting another, and an answer is repeated for `cache_seconds`, so a flood of /readyz
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
        expected_migrations: Sequence[migrations.Migration] | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self._timeout_seconds = timeout_seconds
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._expected = (
            tuple(expected_migrations) if expected_migrations is not None
            else tuple(migrations.discover(migrations.bundled()))
        )
        self._policies = PolicyVerdicts()
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
            report = check(self._driver, database=self._database, expected=self._expected, policies=self._policies)
        except Exception as error:
            with self._lock:
                self._in_flight = None
            answer.set_exception(error)
            return
        with self._lock:
            self._in_flight = None
            self._last = (self._clock(), report)
        answer.set_result(report)
