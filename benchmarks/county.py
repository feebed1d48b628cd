"""The county-scale benchmark graph: its own Neo4j instance, generated once and then reused.

The graph lives in a dedicated instance under `<neo4j cache>/instances/bench`, so loading a
million people never touches the development or test databases. A `BenchmarkGraph` marker
node records the generator's parameters once the load has finished; a later run with the
same parameters finds it and reuses the graph instead of loading it again.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction
from pydantic import SecretStr

from benchmarks import apoc
from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city, local_neo4j
from graph import migrations, workbook
from graph.model import GraphBatch, PersonKind

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
BENCH_BOLT_PORT = 7697
BENCH_PASSWORD = "hub-bench-password"  # noqa: S105 (a scratch instance bound to 127.0.0.1)
# A Neo4j for a million people next to the API and the benchmark client on 2 cores / 24 GB.
BENCH_HEAP = "3g"
BENCH_PAGECACHE = "6g"
FULL_SCALE_FAMILIES = 120_000  # about 254,000 children and 1,007,000 people
DEFAULT_SEED = 11
CHUNK_FAMILIES = 2_000

# Of the children, how many have a current consent on file from a parent with parental
# responsibility, and how many a consent override (most approved, some still requested).
CONSENT_RATE = 0.30
OVERRIDE_RATE = 0.02
_PARTNER_AGENCY_KINDS = ("POLICE", "HEALTH", "EDUCATION", "PROBATION", "HOUSING", "YOUTH_JUSTICE")

MARKER: LiteralString = """
MATCH (m:BenchmarkGraph {name: 'county'})
RETURN m {.families, .seed, .chunk_families, .children, .people, .items, .seconds} AS marker
"""

WRITE_MARKER: LiteralString = """
MERGE (m:BenchmarkGraph {name: 'county'})
SET m.families = $families, m.seed = $seed, m.chunk_families = $chunk_families,
    m.children = $children, m.people = $people, m.items = $items, m.seconds = $seconds,
    m.loaded_at = datetime()
"""

# Migrations leave nodes of their own (history, audit chain head): data means people or agencies.
ANY_NODE: LiteralString = "RETURN EXISTS { (:Person) } OR EXISTS { (:Agency) } AS any"

AGENCIES: LiteralString = "MATCH (a:Agency) RETURN a.id AS id, a.kind AS kind ORDER BY a.id"

CASE_HOLDERS: LiteralString = """
MATCH (p:Professional)-[:ALLOCATED_TO {role: 'case_holder'}]->(:Child)
RETURN DISTINCT p.id AS id ORDER BY id LIMIT 200
"""

MANAGERS: LiteralString = """
MATCH (p:Professional) WHERE 'crs_manager' IN p.roles
RETURN p.id AS id ORDER BY id LIMIT 20
"""

WRITE_CONSENTS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Person:Child {id: row.child_id}), (giver:Person {id: row.giver_id})
CREATE (k:Consent {
    id: row.id, scope: row.scope, agencies: row.agencies, purpose: 'MASH enquiry',
    method: 'VERBAL', given_at: datetime(row.given_at), expires_at: datetime(row.expires_at),
    recorded_by: row.recorded_by
})
CREATE (giver)-[:GAVE]->(k)-[:COVERS]->(c)
"""

# Overrides generated before the generator named the ground's property as the hub does.
NAME_OVERRIDE_GROUNDS: LiteralString = """
MATCH (o:ConsentOverride) WHERE o.reason IS NULL AND o.ground IS NOT NULL
CALL (o) { SET o.reason = o.ground REMOVE o.ground } IN TRANSACTIONS OF 10000 ROWS
"""
WRITE_OVERRIDES: LiteralString = """
UNWIND $rows AS row
MATCH (c:Person:Child {id: row.child_id})
CREATE (o:ConsentOverride {
    id: row.id, reason: 'SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION', scope: row.scope,
    agencies: row.agencies, status: row.status, requested_by: row.requested_by,
    requested_at: datetime(row.requested_at), decided_by: row.decided_by,
    decided_at: CASE WHEN row.decided_at IS NULL THEN null ELSE datetime(row.decided_at) END,
    expires_at: CASE WHEN row.expires_at IS NULL THEN null ELSE datetime(row.expires_at) END
})
CREATE (o)-[:FOR]->(c)
"""


@dataclass(frozen=True, slots=True)
class CountyParameters:
    families: int
    seed: int = DEFAULT_SEED
    chunk_families: int = CHUNK_FAMILIES


@dataclass(frozen=True, slots=True)
class CountyGraph:
    parameters: CountyParameters
    children: int
    people: int
    items: int
    seconds: float
    reused: bool

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


def bench_home(settings: Settings) -> Path:
    return settings.neo4j_cache_dir / "instances" / "bench"


def bench_server(
    settings: Settings, *, bolt_port: int = BENCH_BOLT_PORT, home: Path | None = None
) -> local_neo4j.LocalNeo4j:
    """The benchmark instance (or another at `home`), with APOC Core, which the peer needs."""
    home = home if home is not None else bench_home(settings)
    lib_dir = local_neo4j.fetch_distribution(settings.neo4j_cache_dir, settings.neo4j_version)
    apoc_jars = apoc.fetch(settings.neo4j_cache_dir, lib_dir)
    apoc.install_plugins(home, apoc_jars)
    return local_neo4j.LocalNeo4j(
        home=home, lib_dir=apoc.lib_with_apoc(lib_dir, apoc_jars), bolt_port=bolt_port,
        password=BENCH_PASSWORD, heap=BENCH_HEAP, pagecache=BENCH_PAGECACHE,
    )


def bench_settings(settings: Settings, instance: local_neo4j.LocalNeo4j) -> Settings:
    """The hub's settings pointed at the benchmark instance."""
    return settings.model_copy(update={
        "neo4j_uri": instance.uri, "neo4j_password": SecretStr(BENCH_PASSWORD), "neo4j_home": instance.home,
    })


def wipe_data(instance: local_neo4j.LocalNeo4j) -> None:
    """Drops the instance's whole store: far faster than deleting a million nodes."""
    instance.stop()
    shutil.rmtree(instance.home / "data", ignore_errors=True)


def loaded_graph(driver: Driver, *, database: str) -> dict[str, Any] | None:
    records, _, _ = driver.execute_query(MARKER, database_=database)
    return dict(records[0]["marker"]) if records else None


def matches(marker: dict[str, Any] | None, parameters: CountyParameters) -> bool:
    return marker is not None and (
        marker["families"], marker["seed"], marker["chunk_families"]
    ) == (parameters.families, parameters.seed, parameters.chunk_families)


def holds_data(driver: Driver, *, database: str) -> bool:
    records, _, _ = driver.execute_query(ANY_NODE, database_=database)
    return bool(records[0]["any"])


def ensure_county(
    driver: Driver,
    parameters: CountyParameters,
    *,
    database: str,
    on_progress: Callable[[int], None] | None = None,
) -> CountyGraph:
    """Reuses the graph the marker describes, or loads it into an empty, migrated database."""
    marker = loaded_graph(driver, database=database)
    if matches(marker, parameters):
        assert marker is not None
        # A graph loaded by an earlier version of the hub gets the schema and the
        # workbooks it has since gained; both steps are idempotent.
        migrations.migrate(driver, MIGRATIONS_DIR, database=database)
        workbook.open_workbooks(driver, database=database)
        with driver.session(database=database) as session:
            session.run(NAME_OVERRIDE_GROUNDS).consume()
        return CountyGraph(parameters, marker["children"], marker["people"], marker["items"],
                           marker["seconds"], reused=True)
    if holds_data(driver, database=database):
        raise RuntimeError("the benchmark database holds another graph: wipe it before loading")
    migrations.migrate(driver, MIGRATIONS_DIR, database=database)
    started = time.perf_counter()
    counts = _Counts()
    items = demo_city.load(driver, counts.watch(demo_city.county(parameters.families, parameters.seed,
                                                       parameters.chunk_families)),
                      database=database, on_progress=on_progress)
    items += _load_consents_and_overrides(driver, counts.batches_again(parameters), parameters,
                                          database=database, on_progress=on_progress)
    seconds = time.perf_counter() - started
    driver.execute_query(
        WRITE_MARKER, families=parameters.families, seed=parameters.seed,
        chunk_families=parameters.chunk_families, children=counts.children, people=counts.people,
        items=items, seconds=seconds, database_=database,
    )
    return CountyGraph(parameters, counts.children, counts.people, items, seconds, reused=False)


class _Counts:
    def __init__(self) -> None:
        self.children = 0
        self.people = 0

    def watch(self, batches: Iterator[GraphBatch]) -> Iterator[GraphBatch]:
        for batch in batches:
            self.people += len(batch.people)
            self.children += sum(1 for person in batch.people if person.kind is PersonKind.CHILD)
            yield batch

    @staticmethod
    def batches_again(parameters: CountyParameters) -> Iterator[GraphBatch]:
        # The generator is deterministic, so a second pass yields the same families.
        return demo_city.county(parameters.families, parameters.seed, parameters.chunk_families)


def _load_consents_and_overrides(
    driver: Driver,
    batches: Iterator[GraphBatch],
    parameters: CountyParameters,
    *,
    database: str,
    on_progress: Callable[[int], None] | None,
) -> int:
    rng = random.Random(parameters.seed * 7919)
    with driver.session(database=database) as session:
        agencies = [dict(r) for r in session.run(AGENCIES)]
        holders = [r["id"] for r in session.run(CASE_HOLDERS)] or ["bench-case-holder"]
        managers = [r["id"] for r in session.run(MANAGERS)] or ["bench-manager"]
    partners = [a["id"] for a in agencies if a["kind"] in _PARTNER_AGENCY_KINDS]
    now = datetime.now(UTC)
    written = 0
    number = 0
    for batch in batches:
        consents: list[dict[str, Any]] = []
        overrides: list[dict[str, Any]] = []
        with_pr: dict[str, str] = {}
        for tie in batch.parent_of:
            if tie.parental_responsibility:
                with_pr.setdefault(tie.child_id, tie.adult_id)
        for person in batch.people:
            if person.kind is not PersonKind.CHILD:
                continue
            number += 1
            targeted = rng.random() < 0.6
            scope = "TARGETED" if targeted else "FULL"
            named = rng.sample(partners, k=min(len(partners), rng.randint(1, 3))) if targeted else []
            if person.id in with_pr and rng.random() < CONSENT_RATE:
                given = now - timedelta(days=rng.randint(1, 300))
                consents.append({
                    "id": f"bench-consent-{number}", "child_id": person.id, "giver_id": with_pr[person.id],
                    "scope": scope, "agencies": named, "given_at": given.isoformat(),
                    "expires_at": (given + timedelta(days=365)).isoformat(), "recorded_by": rng.choice(holders),
                })
            if rng.random() < OVERRIDE_RATE:
                requested = now - timedelta(hours=rng.randint(1, 48))
                approved = rng.random() < 0.8
                overrides.append({
                    "id": f"bench-override-{number}", "child_id": person.id, "scope": scope, "agencies": named,
                    "status": "APPROVED" if approved else "REQUESTED", "requested_by": rng.choice(holders),
                    "requested_at": requested.isoformat(),
                    "decided_by": rng.choice(managers) if approved else None,
                    "decided_at": (requested + timedelta(hours=1)).isoformat() if approved else None,
                    "expires_at": (requested + timedelta(hours=72)).isoformat() if approved else None,
                })
        with driver.session(database=database) as session:
            session.execute_write(_write_rows, WRITE_CONSENTS, consents)
            session.execute_write(_write_rows, WRITE_OVERRIDES, overrides)
        written += len(consents) + len(overrides)
        if on_progress is not None:
            on_progress(len(consents) + len(overrides))
    return written


def _write_rows(tx: ManagedTransaction, query: LiteralString, rows: list[dict[str, Any]]) -> None:
    if rows:
        tx.run(query, rows=rows).consume()
