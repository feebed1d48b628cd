"""`hub bench`: the county-scale graph and the benchmark run against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchmarks import apoc, audit_throughput, county, harness, pages, report, scale, year
from config.settings import get_settings
from devtools import local_neo4j
from graph.driver import connect

bench_app = typer.Typer(help="Benchmarks at county scale on a dedicated Neo4j instance.", no_args_is_help=True)
console = Console(stderr=True)


RESULTS_DIR = Path(__file__).resolve().parent / "results"


def add_commands(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def _running_bench_server(bolt_port: int) -> local_neo4j.LocalNeo4j:
    settings = get_settings()
    instance = county.bench_server(settings, bolt_port=bolt_port)
    if instance.status().running and not _has_apoc(instance, settings.neo4j_database):
        console.print("the benchmark Neo4j runs without APOC, which the peer needs: restarting it")
        instance.stop()
    if not instance.status().running:
        console.print(f"starting the benchmark Neo4j on bolt://127.0.0.1:{bolt_port} ({instance.home})")
        instance.start(timeout_seconds=300)
    return instance


def _has_apoc(instance: local_neo4j.LocalNeo4j, database: str) -> bool:
    driver = connect(instance.uri, "neo4j", county.BENCH_PASSWORD)
    try:
        return apoc.present(driver, database=database)
    finally:
        driver.close()


@bench_app.command("county")
def county_command(
    families: Annotated[int, typer.Option(help="Families to generate (120,000: ~254k children, ~1M people).")]
    = county.FULL_SCALE_FAMILIES,
    random_seed: Annotated[int, typer.Option("--seed", help="The generator's seed.")] = county.DEFAULT_SEED,
    bolt_port: Annotated[int, typer.Option(help="Bolt port of the benchmark Neo4j.")] = county.BENCH_BOLT_PORT,
) -> None:
    """Generate the county graph in the benchmark Neo4j, or reuse it when already loaded."""
    settings = get_settings()
    parameters = county.CountyParameters(families=families, seed=random_seed)
    instance = _running_bench_server(bolt_port)
    driver = connect(instance.uri, "neo4j", county.BENCH_PASSWORD)
    try:
        database = settings.neo4j_database
        marker = county.loaded_graph(driver, database=database)
        if not county.matches(marker, parameters) and county.holds_data(driver, database=database):
            console.print("the benchmark database holds another graph: dropping it")
            driver.close()
            county.wipe_data(instance)
            instance = _running_bench_server(bolt_port)
            driver = connect(instance.uri, "neo4j", county.BENCH_PASSWORD)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TextColumn("{task.fields[rate]}"), console=console) as progress:
            task = progress.add_task(f"county ({families:,} families)", total=None, rate="")
            done = [0]

            def advance(items: int) -> None:
                done[0] += items
                elapsed = progress.tasks[0].elapsed or 0.0
                rate = f"{done[0] / elapsed:,.0f} items/s" if elapsed > 0 else ""
                progress.update(task, advance=items, rate=rate)

            graph = county.ensure_county(driver, parameters, database=database, on_progress=advance)
    finally:
        driver.close()
    verb = "reused" if graph.reused else "loaded"
    console.print(f"{verb}: {graph.children:,} children, {graph.people:,} people, {graph.items:,} items "
                  f"in {graph.seconds:,.0f}s ({graph.items_per_second:,.0f} items/s)")


@bench_app.command("run")
def run_command(  # noqa: PLR0917 (each parameter is a command-line option)
    families: Annotated[int, typer.Option(help="The county graph to run against (loaded if missing).")]
    = county.FULL_SCALE_FAMILIES,
    samples: Annotated[int, typer.Option(help="Children sampled for the network and search timings.")] = 200,
    mixed_seconds: Annotated[float, typer.Option(help="Duration of the mixed MASH workload.")] = 30.0,
    audit_events: Annotated[int, typer.Option(help="Audit appends per writer count.")] = 2000,
    throughput_seconds: Annotated[float, typer.Option(
        help="Duration of each network-read throughput measurement (hub and peer, 8 and 32 clients).")] = 15.0,
    peer: Annotated[bool, typer.Option(help="Measure @neo4j/graphql beside the hub (needs Node.js 20+).")] = True,
    bolt_port: Annotated[int, typer.Option(help="Bolt port of the benchmark Neo4j.")] = county.BENCH_BOLT_PORT,
    results_dir: Annotated[Path, typer.Option(help="Where latest.md and latest.json go.")] = RESULTS_DIR,
) -> None:
    """Measure the API against hand-written Cypher and @neo4j/graphql, the policy filter, audit and a mixed
    workload."""
    county_command(families=families, random_seed=county.DEFAULT_SEED, bolt_port=bolt_port)
    settings = get_settings()
    instance = _running_bench_server(bolt_port)
    options = harness.RunOptions(samples=samples, mixed_seconds=mixed_seconds, audit_events=audit_events,
                                 throughput_seconds=throughput_seconds, peer=peer)
    results = harness.run(county.bench_settings(settings, instance), options, log=console.print)
    markdown_path, json_path = report.write(results, results_dir)
    typer.echo(report.markdown(results))
    console.print(f"written {markdown_path} and {json_path}")


@bench_app.command("audit")
def audit_command(
    writers: Annotated[str, typer.Option(help="Writer counts to measure, comma-separated.")] = "1,2,4,8,16,32,48",
    seconds: Annotated[float, typer.Option(help="Duration of each measurement.")] = 10.0,
    results_dir: Annotated[Path, typer.Option(help="Where audit-throughput.md and .json go.")] = RESULTS_DIR,
) -> None:
    """Measure how many audited writes a second the audit chain's head lock allows, on a scratch Neo4j."""
    settings = get_settings()
    counts = [int(count) for count in writers.split(",")]
    lib_dir = local_neo4j.fetch_distribution(settings.neo4j_cache_dir, settings.neo4j_version)
    with audit_throughput.scratch_neo4j(lib_dir) as driver:
        results = audit_throughput.measure(driver, database="neo4j", writer_counts=counts, seconds=seconds)
    markdown_path, json_path = audit_throughput.write(results, results_dir)
    typer.echo(audit_throughput.markdown(results))
    console.print(f"written {markdown_path} and {json_path}")


@bench_app.command("scale")
def scale_command(
    samples: Annotated[int, typer.Option(help="Children sampled on each graph.")] = 100,
    results_dir: Annotated[Path, typer.Option(help="Where scale.md and scale.json go.")] = RESULTS_DIR,
) -> None:
    """How familyNetwork's p50 grows: the demo city, the county and twice the county, each in its own Neo4j."""
    figures = scale.run(get_settings(), samples=samples, log=console.print)
    results_dir.mkdir(parents=True, exist_ok=True)
    table = scale.markdown(figures)
    (results_dir / "scale.md").write_text(table)
    (results_dir / "scale.json").write_text(json.dumps(
        {"machine": report.machine(), "figures": figures}, indent=2, sort_keys=True) + "\n")
    typer.echo(table)


@bench_app.command("pages")
def pages_command(
    samples: Annotated[int, typer.Option(help="Requests timed per page and per GraphQL operation.")] = 40,
    contacts_per_month: Annotated[int, typer.Option(
        help="The county's year: contacts per month, written once through the services.",
    )] = year.DEFAULT_CONTACTS_PER_MONTH,
    results_dir: Annotated[Path, typer.Option(help="Where pages.md and pages.json go.")] = RESULTS_DIR,
) -> None:
    """Each page's server time beside its GraphQL operation, on the demo city and the county with a year of work."""
    figures = pages.run(get_settings(), samples=samples, contacts_per_month=contacts_per_month, log=console.print)
    results_dir.mkdir(parents=True, exist_ok=True)
    table = pages.markdown(figures)
    (results_dir / "pages.md").write_text(table)
    (results_dir / "pages.json").write_text(json.dumps(
        {"machine": report.machine(), "figures": figures}, indent=2, sort_keys=True) + "\n")
    typer.echo(table)


@bench_app.command("stop")
def stop_command(
    bolt_port: Annotated[int, typer.Option(help="Bolt port of the benchmark Neo4j.")] = county.BENCH_BOLT_PORT,
) -> None:
    """Stop the benchmark Neo4j; its graph stays on disk for the next run."""
    status = county.bench_server(get_settings(), bolt_port=bolt_port).stop()
    console.print(f"benchmark Neo4j {status.describe()}")
