"""How many audited writes a second the audit chain's single head lock allows.

Every act that is audited appends its event, as the last write of its own transaction, after
the one `AuditHead` node, whose write lock it holds until it commits: however many replicas
and writers there are, audited writes pass the head one at a time. This measures that ceiling
on this machine. Each writer repeats one act in a transaction (a node written, as an act writes
its record), with its audit event through the real `AuditTrail`, and the same act without one
beside it; the gap between the two, as writers are added, is what the lock costs.

    .venv/bin/hub bench audit                      # a scratch Neo4j of its own, started and stopped
    .venv/bin/hub bench audit --writers 1,4,16,48 --seconds 20

Results go to benchmarks/results/audit-throughput.{md,json}.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import LiteralString

from neo4j import Driver, ManagedTransaction

from devtools import local_neo4j
from graph import migrations
from graph.driver import connect
from protection.audit_trail import AuditTrail
from protection.chain import generate_signing_key

# The scratch instance's own, on 127.0.0.1 only and gone when the benchmark ends.
PASSWORD = "audit-throughput-password"  # noqa: S105
WARM_UP_SECONDS = 5.0
# graph.driver's pool holds 50 connections; a writer more would wait for one, not for the head.
MAX_WRITERS = 48
# An act's own write: one node, as recording a consent or a contact writes one.
WRITE_ACT: LiteralString = "CREATE (:BenchmarkAct {id: $id, by: $by, at: datetime()})"
CLEAR: LiteralString = """
MATCH (n) WHERE n:BenchmarkAct OR n:AuditEvent OR n:AuditCheckpoint OR n:AuditHead
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


@dataclass(frozen=True, slots=True)
class Measurement:
    writers: int
    audited_per_second: float
    unaudited_per_second: float
    audited_p50_ms: float
    audited_p99_ms: float


@dataclass(frozen=True, slots=True)
class Results:
    machine: str
    seconds_each: float
    measurements: tuple[Measurement, ...]

    @property
    def ceiling(self) -> Measurement:
        return max(self.measurements, key=lambda measurement: measurement.audited_per_second)


def _act(trail: AuditTrail | None, writer: int) -> Callable[[ManagedTransaction], None]:
    def work(tx: ManagedTransaction) -> None:
        act_id = uuid.uuid4().hex
        tx.run(WRITE_ACT, id=act_id, by=f"writer-{writer}").consume()
        if trail is not None:
            trail.record(
                tx, actor=f"pro-bench-{writer}", agency="agency-bench", role="mash_social_worker",
                action="consent.recorded", targets=[act_id], basis=None, override_id=None,
                request_id=f"bench-{act_id}",
            )

    return work


def _rate(
    driver: Driver, *, database: str, writers: int, seconds: float, trail: AuditTrail | None
) -> tuple[float, list[float]]:
    """Acts committed a second by `writers` threads for `seconds`, and each act's duration."""
    barrier = threading.Barrier(writers + 1)
    stop = threading.Event()
    durations: list[list[float]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        work = _act(trail, number)
        try:
            with driver.session(database=database) as session:
                barrier.wait()
                while not stop.is_set():
                    started = time.perf_counter()
                    session.execute_write(work)
                    durations[number].append(time.perf_counter() - started)
        except BaseException as error:  # re-raised below, once every writer has stopped
            errors.append(error)
            stop.set()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    every = sorted(duration for per_writer in durations for duration in per_writer)
    return len(every) / elapsed, every


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))] if sorted_values else 0.0


def measure(driver: Driver, *, database: str, writer_counts: Sequence[int], seconds: float) -> Results:
    if max(writer_counts) > MAX_WRITERS:
        raise ValueError(f"at most {MAX_WRITERS} writers: one driver's pool, as one replica has")
    machine = _machine()
    # A checkpoint every 1000 events, as the hub's default: its signature is part of the cost.
    trail = AuditTrail(generate_signing_key(), checkpoint_every=1000, database=database)
    # A fresh JVM compiles as it goes: the first seconds of either variant would read slow.
    for warming in (None, trail):
        _rate(driver, database=database, writers=max(writer_counts), seconds=WARM_UP_SECONDS, trail=warming)
    measurements: list[Measurement] = []
    for writers in writer_counts:
        with driver.session(database=database) as session:
            session.run(CLEAR).consume()
        # Interleaved per writer count, so a drift of the machine touches both alike.
        unaudited, _ = _rate(driver, database=database, writers=writers, seconds=seconds, trail=None)
        audited, durations = _rate(driver, database=database, writers=writers, seconds=seconds, trail=trail)
        measurements.append(Measurement(
            writers=writers, audited_per_second=audited, unaudited_per_second=unaudited,
            audited_p50_ms=_percentile(durations, 0.5) * 1000, audited_p99_ms=_percentile(durations, 0.99) * 1000,
        ))
    return Results(machine=machine, seconds_each=seconds, measurements=tuple(measurements))


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    cores = sum(1 for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("processor"))
    load = os.getloadavg()[0]
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, load average {load:.1f} at the start"


@contextmanager
def scratch_neo4j(lib_dir: Path) -> Iterator[Driver]:
    """A Neo4j of the benchmark's own in a temporary folder, migrated, stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="hub-audit-bench-") as home:
        instance = local_neo4j.LocalNeo4j(
            home=Path(home), lib_dir=lib_dir, bolt_port=local_neo4j.free_port(), password=PASSWORD,
            heap="1g", pagecache="256m",
        )
        instance.start()
        try:
            with connect(instance.uri, "neo4j", PASSWORD) as driver:
                migrations.migrate(driver, migrations.bundled(), database="neo4j")
                yield driver
        finally:
            instance.stop()


def markdown(results: Results) -> str:
    lines = [
        "# Audited writes a second under the audit chain's head lock",
        "",
        f"{results.machine}; Neo4j, the writers and this process on the same machine; {results.seconds_each:g} s "
        "per measurement.",
        "",
        "| writers | audited writes/s | p50 ms | p99 ms | the same writes unaudited/s |",
        "|---:|---:|---:|---:|---:|",
        *(f"| {m.writers} | {m.audited_per_second:,.0f} | {m.audited_p50_ms:.1f} | {m.audited_p99_ms:.1f} | "
          f"{m.unaudited_per_second:,.0f} |" for m in results.measurements),
        "",
        f"Ceiling: {results.ceiling.audited_per_second:,.0f} audited writes/s (at {results.ceiling.writers} writers).",
        "",
    ]
    return "\n".join(lines)


def write(results: Results, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    markdown_path, json_path = folder / "audit-throughput.md", folder / "audit-throughput.json"
    markdown_path.write_text(markdown(results), encoding="utf-8")
    json_path.write_text(json.dumps(asdict(results), indent=2) + "\n", encoding="utf-8")
    return markdown_path, json_path
