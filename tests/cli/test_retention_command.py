"""`hub retention` as an operator meets it: a dry run by default that changes nothing, `--apply`
that erases and says how, a second `--apply` with nothing left, and refusals in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from config.settings import Settings
from tests.api.protected_hub import seed_encrypted
from tests.cli.test_audit_commands import offline_verify, published_key
from tests.cli.test_operator_commands import run_hub_command
from tests.graph_state import fingerprint

# An agency record old enough for the six-year rule, about an adult of the demo city.
OLD_RECORD = """
MATCH (r:AgencyRecord)-[:ABOUT]->(:Person:Adult)
WITH r ORDER BY r.id LIMIT 1
SET r.recorded_at = datetime() - duration({years: 7})
RETURN r.id AS id
"""


@pytest.fixture
def seeded(graph_db: Driver, test_settings: Settings) -> Driver:
    seed_encrypted(graph_db, test_settings)
    return graph_db


def an_old_record(driver: Driver) -> str:
    records, _, _ = driver.execute_query(OLD_RECORD)
    record_id: str = records[0]["id"]
    return record_id


class TestTheDryRun:
    def test_lists_what_is_due_and_changes_nothing(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        record_id = an_old_record(seeded)
        before = fingerprint(seeded)

        result = run_hub_command(monkeypatch, test_settings, "retention")

        assert result.exit_code == 0, result.output
        assert result.output.startswith("dry run: nothing was erased.")
        assert record_id in result.output and "agency_record_summary" in result.output
        assert fingerprint(seeded) == before

    def test_as_json_names_the_schedule_revision_and_each_item(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        record_id = an_old_record(seeded)

        result = run_hub_command(monkeypatch, test_settings, "retention", "--format", "json", "--as-of", "2070-01-01")

        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["applied"] is False and len(report["schedule_revision"]) == 64
        kinds = {row["kind"] for row in report["due"]}
        assert {"child", "workbook"} <= kinds
        assert record_id in {row["id"] for row in report["due"] if row["kind"] == "agency_record"}


class TestApply:
    def test_erases_then_finds_nothing_more(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        record_id = an_old_record(seeded)

        first = run_hub_command(monkeypatch, test_settings, "retention", "--apply", "--by", "jo.bloggs")
        second = run_hub_command(monkeypatch, test_settings, "retention", "--apply", "--format", "json")

        assert first.exit_code == 0, first.output
        assert first.output.startswith("erased ") and "records' content removed" in first.output
        assert record_id in first.output
        records, _, _ = seeded.execute_query(
            "MATCH (r:AgencyRecord {id: $id}) RETURN r.summary AS summary, r.erased_under AS rule, "
            "COLLECT { MATCH (e:AuditEvent {action: 'retention.erased'}) WHERE $id IN e.targets "
            "RETURN e.actor } AS actors",
            id=record_id,
        )
        assert records[0].data() == {"summary": None, "rule": "agency_record_summary", "actors": ["operator:jo.bloggs"]}
        assert second.exit_code == 0, second.output
        assert json.loads(second.output)["erased"] == []

    def test_the_exported_chain_verifies_offline_afterwards(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        an_old_record(seeded)
        export = tmp_path / "export.jsonl"

        applied = run_hub_command(monkeypatch, test_settings, "retention", "--apply")
        exported = run_hub_command(monkeypatch, test_settings, "audit", "export", "--out", str(export))
        verified = offline_verify(export, published_key(test_settings, tmp_path))

        assert applied.exit_code == 0 and exported.exit_code == 0, applied.output + exported.output
        assert '"action":"retention.erased"' in export.read_text(encoding="utf-8").replace(" ", "")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith("ok: ")

    def test_a_later_day_is_refused_and_nothing_is_erased(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = fingerprint(seeded)

        result = run_hub_command(monkeypatch, test_settings, "retention", "--apply", "--as-of", "2099-01-01")

        assert result.exit_code == 1
        assert "a later --as-of only shows what will be due" in result.output
        assert fingerprint(seeded) == before

    def test_a_day_that_is_not_a_day_is_refused(self, test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        result = run_hub_command(monkeypatch, test_settings, "retention", "--as-of", "next tuesday")

        assert result.exit_code == 1
        assert "--as-of is a day, like 2031-04-01, not 'next tuesday'" in result.output
