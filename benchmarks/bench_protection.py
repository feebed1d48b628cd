"""How fast protection is: audit appends, offline verification, field encryption.

    python -m benchmarks.bench_protection --uri bolt://127.0.0.1:7687 --password ...

It starts nothing: point it at a Neo4j of your own, migrated, that holds nothing you care
about, because it appends real events to that database's audit chain. Without --uri only
the parts that need no database are measured.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from devtools import demo_city
from graph.driver import connect
from protection.audit_trail import AuditTrail
from protection.chain import (
    GENESIS_HASH,
    AuditEvent,
    event_hash,
    generate_signing_key,
    load_public_key_pem,
    public_key_pem,
    sign_checkpoint,
    verify_chain,
)
from protection.envelope_keys import LocalKeyEncryptionKey, generate_data_key
from protection.export import read_export, write_export
from protection.fields import decrypt_field, encrypt_field
from protection.keyring import Keyring

FIELD_TEXT = (
    "Contact from school: the child arrived hungry and with a bruise to the left arm; "
    "mother was not reachable by phone. Previous contacts in March and June."
)


def _append(tx: ManagedTransaction, trail: AuditTrail, request_id: str) -> AuditEvent:
    return trail.record(
        tx, actor="benchmark", agency="benchmark", role="benchmark", action="benchmark",
        targets=["record-1", "child-1"], basis="CONSENT", override_id=None, request_id=request_id,
    )


def audit_appends_per_second(driver: Driver, *, database: str, writers: int, events: int) -> float:
    trail = AuditTrail(generate_signing_key(), checkpoint_every=1000, database=database)
    per_writer = events // writers
    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with driver.session(database=database) as session:
                barrier.wait()
                for index in range(per_writer):
                    session.execute_write(_append, trail, f"bench-{writers}-{number}-{index}")
        except BaseException as error:  # re-raised below, after every thread has stopped
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return per_writer * writers / elapsed


def _synthetic_chain(count: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev_hash = GENESIS_HASH
    for seq in range(1, count + 1):
        fields: dict[str, Any] = {
            "seq": seq, "at": "2025-01-01T00:00:00.000000Z", "actor": "prof-1",
            "agency": "agency-police", "role": "police_mash_officer", "action": "read_record",
            "targets": [f"record-{seq}", "child-1"], "basis": "CONSENT", "override_id": None,
            "request_id": f"req-{seq}", "prev_hash": prev_hash,
        }
        event = AuditEvent.from_fields({**fields, "hash": event_hash(fields)})
        events.append(event)
        prev_hash = event.hash
    return events


def offline_events_verified_per_second(count: int) -> float:
    """Reading the export file and verifying it, as `python -m protection.verify` does."""
    key = generate_signing_key()
    events = _synthetic_chain(count)
    checkpoints = [
        sign_checkpoint(key, seq=e.seq, head_hash=e.hash, at=e.at) for e in events[999::1000]
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.jsonl"
        write_export(path, events, checkpoints, public_key_pem(key.public_key()))
        started = time.perf_counter()
        export = read_export(path)
        report = verify_chain(
            export.events, export.checkpoints, load_public_key_pem(export.public_key_pem)
        )
        elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(report.reason)
    return count / elapsed


def field_microseconds(rounds: int) -> tuple[float, float]:
    key = generate_data_key()
    started = time.perf_counter()
    sealed = [
        encrypt_field(key, node_id=f"record-{n}", field="summary", plaintext=FIELD_TEXT)
        for n in range(rounds)
    ]
    encrypted = time.perf_counter() - started
    started = time.perf_counter()
    for n, ciphertext in enumerate(sealed):
        decrypt_field(key, node_id=f"record-{n}", field="summary", ciphertext=ciphertext)
    decrypted = time.perf_counter() - started
    return encrypted / rounds * 1e6, decrypted / rounds * 1e6


CLEAR_SEEDED: LiteralString = """
MATCH (n) WHERE NOT n:__Neo4jMigration AND NOT n:AuditEvent AND NOT n:AuditHead
  AND NOT n:AuditCheckpoint
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""


def seeding_seconds(driver: Driver, *, database: str, families: int, sealer: Keyring | None) -> float:
    """A county seeded from empty, summaries sealed (or, for comparison, left out)."""
    with driver.session(database=database) as session:
        session.run(CLEAR_SEEDED).consume()
    started = time.perf_counter()
    demo_city.load(driver, demo_city.county(families), database=database, sealer=sealer)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_protection")
    parser.add_argument("--uri", help="bolt URI of a scratch, migrated Neo4j")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    parser.add_argument("--database", default="neo4j")
    parser.add_argument("--events", type=int, default=2000, help="audit appends per run")
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--field-rounds", type=int, default=20_000)
    parser.add_argument(
        "--seed-families", type=int, default=0,
        help="also seed a county this size with and without summary encryption (clears the graph)",
    )
    arguments = parser.parse_args(argv)

    encrypt_us, decrypt_us = field_microseconds(arguments.field_rounds)
    print(f"field encrypt: {encrypt_us:.1f} µs/field ({len(FIELD_TEXT)} characters)")
    print(f"field decrypt: {decrypt_us:.1f} µs/field")
    rate = offline_events_verified_per_second(arguments.verify_events)
    print(f"offline verifier: {rate:,.0f} events/s ({arguments.verify_events:,} events)")
    if arguments.uri is None:
        print("audit appends: skipped (no --uri)")
        return
    driver = connect(arguments.uri, arguments.user, arguments.password)
    try:
        for writers in (1, 8):
            rate = audit_appends_per_second(
                driver, database=arguments.database, writers=writers, events=arguments.events
            )
            print(f"audit appends, {writers} writer(s): {rate:,.0f} events/s")
        if arguments.seed_families:
            keyring = Keyring(LocalKeyEncryptionKey(os.urandom(32)))
            sealed = seeding_seconds(
                driver, database=arguments.database, families=arguments.seed_families, sealer=keyring
            )
            plain = seeding_seconds(
                driver, database=arguments.database, families=arguments.seed_families, sealer=None
            )
            print(f"county seed, {arguments.seed_families:,} families: {sealed:.1f} s with summaries "
                  f"encrypted, {plain:.1f} s without summaries")
    finally:
        driver.close()


if __name__ == "__main__":
    main()
