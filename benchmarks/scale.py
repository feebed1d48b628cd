"""How the network read grows with the graph: the demo city, the county, and twice the county.

    hub bench scale [--samples 100]

Each graph lives in a benchmark instance of its own (the county in the usual one), loaded
once and reused like the county; they are measured one after the other, each instance
running alone with the benchmark's heap and page cache, and stopped again afterwards unless
it was running before. For each, one hub API process reads sampled networks over HTTP,
interleaved with the hand-written Cypher, after a warming pass as in `hub bench run`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
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
            records, _, _ = driver.execute_query(CITY_MARKER, database_=database)
            if not records[0]["loaded"]:
                log(f"{self.name}: loading")
                migrations.migrate(driver, county.MIGRATIONS_DIR, database=database)
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


def run(settings: Settings, *, samples: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    figures = []
    for graph in GRAPHS:
        instance = instance_for(settings, graph)
        was_running = instance.status().running
        if not was_running:
            log(f"{graph.name}: starting its Neo4j ({instance.home})")
            instance.start(timeout_seconds=600)
        try:
            figures.append(_measure(graph, county.bench_settings(settings, instance), samples=samples, log=log))
        finally:
            if not was_running:
                instance.stop()
    return figures


def _measure(graph: Graph, settings: Settings, *, samples: int, log: Callable[[str], None]) -> dict[str, Any]:
    database = settings.neo4j_database
    driver = connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    try:
        graph.load(driver, database, log)
        options = harness.RunOptions(samples=samples)
        cast = harness._cast(driver, database, options)
        harness.forget_earlier_workloads(driver, database, cast)
        size = driver.execute_query(SIZE, database_=database)[0][0]
        tokens = harness._tokens(settings, cast)
        hub, cypher = harness.Timings(), harness.Timings()
        people: list[int] = []
        with tempfile.TemporaryDirectory(prefix="hub-bench-scale-") as folder, harness.api_process(
            settings, name="policy", policy=POLICY_PATH, folder=Path(folder)
        ) as api:
            client = harness.GraphQLClient(api.port, tokens)

            def by_hub(child_id: str) -> None:
                if client.ask(cast.social_worker, harness.FAMILY_NETWORK_QUERY, childId=child_id).failed:
                    raise harness.BenchmarkError(f"{graph.name}: the hub failed to answer for {child_id}")

            def by_hand(child_id: str) -> None:
                people.append(len(handwritten.family_network(driver, child_id, database=database)["people"]))

            log(f"{graph.name}: {size['people']:,} people; {len(cast.children)} networks, hub and Cypher")
            variants = [(hub, by_hub), (cypher, by_hand)]
            for child in cast.children:
                for _, measure in variants:
                    measure(child["id"])
            people.clear()
            for index, child in enumerate(cast.children):
                for timings, measure in variants[index % 2:] + variants[:index % 2]:
                    started = time.perf_counter()
                    measure(child["id"])
                    if index >= options.warmup:
                        timings.seconds.append(time.perf_counter() - started)
            client.close()
        return {"graph": graph.name, "people": size["people"], "children": size["children"],
                "mean_people_per_network": statistics.fmean(people) if people else 0.0,
                "hub": hub.summary(), "handwritten_cypher": cypher.summary()}
    finally:
        driver.close()


def markdown(figures: list[dict[str, Any]]) -> str:
    first = figures[0]["hub"]["p50_ms"]
    lines = [
        "| graph | people | people per network | hub p50 | hub p95 | Cypher p50 | hub p50 against the demo city |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in figures:
        hub, cypher = row["hub"], row["handwritten_cypher"]
        lines.append(
            f"| {row['graph']} | {row['people']:,} | {row['mean_people_per_network']:.1f} | {hub['p50_ms']:.1f} ms | "
            f"{hub['p95_ms']:.1f} ms | {cypher['p50_ms']:.1f} ms | {hub['p50_ms'] / first:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def instance_for(settings: Settings, graph: Graph) -> local_neo4j.LocalNeo4j:
    return county.bench_server(
        settings, bolt_port=graph.bolt_port, home=settings.neo4j_cache_dir / "instances" / graph.home)
