"""`hub disclosures digest` against the real database: a day's reads of one agency's records.

The reads are made through the real API as a MASH social worker would make them, so the
digest is built from the audit events the hub itself wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from tests.api.client import Hub
from tests.api.protected_hub import network, run_hub_command, running_hub
from tests.api.test_reads_of_our_records import consent_for_police, records_of

DIGESTS: LiteralString = """
MATCH (e:AuditEvent {action: 'disclosures.digest'})
RETURN e.actor AS actor, e.agency AS agency, e.targets AS targets
"""
CHILD_NAME: LiteralString = "MATCH (c:Person {id: $id}) RETURN c.given_name AS given, c.family_name AS family"


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with running_hub(sealed_city_db, test_settings) as running:
        yield running


@pytest.fixture
def police_records_read(hub: Hub) -> list[str]:
    """A MASH social worker reads the demo family's network on a consent that names the police."""
    consent_for_police(hub)
    return records_of(network(hub, demo_city.MASH_SOCIAL_WORKER_ID), demo_city.POLICE_AGENCY_ID, "CONSENT")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def digest(monkeypatch: pytest.MonkeyPatch, settings: Settings, *arguments: str) -> tuple[int, str]:
    result = run_hub_command(monkeypatch, settings, "disclosures", "digest", *arguments)
    return result.exit_code, result.output


class TestTheDigest:
    def test_lists_the_day_s_read_of_police_records_with_reader_basis_child_and_records(
        self, police_records_read: list[str], monkeypatch: pytest.MonkeyPatch, test_settings: Settings
    ) -> None:
        status, output = digest(
            monkeypatch, test_settings, "--agency", demo_city.POLICE_AGENCY_ID, "--date", today(), "--format", "json",
        )

        assert status == 0, output
        found: dict[str, Any] = json.loads(output)
        assert (found["agency"]["id"], found["day"]) == (demo_city.POLICE_AGENCY_ID, today())
        [read] = found["reads"]
        assert read["reader"]["id"] == demo_city.MASH_SOCIAL_WORKER_ID
        assert read["reader"]["agency_id"] == demo_city.COUNCIL_AGENCY_ID
        assert read["reader"]["roles"] == ["mash_social_worker"]
        assert (read["basis"], read["override_id"]) == ("CONSENT", None)
        assert read["child_id"] == demo_city.DEMO_FAMILY_CHILD_ID
        assert read["record_ids"] == police_records_read

    def test_as_text_it_is_one_line_per_read_and_names_no_child(
        self, police_records_read: list[str], monkeypatch: pytest.MonkeyPatch, test_settings: Settings,
        sealed_city_db: Driver,
    ) -> None:
        status, output = digest(monkeypatch, test_settings, "--agency", demo_city.POLICE_AGENCY_ID, "--date", today())

        assert status == 0, output
        header, *lines = output.splitlines()
        assert header.endswith(": 1 read")
        [line] = lines
        assert demo_city.MASH_SOCIAL_WORKER_ID in line and "on consent" in line
        assert all(record_id in line for record_id in police_records_read)
        records, _, _ = sealed_city_db.execute_query(CHILD_NAME, id=demo_city.DEMO_FAMILY_CHILD_ID, database_="neo4j")
        assert records[0]["given"] not in output and records[0]["family"] not in output

    def test_another_agency_s_digest_does_not_list_it(
        self, police_records_read: list[str], monkeypatch: pytest.MonkeyPatch, test_settings: Settings
    ) -> None:
        status, output = digest(
            monkeypatch, test_settings, "--agency", demo_city.HEALTH_AGENCY_ID, "--date", today(), "--format", "json",
        )

        assert status == 0, output
        assert json.loads(output)["reads"] == []

    def test_by_default_it_is_yesterday_s_so_today_s_read_waits_for_tomorrow(
        self, police_records_read: list[str], monkeypatch: pytest.MonkeyPatch, test_settings: Settings
    ) -> None:
        status, output = digest(monkeypatch, test_settings, "--agency", demo_city.POLICE_AGENCY_ID, "--format", "json")

        assert status == 0, output
        found = json.loads(output)
        assert found["day"] == (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        assert found["reads"] == []

    def test_producing_it_is_recorded_as_by_the_operator(
        self, police_records_read: list[str], monkeypatch: pytest.MonkeyPatch, test_settings: Settings,
        sealed_city_db: Driver,
    ) -> None:
        status, output = digest(
            monkeypatch, test_settings, "--agency", demo_city.POLICE_AGENCY_ID, "--date", today(), "--by", "j.bloggs",
        )

        assert status == 0, output
        records, _, _ = sealed_city_db.execute_query(DIGESTS, database_="neo4j")
        assert [dict(r) for r in records] == [
            {"actor": "operator:j.bloggs", "agency": "hub-operations",
             "targets": [demo_city.POLICE_AGENCY_ID, today()]},
        ]


class TestRefused:
    def test_an_unknown_agency_is_one_line_and_nothing_is_recorded(
        self, graph_db: Driver, monkeypatch: pytest.MonkeyPatch, test_settings: Settings
    ) -> None:
        status, output = digest(monkeypatch, test_settings, "--agency", "agency-nowhere", "--date", today())

        assert status == 1
        assert "no agency has the id 'agency-nowhere'" in output
        records, _, _ = graph_db.execute_query(DIGESTS, database_="neo4j")
        assert records == []

    def test_a_date_that_is_not_a_day_is_refused(
        self, graph_db: Driver, monkeypatch: pytest.MonkeyPatch, test_settings: Settings
    ) -> None:
        status, output = digest(monkeypatch, test_settings, "--agency", demo_city.POLICE_AGENCY_ID, "--date", "30/11")

        assert status == 1
        assert "--date must be a day as YYYY-MM-DD" in output
