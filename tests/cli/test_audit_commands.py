"""`hub audit export` against the real database, and `hub audit verify` with nothing but files.

The verifier runs in a fresh process whose hub configuration points at no database and
demands production keys it does not have: it passes only because it reads neither.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import LiteralString

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from neo4j import Driver, ManagedTransaction

from config.settings import PROJECT_ROOT, Settings
from protection.audit_trail import AuditTrail
from protection.chain import generate_signing_key, public_key_pem
from services.key_material import audit_signing_key
from tests.api.protected_hub import run_hub_command

EVENTS = 12
EDIT_TARGETS: LiteralString = "MATCH (e:AuditEvent {seq: $seq}) SET e.targets = ['someone-else']"
EXPORT_EVENTS: LiteralString = """
MATCH (e:AuditEvent {action: 'audit.exported'})
OPTIONAL MATCH (c:AuditCheckpoint {seq: e.seq})
RETURN e.seq AS seq, e.actor AS actor, e.targets AS targets, c.head_hash = e.hash AS sealed
"""


def _append(trail: AuditTrail, number: int) -> Callable[[ManagedTransaction], None]:
    def work(tx: ManagedTransaction) -> None:
        trail.record(
            tx, actor="pro-0006", agency="agency-police", role="police_mash_officer", action="network.read",
            targets=["person-001-06"], basis="CONSENT", override_id=None, request_id=f"req-{number:04d}",
        )

    return work


@pytest.fixture
def chain(graph_db: Driver, test_settings: Settings) -> Driver:
    trail = AuditTrail(audit_signing_key(test_settings), checkpoint_every=5)
    with graph_db.session(database="neo4j") as session:
        for number in range(EVENTS):
            session.execute_write(_append(trail, number))
    return graph_db


def offline_verify(export: Path, public_key: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "HUB_ENVIRONMENT": "production",
        "HUB_NEO4J_URI": "bolt://127.0.0.1:9",
        "HUB_NEO4J_PASSWORD": "not-the-password",
    }
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "audit", "verify", str(export), "--public-key", str(public_key), *extra],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=environment, timeout=120, check=False,
    )


def published_key(test_settings: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "audit.pem"
    path.write_bytes(public_key_pem(audit_signing_key(test_settings).public_key()))
    return path


class TestExportAndOfflineVerify:
    def test_an_intact_export_verifies_with_no_database_and_no_configuration(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        export = tmp_path / "export.jsonl"

        exported = run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(export))
        verified = offline_verify(export, published_key(test_settings, tmp_path))

        # The twelve events, and the export's own, sealed by a checkpoint signed for it.
        assert exported.exit_code == 0, exported.output
        assert "exported 13 events, sealed by a checkpoint at seq 13" in exported.output
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("ok: 13 events and 3 signed checkpoints verified")

    def test_an_edited_event_is_named_with_exit_status_one(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        chain.execute_query(EDIT_TARGETS, seq=9, database_="neo4j")
        export = tmp_path / "export.jsonl"
        assert run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(export)).exit_code == 0

        verified = offline_verify(export, published_key(test_settings, tmp_path))

        assert verified.returncode == 1
        assert "first broken seq 9:" in verified.stdout

    def test_a_key_other_than_the_published_one_fails_at_the_first_checkpoint(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        export = tmp_path / "export.jsonl"
        assert run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(export)).exit_code == 0
        impostor: Ed25519PrivateKey = generate_signing_key()
        wrong_key = tmp_path / "other.pem"
        wrong_key.write_bytes(public_key_pem(impostor.public_key()))

        verified = offline_verify(export, wrong_key)

        assert verified.returncode == 1
        assert "first broken seq 5:" in verified.stdout

    def test_an_unreadable_export_exits_two(self, test_settings: Settings, tmp_path: Path) -> None:
        garbled = tmp_path / "export.jsonl"
        garbled.write_text("not json\n", encoding="utf-8")

        verified = offline_verify(garbled, published_key(test_settings, tmp_path))

        assert verified.returncode == 2


class TestExportIsAudited:
    def test_the_command_line_export_is_an_event_in_the_chain_sealed_by_a_checkpoint(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        export = tmp_path / "export.jsonl"

        exported = run_hub_command(
            monkeypatch, test_settings, "audit", "export", "--out", str(export), "--by", "dpo"
        )

        assert exported.exit_code == 0, exported.output
        records, _, _ = chain.execute_query(EXPORT_EVENTS, database_="neo4j")
        assert [(r["seq"], r["actor"], r["targets"], r["sealed"]) for r in records] == [
            (EVENTS + 1, "operator:dpo", ["audit-chain"], True)
        ]
        last = json.loads(export.read_text(encoding="utf-8").splitlines()[-1])
        assert (last["seq"], last["action"], last["actor"]) == (EVENTS + 1, "audit.exported", "operator:dpo")

    def test_every_export_is_recorded_again(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("first", "second"):
            outcome = run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(tmp_path / name))
            assert outcome.exit_code == 0, outcome.output

        records, _, _ = chain.execute_query(EXPORT_EVENTS, database_="neo4j")
        assert [(r["seq"], r["sealed"]) for r in records] == [(EVENTS + 1, True), (EVENTS + 2, True)]


class TestCheckpointLog:
    def test_the_export_verifies_against_the_log_the_command_appends_to(
        self, chain: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        log = tmp_path / "checkpoints.jsonl"
        monkeypatch.setenv("HUB_AUDIT_CHECKPOINT_LOG", str(log))
        export = tmp_path / "export.jsonl"

        exported = run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(export))
        verified = offline_verify(export, published_key(test_settings, tmp_path), "--checkpoint-log", str(log))

        assert exported.exit_code == 0, exported.output
        # The chain's earlier checkpoints were signed by a trail without a log; the seal was not.
        assert [json.loads(line)["seq"] for line in log.read_text(encoding="utf-8").splitlines()] == [EVENTS + 1]
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "agrees with the checkpoint log (1 checkpoints)" in verified.stdout

