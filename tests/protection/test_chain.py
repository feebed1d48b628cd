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

from config.settings import PROJECT_ROOT
from graph import audit_chain as audit_store
from protection.audit_trail import AuditTrail
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
from protection.export import ExportUnreadable, read_checkpoint_log, read_export, write_export

EVENTS = 30
CHECKPOINT_EVERY = 10
# A chain whose last events no scheduled checkpoint has covered yet.
TAILED_EVENTS = 25

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


@pytest.fixture
def tailed_db(graph_db: Driver, trail: AuditTrail) -> Driver:
    with graph_db.session(database="neo4j") as session:
        for number in range(1, TAILED_EVENTS + 1):
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


def _rehashed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The export's event lines relinked and rehashed from the first, as anyone can."""
    prev_hash = GENESIS_HASH
    for line in lines:
        if line["type"] == "event":
            line["prev_hash"] = prev_hash
            line["hash"] = event_hash(line)
            prev_hash = line["hash"]
    return lines


STRIP_CHECKPOINTS: LiteralString = "MATCH (c:AuditCheckpoint) DETACH DELETE c"
SET_EVENT: LiteralString = """
MATCH (e:AuditEvent {seq: $seq}), (h:AuditHead {name: 'main'})
SET e.actor = $actor, e.prev_hash = $prev_hash, e.hash = $hash
SET h.hash = CASE WHEN h.seq = $seq THEN $hash ELSE h.hash END
"""


def _rewrite_in_graph(driver: Driver, *, seq: int, actor: str) -> None:
    """Edits one event in Neo4j and relinks and rehashes every event after it, head too."""
    with driver.session(database="neo4j") as session:
        rows = session.execute_read(audit_store.events_page, after_seq=0, limit=10_000)
    prev_hash = GENESIS_HASH
    for row in rows:
        event: dict[str, Any] = dict(row)
        if event["seq"] == seq:
            event["actor"] = actor
        if event["seq"] >= seq:
            event["prev_hash"] = prev_hash
            event["hash"] = event_hash(event)
            _tamper(
                driver, SET_EVENT, seq=event["seq"], actor=event["actor"],
                prev_hash=event["prev_hash"], hash=event["hash"],
            )
        prev_hash = event["hash"]


class TestExportIsSealed:
    def test_an_export_ends_with_a_checkpoint_over_its_last_event(
        self, tailed_db: Driver, trail: AuditTrail
    ) -> None:
        stream = io.StringIO()
        trail.export(tailed_db, stream)

        exported = read_export(io.StringIO(stream.getvalue()))

        assert [c.seq for c in exported.checkpoints] == [10, 20, TAILED_EVENTS]
        assert exported.checkpoints[-1].head_hash == exported.events[-1].hash

    def test_the_seal_is_written_in_the_graph_as_a_checkpoint(
        self, tailed_db: Driver, trail: AuditTrail
    ) -> None:
        trail.export(tailed_db, io.StringIO())

        records, _, _ = tailed_db.execute_query(CHECKPOINT_ROWS, database_="neo4j")
        assert sorted(r["seq"] for r in records) == [10, 20, TAILED_EVENTS]
        assert trail.verify_online(tailed_db).uncovered_events == 0

    def test_a_sealed_head_is_not_signed_twice(self, tailed_db: Driver, trail: AuditTrail) -> None:
        trail.export(tailed_db, io.StringIO())
        trail.export(tailed_db, io.StringIO())

        records, _, _ = tailed_db.execute_query(CHECKPOINT_ROWS, database_="neo4j")
        assert sorted(r["seq"] for r in records) == [10, 20, TAILED_EVENTS]

    def test_events_appended_after_the_seal_are_left_out(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        with tailed_db.session(database="neo4j") as session:
            sealed = session.execute_write(trail.seal)
            session.execute_write(_record(trail, TAILED_EVENTS + 1))
        export = tmp_path / "audit.jsonl"
        with export.open("w", encoding="utf-8") as stream:
            written = trail.export(tailed_db, stream, through=sealed)
        published = export.with_suffix(".pem")
        published.write_bytes(public_key_pem(trail.public_key))

        assert written == TAILED_EVENTS
        assert _offline(export, "--public-key", str(published)).returncode == 0


class TestOfflineVerifierDemandsASignedHead:
    def test_a_genuine_export_verifies_and_says_what_sealed_it(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        _, published = _export(tailed_db, trail, tmp_path / "audit.jsonl")

        result = _offline(tmp_path / "audit.jsonl", "--public-key", str(published))

        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(f"ok: {TAILED_EVENTS} events and 3 signed checkpoints verified")
        assert f"the last checkpoint covers seq {TAILED_EVENTS}" in result.stdout

    def test_history_rewritten_and_rehashed_with_its_checkpoints_stripped_fails(
        self, chain_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(chain_db, trail, export)
        lines = [line for line in lines if line["type"] != "checkpoint"]
        lines[_event_index(lines, 1)]["actor"] = "someone-else"
        _rewrite(export, _rehashed(lines))

        result = _offline(export, "--public-key", str(published))

        assert result.returncode == 1, result.stdout
        assert "first broken seq 1: no checkpoint signed with the expected key" in result.stdout

    def test_events_past_the_last_checkpoint_fail(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        # The export's own seal removed: what is left is the chain as the database held it,
        # with five events no signature covers.
        export = tmp_path / "audit.jsonl"
        lines, published = _export(tailed_db, trail, export)
        _rewrite(export, [line for line in lines if line["type"] != "checkpoint" or line["seq"] != TAILED_EVENTS])

        result = _offline(export, "--public-key", str(published))

        assert result.returncode == 1, result.stdout
        assert f"first broken seq 21: events 21..{TAILED_EVENTS} follow the last signed checkpoint" in result.stdout

    def test_a_tail_cut_with_its_seal_moved_back_fails(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(tailed_db, trail, export)
        _rewrite(export, [line for line in lines if line["type"] != "event" or line["seq"] <= 23])

        _assert_broken_offline(export, published, 24)

    def test_the_last_event_rewritten_with_its_hash_recomputed_fails(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(tailed_db, trail, export)
        lines[_event_index(lines, TAILED_EVENTS)]["actor"] = "someone-else"
        _rewrite(export, _rehashed(lines))

        result = _offline(export, "--public-key", str(published))

        assert result.returncode == 1, result.stdout
        assert "first broken seq 21:" in result.stdout
        assert "rewritten after it was signed" in result.stdout

    def test_a_genuine_export_fails_with_any_key_but_the_signers(
        self, graph_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        # Fewer events than a scheduled checkpoint needs: only the export's seal is signed.
        with graph_db.session(database="neo4j") as session:
            for number in range(1, 4):
                session.execute_write(_record(trail, number))
        export = tmp_path / "audit.jsonl"
        _export(graph_db, trail, export)
        other = tmp_path / "other.pem"
        other.write_bytes(public_key_pem(generate_signing_key().public_key()))

        result = _offline(export, "--public-key", str(other))

        assert result.returncode == 1, result.stdout
        assert "first broken seq 3:" in result.stdout
        assert "not the published key" in result.stdout

    def test_without_the_expected_key_nothing_is_verified(
        self, tailed_db: Driver, trail: AuditTrail, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        _export(tailed_db, trail, export)

        result = _offline(export)

        assert result.returncode == 2
        assert result.stdout == ""
        assert "--public-key" in result.stderr and "/audit/public-key" in result.stderr


class TestCheckpointLog:
    @pytest.fixture
    def log(self, tmp_path: Path) -> Path:
        return tmp_path / "checkpoints.jsonl"

    @pytest.fixture
    def logging_trail(self, signing_key: Ed25519PrivateKey, log: Path) -> AuditTrail:
        return AuditTrail(
            signing_key, checkpoint_every=CHECKPOINT_EVERY, checkpoint_seconds=3600, checkpoint_log=log
        )

    @pytest.fixture
    def logged_db(self, graph_db: Driver, logging_trail: AuditTrail) -> Driver:
        with graph_db.session(database="neo4j") as session:
            for number in range(1, TAILED_EVENTS + 1):
                session.execute_write(_record(logging_trail, number))
        return graph_db

    def test_every_checkpoint_is_appended_to_the_log(
        self, logged_db: Driver, logging_trail: AuditTrail, log: Path
    ) -> None:
        logging_trail.export(logged_db, io.StringIO())

        records, _, _ = logged_db.execute_query(CHECKPOINT_ROWS, database_="neo4j")
        assert [(c.seq, c.head_hash) for c in read_checkpoint_log(log)] == sorted(
            (r["seq"], r["head_hash"]) for r in records
        )
        assert [c.seq for c in read_checkpoint_log(log)] == [10, 20, TAILED_EVENTS]

    def test_a_genuine_export_agrees_with_the_log(
        self, logged_db: Driver, logging_trail: AuditTrail, log: Path, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        _, published = _export(logged_db, logging_trail, export)

        result = _offline(export, "--public-key", str(published), "--checkpoint-log", str(log))

        assert result.returncode == 0, result.stdout + result.stderr
        assert "agrees with the checkpoint log (3 checkpoints)" in result.stdout

    def test_signed_history_rewritten_in_the_graph_with_its_checkpoints_removed_fails_against_the_log(
        self, logged_db: Driver, logging_trail: AuditTrail, log: Path, tmp_path: Path
    ) -> None:
        # What an operator with write access to Neo4j can do: drop every checkpoint, edit
        # event 5, relink and rehash everything after it. The export then seals the
        # rewritten chain with a genuine signature, so only the log still knows better.
        _tamper(logged_db, STRIP_CHECKPOINTS)
        _rewrite_in_graph(logged_db, seq=5, actor="someone-else")
        export = tmp_path / "audit.jsonl"
        _, published = _export(logged_db, logging_trail, export)

        without_log = _offline(export, "--public-key", str(published))
        with_log = _offline(export, "--public-key", str(published), "--checkpoint-log", str(log))

        assert without_log.returncode == 0, without_log.stdout
        assert with_log.returncode == 1, with_log.stdout
        assert "first broken seq 10: the checkpoint log holds a checkpoint" in with_log.stdout
        assert "rewritten after it was signed" in with_log.stdout

    def test_the_online_check_compares_the_chain_with_the_log(
        self, logged_db: Driver, logging_trail: AuditTrail
    ) -> None:
        _tamper(logged_db, STRIP_CHECKPOINTS)
        _rewrite_in_graph(logged_db, seq=5, actor="someone-else")

        _assert_broken(logging_trail.verify_online(logged_db), 10, "the checkpoint log holds a checkpoint")

    def test_a_tail_cut_back_and_regrown_in_the_graph_fails_against_the_log(
        self, logged_db: Driver, logging_trail: AuditTrail, log: Path, tmp_path: Path
    ) -> None:
        # The head moved back to 15 and the checkpoint at 20 removed, so that the next events
        # and the export's seal build on the shortened chain.
        _tamper(logged_db, TRUNCATE_AFTER, seq=15)
        _tamper(logged_db, "MATCH (c:AuditCheckpoint {seq: 20}) DETACH DELETE c")
        with logged_db.session(database="neo4j") as session:
            session.execute_write(_record(logging_trail, 100))
        export = tmp_path / "audit.jsonl"
        _, published = _export(logged_db, logging_trail, export)

        without_log = _offline(export, "--public-key", str(published))
        with_log = _offline(export, "--public-key", str(published), "--checkpoint-log", str(log))

        assert without_log.returncode == 0, without_log.stdout
        assert with_log.returncode == 1, with_log.stdout
        assert "first broken seq 11:" in with_log.stdout
        assert "cut back and extended again" in with_log.stdout

    def test_a_line_not_signed_by_the_expected_key_fails(
        self, logged_db: Driver, logging_trail: AuditTrail, log: Path, tmp_path: Path
    ) -> None:
        export = tmp_path / "audit.jsonl"
        lines, published = _export(logged_db, logging_trail, export)
        final = next(line for line in reversed(lines) if line["type"] == "event")
        forged = sign_checkpoint(generate_signing_key(), seq=final["seq"], head_hash="0" * 64, at="t")
        with log.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps({"type": "checkpoint", **forged.to_fields()}) + "\n")

        result = _offline(export, "--public-key", str(published), "--checkpoint-log", str(log))

        assert result.returncode == 1, result.stdout
        assert "the checkpoint log: checkpoint at seq" in result.stdout


class TestOnlineCoverage:
    def test_events_past_the_last_checkpoint_are_counted_not_failed(
        self, tailed_db: Driver, trail: AuditTrail
    ) -> None:
        report = trail.verify_online(tailed_db)

        assert report.ok, report.reason
        assert (report.sealed_through_seq, report.uncovered_events) == (20, 5)
        assert "5 events are not yet covered by a signed checkpoint" in report.reason

    def test_a_checkpoint_requested_with_an_event_covers_it(
        self, tailed_db: Driver, trail: AuditTrail
    ) -> None:
        def decided(tx: ManagedTransaction) -> AuditEvent:
            return trail.record(
                tx, actor="prof-1", agency="agency-crs", role="crs_manager", action="override.approved",
                targets=["override-1"], basis=None, override_id="override-1", request_id="req-decision",
                checkpoint=True,
            )

        with tailed_db.session(database="neo4j") as session:
            event = session.execute_write(decided)

        report = trail.verify_online(tailed_db)
        assert (report.sealed_through_seq, report.uncovered_events) == (event.seq, 0)
