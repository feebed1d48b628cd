"""How the network read grows with the graph: the demo city, the county, and twice the county.

    hub bench scale [--samples 100]

Each graph lives in a benchmark instance of its own (the county in the usual one), loaded
once and reused like the county. The three run side by side, each with one hub API process,
and are measured interleaved per sample, the order rotating, so the machine's noise falls on
all alike: for each graph, its sampled networks over HTTP and by the hand-written Cypher.
Before timing, every network is read `WARM_ROUNDS` times, so a freshly started Neo4j has
compiled its plans and warmed its page cache as one in service has. Instances this command
started are stopped again at the end.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from neo4j import Driver

from benchmarks import county, handwritten, harness
from config.settings import Settings
from devtools import demo_city, local_neo4j
from graph import migrations
from graph.driver import connect
from policies import POLICY_PATH

CITY_MARKER: LiteralString = "MATCH (m:BenchmarkGraph {name: 'city'}) RETURN count(m) > 0 AS loaded"
WRITE_CITY_MARKER: LiteralString = "MERGE (m:BenchmarkGraph {name: 'city'}) SET m.loaded_at = datetime()"
SIZE: LiteralString = "MATCH (p:Person) RETURN count(p) AS people, COUNT { (:Child) } AS children"


@dataclass(frozen=True, slots=True)
class Graph:
    name: str
    home: str  # the instance folder under <neo4j cache>/instances
    bolt_port: int
    families: int | None  # None: the demo city

    def load(self, driver: Driver, database: str, log: Callable[[str], None]) -> None:
        if self.families is None:
            # Migrated every time, as the county is: a city loaded by an earlier version of
            # the hub gets the schema it has since gained (the API is not ready without it).
            migrations.migrate(driver, county.MIGRATIONS_DIR, database=database)
            records, _, _ = driver.execute_query(CITY_MARKER, database_=database)
            if not records[0]["loaded"]:
                log(f"{self.name}: loading")
                demo_city.load(driver, [demo_city.demo_city()], database=database)
                driver.execute_query(WRITE_CITY_MARKER, database_=database)
            return
        parameters = county.CountyParameters(families=self.families)
        if not county.matches(county.loaded_graph(driver, database=database), parameters):
            log(f"{self.name}: loading {self.families:,} families (once; this takes a while)")
        county.ensure_county(driver, parameters, database=database)


GRAPHS = (
    Graph("demo city", "bench-city", county.BENCH_BOLT_PORT + 1, None),
    Graph("county", "bench", county.BENCH_BOLT_PORT, county.FULL_SCALE_FAMILIES),
    Graph("twice the county", "bench-county-x2", county.BENCH_BOLT_PORT + 2, 2 * county.FULL_SCALE_FAMILIES),
)


WARM_ROUNDS = 3


@dataclass
class _Measured:
    """One graph under measurement: its driver, cast, API client and timings."""

    graph: Graph
    driver: Driver
    database: str
    cast: harness.Cast
    client: harness.GraphQLClient
    size: dict[str, Any]
    hub: harness.Timings = field(default_factory=harness.Timings)
    cypher: harness.Timings = field(default_factory=harness.Timings)
    people: list[int] = field(default_factory=list)
    records: list[int] = field(default_factory=list)

    def by_hub(self, child_id: str) -> None:
        if self.client.ask(self.cast.social_worker, harness.FAMILY_NETWORK_QUERY, childId=child_id).failed:
            raise harness.BenchmarkError(f"{self.graph.name}: the hub failed to answer for {child_id}")

    def by_hand(self, child_id: str) -> None:
        answer = handwritten.family_network(self.driver, child_id, database=self.database)
        self.people.append(len(answer["people"]))
        self.records.append(len(answer["records"]))

    def figures(self) -> dict[str, Any]:
        return {"graph": self.graph.name, "people": self.size["people"], "children": self.size["children"],
                "mean_people_per_network": statistics.fmean(self.people) if self.people else 0.0,
                "mean_records_per_network": statistics.fmean(self.records) if self.records else 0.0,
                "hub": self.hub.summary(), "handwritten_cypher": self.cypher.summary()}


def run(settings: Settings, *, samples: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    options = harness.RunOptions(samples=samples)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-bench-scale-")))
        measured = [_prepare(stack, graph, settings, options, folder=folder, log=log) for graph in GRAPHS]
        log(f"warming: every sampled network read {WARM_ROUNDS} times on each graph")
        for _ in range(WARM_ROUNDS):
            for each in measured:
                for child in each.cast.children:
                    each.by_hub(child["id"])
                    each.by_hand(child["id"])
        log("measuring, interleaved")
        variants = [(timings, measure, each.cast) for each in measured
                    for timings, measure in ((each.hub, each.by_hub), (each.cypher, each.by_hand))]
        for each in measured:
            each.people.clear()
            each.records.clear()
        for index in range(samples + options.warmup):
            rotation = index % len(variants)
            for timings, measure, cast in variants[rotation:] + variants[:rotation]:
                child_id = cast.children[index % len(cast.children)]["id"]
                started = time.perf_counter()
                measure(child_id)
                if index >= options.warmup:
                    timings.seconds.append(time.perf_counter() - started)
        for each in measured:
            each.client.close()
        return [each.figures() for each in measured]


def _prepare(
    stack: ExitStack, graph: Graph, settings: Settings, options: harness.RunOptions, *, folder: Path,
    log: Callable[[str], None],
) -> _Measured:
    instance = instance_for(settings, graph)
    if not instance.status().running:
        log(f"{graph.name}: starting its Neo4j ({instance.home})")
        instance.start(timeout_seconds=600)
        stack.callback(instance.stop)
    graph_settings = county.bench_settings(settings, instance)
    database = graph_settings.neo4j_database
    driver = connect(graph_settings.neo4j_uri, graph_settings.neo4j_user,
                     graph_settings.neo4j_password.get_secret_value())
    stack.callback(driver.close)
    graph.load(driver, database, log)
    cast = harness._cast(driver, database, options)
    harness.forget_earlier_workloads(driver, database, cast)
    size = driver.execute_query(SIZE, database_=database)[0][0].data()
    api = stack.enter_context(harness.api_process(graph_settings, name=graph.home, policy=POLICY_PATH, folder=folder))
    log(f"{graph.name}: {size['people']:,} people, {len(cast.children)} sampled networks")
    tokens = harness._tokens(graph_settings, cast)
    return _Measured(graph, driver, database, cast, harness.GraphQLClient(api.port, tokens), size)


def markdown(figures: list[dict[str, Any]]) -> str:
    first = figures[0]["hub"]["p50_ms"]
    lines = [
        "| graph | people | people, records per network | hub p50 | hub p95 | Cypher p50 | Cypher p95 "
        "| hub p50 against the demo city |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in figures:
        hub, cypher = row["hub"], row["handwritten_cypher"]
        lines.append(
            f"| {row['graph']} | {row['people']:,} | {row['mean_people_per_network']:.1f}, "
            f"{row['mean_records_per_network']:.1f} | {hub['p50_ms']:.1f} ms | {hub['p95_ms']:.1f} ms | "
            f"{cypher['p50_ms']:.1f} ms | {cypher['p95_ms']:.1f} ms | {hub['p50_ms'] / first:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def instance_for(settings: Settings, graph: Graph) -> local_neo4j.LocalNeo4j:
    return county.bench_server(
        settings, bolt_port=graph.bolt_port, home=settings.neo4j_cache_dir / "instances" / graph.home)
