from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, LiteralString

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from neo4j import Driver, ManagedTransaction

from hub.settings import PROJECT_ROOT
from protection.audit import AuditTrail
from protection.chain import (
    GENESIS_HASH,
    AuditEvent,
    Checkpoint,
    VerificationReport,
    canonical_json,
    event_hash,
    generate_signing_key,
    load_private_key_pem,
    load_public_key_pem,
    private_key_pem,
    public_key_pem,
    sign_checkpoint,
    verify_chain,
)
from protection.export import ExportUnreadable, read_export, write_export

EVENTS = 30
CHECKPOINT_EVERY = 10

EDIT_ACTOR: LiteralString = "MATCH (e:AuditEvent {seq: $seq}) SET e.actor = 'someone-else'"
DELETE_EVENT: LiteralString = "MATCH (e:AuditEvent {seq: $seq}) DETACH DELETE e"
SWAP_SEQS: LiteralString = """
MATCH (a:AuditEvent {seq: $first}), (b:AuditEvent {seq: $second})
SET a.seq = -1
SET b.seq = $first
SET a.seq = $second
"""
TRUNCATE_AFTER: LiteralString = """
MATCH (e:AuditEvent) WHERE e.seq > $seq
WITH collect(e) AS removed, max(e.seq) AS gone
FOREACH (e IN removed | DETACH DELETE e)
WITH 1 AS done
MATCH (kept:AuditEvent {seq: $seq}), (h:AuditHead {name: 'main'})
SET h.seq = kept.seq, h.hash = kept.hash
"""
CHECKPOINT_ROWS: LiteralString = (
    "MATCH (c:AuditCheckpoint) RETURN c.seq AS seq, c.head_hash AS head_hash, c.at AS at"
)
RESIGN_CHECKPOINT: LiteralString = """
MATCH (c:AuditCheckpoint {seq: $seq}) SET c.key_id = $key_id, c.signature = $signature
"""


def _record(trail: AuditTrail, number: int) -> Callable[[ManagedTransaction], AuditEvent]:
    def work(tx: ManagedTransaction) -> AuditEvent:
        return trail.record(
            tx,
            actor=f"prof-{number % 3}",
            agency="agency-police",
            role="police_mash_officer",
            action="read_record",
            targets=[f"record-{number}", "child-1"],
            basis="OVERRIDE" if number % 5 == 0 else "CONSENT",
            override_id="override-1" if number % 5 == 0 else None,
            request_id=f"req-{number}",
        )

    return work


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return generate_signing_key()


@pytest.fixture
def trail(signing_key: Ed25519PrivateKey) -> AuditTrail:
    return AuditTrail(signing_key, checkpoint_every=CHECKPOINT_EVERY, checkpoint_seconds=3600)


@pytest.fixture
def chain_db(graph_db: Driver, trail: AuditTrail) -> Driver:
    with graph_db.session(database="neo4j") as session:
        for number in range(1, EVENTS + 1):
            session.execute_write(_record(trail, number))
    return graph_db


def _tamper(driver: Driver, query: LiteralString, **params: Any) -> None:
    driver.execute_query(query, params, database_="neo4j")


def _resign_in_graph(driver: Driver, forger: Ed25519PrivateKey) -> None:
    records, _, _ = driver.execute_query(CHECKPOINT_ROWS, database_="neo4j")
    for record in records:
        forged = sign_checkpoint(
            forger, seq=record["seq"], head_hash=record["head_hash"], at=record["at"]
        )
        _tamper(
            driver,
            RESIGN_CHECKPOINT,
            seq=forged.seq,
            key_id=forged.key_id,
            signature=forged.signature,
        )


def _export(driver: Driver, trail: AuditTrail, path: Path) -> tuple[list[dict[str, Any]], Path]:
    with path.open("w", encoding="utf-8") as stream:
        trail.export(driver, stream)
    published = path.with_suffix(".pem")
    published.write_bytes(public_key_pem(trail.public_key))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines, published


def _rewrite(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def _event_index(lines: list[dict[str, Any]], seq: int) -> int:
    return next(i for i, line in enumerate(lines) if line["type"] == "event" and line["seq"] == seq)


def _offline(export: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protection.verify", str(export), *extra],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )


def _assert_broken_offline(export: Path, published: Path, seq: int) -> None:
    result = _offline(export, "--public-key", str(published))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"first broken seq {seq}:" in result.stdout


def _assert_broken(report: VerificationReport, seq: int, reason: str) -> None:
    assert not report.ok
    assert report.first_broken_seq == seq
    assert reason in report.reason


class TestCanonicalEncoding:
    def test_encoding_is_sorted_compact_utf8(self) -> None:
        assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()

    def test_floats_and_booleans_are_refused(self) -> None:
        with pytest.raises(TypeError):
            canonical_json({"seq": 1.0})
        with pytest.raises(TypeError):
            canonical_json({"flag": True})

    def test_hash_covers_every_field_but_itself(self) -> None:
        fields: dict[str, Any] = {
            "seq": 1,
            "at": "2025-01-01T00:00:00.000000Z",
            "actor": "p",
            "agency": "a",
            "role": "r",
            "action": "x",
            "targets": ["t"],
            "basis": None,
            "override_id": None,
            "request_id": "q",
            "prev_hash": GENESIS_HASH,
        }
        digest = event_hash(fields)

        assert event_hash({**fields, "hash": "anything"}) == digest
        for name, value in (("actor", "q"), ("targets", ["u"]), ("basis", "CONSENT"), ("seq", 2)):
            assert event_hash({**fields, name: value}) != digest
        with pytest.raises(KeyError, match="request_id"):
            event_hash({k: v for k, v in fields.items() if k != "request_id"})


class TestSigningKeys:
    def test_pem_round_trip_keeps_the_key(self, signing_key: Ed25519PrivateKey) -> None:
        loaded = load_private_key_pem(private_key_pem(signing_key, password=b"pw"), password=b"pw")
        public = load_public_key_pem(public_key_pem(signing_key.public_key()))
        checkpoint = sign_checkpoint(loaded, seq=1, head_hash="h", at="t")

        assert verify_chain([], [], public).ok
        assert (
            checkpoint.key_id == sign_checkpoint(signing_key, seq=1, head_hash="h", at="t").key_id
        )


class TestIntactChain:
    def test_online_verification_passes(self, chain_db: Driver, trail: AuditTrail) -> None:
        report = trail.verify_online(chain_db)

        assert report.ok, report.reason
        assert (report.events_checked, report.checkpoints_checked) == (
            EVENTS,
            EVENTS // CHECKPOINT_EVERY,
        )
        assert report.first_broken_seq is None

    def test_offline_verification_passes(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        _, published = _export(chain_db, trail, tmp_path / "audit.jsonl")

        result = _offline(tmp_path / "audit.jsonl", "--public-key", str(published))

        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{EVENTS} events" in result.stdout

    def test_export_reads_back_as_the_same_chain(self, chain_db: Driver, trail: AuditTrail) -> None:
        stream = io.StringIO()
        written = trail.export(chain_db, stream)
        stream.seek(0)

        exported = read_export(stream)

        assert written == EVENTS
        assert [e.seq for e in exported.events] == list(range(1, EVENTS + 1))
        assert exported.public_key_pem == public_key_pem(trail.public_key)
        assert [c.seq for c in exported.checkpoints] == [10, 20, 30]

    def test_events_hold_ids_only(self, chain_db: Driver, trail: AuditTrail) -> None:
        stream = io.StringIO()
        trail.export(chain_db, stream)
        event = read_export(io.StringIO(stream.getvalue())).events[4]

        assert event.targets == ("record-5", "child-1")
        assert (event.basis, event.override_id) == ("OVERRIDE", "override-1")

    def test_free_text_is_refused_as_an_audit_field(
        self, graph_db: Driver, trail: AuditTrail
    ) -> None:
        def work(tx: ManagedTransaction) -> AuditEvent:
            return trail.record(
                tx,
                actor="p",
                agency="a",
                role="r",
                action="x",
                targets=["line one\nline two"],
                basis=None,
                override_id=None,
                request_id="q",
            )

        with (
            graph_db.session(database="neo4j") as session,
            pytest.raises(ValueError, match="targets"),
        ):
            session.execute_write(work)


class TestEditedEvent:
    def test_online_verifier_names_the_edited_seq(
        self, chain_db: Driver, trail: AuditTrail
    ) -> None:
        _tamper(chain_db, EDIT_ACTOR, seq=7)

        _assert_broken(trail.verify_online(chain_db), 7, "was edited")

    def test_offline_verifier_names_the_edited_seq(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        lines[_event_index(lines, 7)]["actor"] = "someone-else"
        _rewrite(export, lines)

        _assert_broken_offline(export, published, 7)


class TestDeletedEvent:
    def test_online_verifier_names_the_missing_seq(
        self, chain_db: Driver, trail: AuditTrail
    ) -> None:
        _tamper(chain_db, DELETE_EVENT, seq=7)

        _assert_broken(trail.verify_online(chain_db), 7, "missing")

    def test_offline_verifier_names_the_missing_seq(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        del lines[_event_index(lines, 7)]
        _rewrite(export, lines)

        _assert_broken_offline(export, published, 7)


class TestReorderedEvents:
    def test_online_verifier_names_the_first_swapped_seq(
        self, chain_db: Driver, trail: AuditTrail
    ) -> None:
        _tamper(chain_db, SWAP_SEQS, first=7, second=8)

        _assert_broken(trail.verify_online(chain_db), 7, "does not link")

    def test_offline_verifier_names_the_first_swapped_seq(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        i, j = _event_index(lines, 7), _event_index(lines, 8)
        lines[i], lines[j] = lines[j], lines[i]
        _rewrite(export, lines)

        _assert_broken_offline(export, published, 7)


class TestTruncatedTail:
    def test_online_verifier_names_the_first_removed_seq(
        self, chain_db: Driver, trail: AuditTrail
    ) -> None:
        # The head is moved back too, as a careful intruder would: only the checkpoint remains.
        _tamper(chain_db, TRUNCATE_AFTER, seq=25)

        _assert_broken(trail.verify_online(chain_db), 26, "were removed")

    def test_offline_verifier_names_the_first_removed_seq(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        _rewrite(export, [line for line in lines if line["type"] != "event" or line["seq"] <= 25])

        _assert_broken_offline(export, published, 26)

    def test_rewritten_tail_with_recomputed_hashes_is_caught_by_the_checkpoint(
        self, signing_key: Ed25519PrivateKey
    ) -> None:
        events = _pure_chain(12)
        checkpoint = sign_checkpoint(signing_key, seq=10, head_hash=events[9].hash, at="t")
        forged = _pure_chain(12, actor="intruder")

        report = verify_chain(forged, [checkpoint], signing_key.public_key())

        _assert_broken(report, 1, "rewritten after it was signed")


class TestResignedCheckpoints:
    def test_online_verifier_names_the_first_forged_checkpoint(
        self, chain_db: Driver, trail: AuditTrail
    ) -> None:
        _resign_in_graph(chain_db, generate_signing_key())

        _assert_broken(trail.verify_online(chain_db), CHECKPOINT_EVERY, "not the published key")

    def test_offline_verifier_with_the_published_key_names_the_first_forged_checkpoint(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        forger = generate_signing_key()
        for line in lines:
            if line["type"] == "checkpoint":
                forged = sign_checkpoint(
                    forger, seq=line["seq"], head_hash=line["head_hash"], at=line["at"]
                )
                line.update(forged.to_fields())
            elif line["type"] == "header":
                line["public_key_pem"] = public_key_pem(forger.public_key()).decode()
        _rewrite(export, lines)

        _assert_broken_offline(export, published, CHECKPOINT_EVERY)

    def test_signature_forged_under_the_published_key_id_fails(
        self, signing_key: Ed25519PrivateKey
    ) -> None:
        events = _pure_chain(3)
        genuine = sign_checkpoint(signing_key, seq=3, head_hash=events[2].hash, at="t")
        forged = sign_checkpoint(generate_signing_key(), seq=3, head_hash=events[2].hash, at="t")
        mixed = Checkpoint(**{**genuine.to_fields(), "signature": forged.signature})

        _assert_broken(
            verify_chain(events, [mixed], signing_key.public_key()), 3, "does not verify"
        )


class TestUnreadableExport:
    def test_missing_or_garbled_file_exits_two(self, tmp_path: Path) -> None:
        garbled = tmp_path / "garbled.jsonl"
        garbled.write_text('{"type": "header"\n', encoding="utf-8")

        assert _offline(tmp_path / "absent.jsonl").returncode == 2
        assert _offline(garbled).returncode == 2

    def test_reader_names_the_bad_line(self, signing_key: Ed25519PrivateKey) -> None:
        stream = io.StringIO()
        write_export(stream, _pure_chain(2), [], public_key_pem(signing_key.public_key()))
        text = stream.getvalue().replace('"seq":2', '"seq":"two"')

        with pytest.raises(ExportUnreadable, match="line 3"):
            read_export(io.StringIO(text))


def _pure_chain(count: int, *, actor: str = "prof-1") -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev_hash = GENESIS_HASH
    for seq in range(1, count + 1):
        fields: dict[str, Any] = {
            "seq": seq,
            "at": f"2025-01-01T00:00:{seq:02d}.000000Z",
            "actor": actor,
            "agency": "a",
            "role": "r",
            "action": "read_record",
            "targets": [f"record-{seq}"],
            "basis": "CONSENT",
            "override_id": None,
            "request_id": f"req-{seq}",
            "prev_hash": prev_hash,
        }
        event = AuditEvent.from_fields({**fields, "hash": event_hash(fields)})
        events.append(event)
        prev_hash = event.hash
    return events
