"""Record summaries and override justifications: ciphertext in Neo4j, plaintext only through the API.

Seeding, the API, the key commands and the raw database are all real; the raw reads stand
for a stolen copy of the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from protection.envelope_keys import generate_kek_base64
from protection.fields import PREFIX
from protection.keyring import ERASED, UNREADABLE
from tests.api.client import Hub
from tests.api.protected_hub import (
    JUSTIFICATION,
    approved_override,
    network,
    record_consent,
    request_override,
    run_hub_command,
    running_hub,
    seed_encrypted,
)
from tests.api.test_front_door import (
    CONTACT,
    INFORMATION_REQUEST,
    decide,
    give_consent,
    recorded_contact_id,
    request_information,
    share,
)

# Any string property of any node or relationship that contains the text: what a thief finds.
FIND_TEXT_ON_NODES: LiteralString = """
MATCH (n) UNWIND keys(n) AS key
WITH n[key] AS value WHERE value IS :: STRING AND value CONTAINS $text
RETURN count(*) AS found
"""
FIND_TEXT_ON_RELATIONSHIPS: LiteralString = """
MATCH ()-[r]->() UNWIND keys(r) AS key
WITH r[key] AS value WHERE value IS :: STRING AND value CONTAINS $text
RETURN count(*) AS found
"""
STORED_SUMMARIES: LiteralString = "MATCH (r:AgencyRecord) RETURN r.id AS id, r.summary AS summary"
STORED_JUSTIFICATION: LiteralString = "MATCH (o:ConsentOverride {id: $id}) RETURN o.justification AS text"
COPY_SUMMARY: LiteralString = """
MATCH (source:AgencyRecord {id: $source}), (target:AgencyRecord {id: $target})
SET target.summary = source.summary
"""


@pytest.fixture
def hub(sealed_hub: Hub) -> Hub:
    return sealed_hub


def plaintext_summaries() -> dict[str, str]:
    return {record.id: record.summary for record in demo_city.demo_city().records}


def occurrences(driver: Driver, text: str) -> int:
    found = 0
    for query in (FIND_TEXT_ON_NODES, FIND_TEXT_ON_RELATIONSHIPS):
        records, _, _ = driver.execute_query(query, text=text, database_="neo4j")
        found += int(records[0]["found"])
    return found


def council_records(hub: Hub) -> list[dict[str, object]]:
    # A MASH social worker reads children's services' own records on the OWN_AGENCY basis.
    view = network(hub, demo_city.MASH_SOCIAL_WORKER_ID)
    return [r for r in view["records"] if r["agencyId"] == demo_city.COUNCIL_AGENCY_ID]


class TestNothingReadableAtRest:
    def test_every_seeded_summary_is_stored_as_ciphertext_only(self, hub: Hub, graph_db: Driver) -> None:
        plaintext = plaintext_summaries()
        stored, _, _ = graph_db.execute_query(STORED_SUMMARIES, database_="neo4j")

        assert {r["id"] for r in stored} == set(plaintext)
        assert all(r["summary"].startswith(PREFIX) for r in stored)
        for text in set(plaintext.values()):
            assert occurrences(graph_db, text) == 0, text

    def test_override_justification_is_stored_as_ciphertext_only(self, hub: Hub, graph_db: Driver) -> None:
        override_id = request_override(hub)

        stored, _, _ = graph_db.execute_query(STORED_JUSTIFICATION, id=override_id, database_="neo4j")
        assert stored[0]["text"].startswith(PREFIX)
        assert occurrences(graph_db, JUSTIFICATION) == 0
        assert occurrences(graph_db, "threats") == 0

    def test_the_api_returns_the_plaintext_to_a_reader_with_a_basis(self, hub: Hub) -> None:
        plaintext = plaintext_summaries()

        records = council_records(hub)

        assert records
        assert {r["id"]: r["summary"] for r in records} == {r["id"]: plaintext[str(r["id"])] for r in records}
        assert all(r["summaryUnavailable"] is None for r in records)


class TestMovedCiphertext:
    def test_summary_copied_from_another_record_is_withheld_without_an_error(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        source, target = sorted(str(r["id"]) for r in council_records(hub))[:2]
        graph_db.execute_query(COPY_SUMMARY, source=source, target=target, database_="neo4j")

        records = {r["id"]: r for r in council_records(hub)}

        assert records[target]["summary"] is None
        assert records[target]["summaryUnavailable"] == UNREADABLE
        assert records[target]["access"] == {"allowed": True, "basis": "OWN_AGENCY"}
        assert records[source]["summary"] == plaintext_summaries()[source]

    def test_a_summary_written_in_plain_text_behind_the_hubs_back_is_withheld(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        target = str(council_records(hub)[0]["id"])
        graph_db.execute_query(
            "MATCH (r:AgencyRecord {id: $id}) SET r.summary = 'planted text'", id=target, database_="neo4j"
        )

        records = {r["id"]: r for r in council_records(hub)}

        assert records[target]["summary"] is None
        assert records[target]["summaryUnavailable"] == UNREADABLE


class TestKeyRotationCommand:
    def test_everything_stays_readable_through_the_api_under_the_new_key(
        self, hub: Hub, graph_db: Driver, test_settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        override_id = approved_override(hub)
        before = council_records(hub)
        data_keys, _, _ = graph_db.execute_query(
            "MATCH (k:DataKey) WHERE k.wrapped IS NOT NULL RETURN count(k) AS keys", database_="neo4j"
        )
        new_kek = tmp_path / "new-kek.b64"
        new_kek.write_text(generate_kek_base64(), encoding="ascii")

        rotated = run_hub_command(monkeypatch, test_settings, "keys", "rotate", "--new-kek-file", str(new_kek))

        assert rotated.exit_code == 0, rotated.output
        assert f"re-wrapped {data_keys[0]['keys']} data keys" in rotated.stdout
        with running_hub(graph_db, test_settings.model_copy(update={"kek_file": new_kek})) as rotated_hub:
            assert council_records(rotated_hub) == before
            reviewed = rotated_hub.graphql(
                demo_city.AUDITOR_ID,
                "{ overrides(first: 5) { ... on OverrideReviewConnection { items { id justification } } } }",
            )["overrides"]["items"]
            assert reviewed == [{"id": override_id, "justification": JUSTIFICATION}]

    def test_after_rotation_the_old_key_alone_reads_nothing(
        self, hub: Hub, graph_db: Driver, test_settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        new_kek = tmp_path / "new-kek.b64"
        new_kek.write_text(generate_kek_base64(), encoding="ascii")

        assert run_hub_command(
            monkeypatch, test_settings, "keys", "rotate", "--new-kek-file", str(new_kek)
        ).exit_code == 0

        records = council_records(hub)
        assert records
        assert all(r["summary"] is None and r["summaryUnavailable"] == UNREADABLE for r in records)


class TestErasureCommand:
    def test_erased_child_reads_as_erased_and_the_chain_still_verifies(
        self, hub: Hub, graph_db: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        record_consent(hub)
        child_records = [r for r in council_records(hub) if r["personId"] == demo_city.DEMO_FAMILY_CHILD_ID]
        assert child_records and all(r["summary"] for r in child_records)

        erased = run_hub_command(
            monkeypatch, test_settings, "keys", "erase", demo_city.DEMO_FAMILY_CHILD_ID, "--by", "dpo", "--yes"
        )

        assert erased.exit_code == 0, erased.output
        after = {r["id"]: r for r in council_records(hub)}
        for record in child_records:
            assert after[record["id"]]["summary"] is None
            assert after[record["id"]]["summaryUnavailable"] == ERASED
        others = [r for r in after.values() if r["personId"] != demo_city.DEMO_FAMILY_CHILD_ID]
        assert others and all(r["summary"] for r in others)
        events, _, _ = graph_db.execute_query(
            "MATCH (e:AuditEvent {action: 'keys.erased'}) RETURN e.actor AS actor, e.targets AS targets",
            database_="neo4j",
        )
        assert [(e["actor"], e["targets"]) for e in events] == [("operator:dpo", [demo_city.DEMO_FAMILY_CHILD_ID])]
        verified = hub.graphql(demo_city.AUDITOR_ID, "{ verifyAudit { ... on AuditVerification { ok reason } } }")
        assert verified["verifyAudit"]["ok"] is True, verified

    def test_erased_childs_override_justification_reads_as_erased_for_the_auditor(
        self, hub: Hub, test_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        request_override(hub)
        assert run_hub_command(
            monkeypatch, test_settings, "keys", "erase", demo_city.DEMO_FAMILY_CHILD_ID, "--yes"
        ).exit_code == 0

        reviewed = hub.graphql(
            demo_city.AUDITOR_ID,
            "{ overrides(first: 5) { ... on OverrideReviewConnection {"
            " items { justification justificationUnavailable } } } }",
        )["overrides"]["items"]

        assert reviewed == [{"justification": None, "justificationUnavailable": ERASED}]

    def test_an_erased_childs_contact_and_shared_answers_read_as_absent_not_as_an_error(
        self, hub: Hub, test_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        give_consent(hub, scope="TARGETED", agencies=[demo_city.POLICE_AGENCY_ID])
        contact_id = recorded_contact_id(hub)
        request = request_information(hub, contact_id)
        assert share(hub, demo_city.POLICE_OFFICER_ID, request["id"])["__typename"] == "InformationShare"
        assert decide(hub, contact_id)["__typename"] == "Contact"

        assert run_hub_command(
            monkeypatch, test_settings, "keys", "erase", demo_city.DEMO_FAMILY_CHILD_ID, "--yes"
        ).exit_code == 0

        contact = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, CONTACT, id=contact_id)["contact"]
        answers = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, INFORMATION_REQUEST, id=request["id"]
        )["informationRequest"]["answers"]
        assert (contact["__typename"], contact["status"]) == ("Contact", "DECIDED")
        assert (contact["concern"], contact["rationale"], contact["responseToReferrer"]) == (None, None, None)
        assert [(a["agencyId"], a["shared"], a["content"]) for a in answers] == [
            (demo_city.POLICE_AGENCY_ID, True, None)
        ]

    def test_reseeding_never_brings_erased_content_back(
        self, hub: Hub, graph_db: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assert run_hub_command(
            monkeypatch, test_settings, "keys", "erase", demo_city.DEMO_FAMILY_CHILD_ID, "--yes"
        ).exit_code == 0

        seed_encrypted(graph_db, test_settings)

        child_records = [r for r in council_records(hub) if r["personId"] == demo_city.DEMO_FAMILY_CHILD_ID]
        assert child_records
        assert all(r["summary"] is None and r["summaryUnavailable"] == ERASED for r in child_records)

    def test_an_unknown_scope_is_refused_and_nothing_is_recorded(
        self, hub: Hub, graph_db: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        refused = run_hub_command(monkeypatch, test_settings, "keys", "erase", "person-typo", "--yes")

        assert refused.exit_code == 1
        found, _, _ = graph_db.execute_query(
            "MATCH (k:DataKey {scope_id: 'person-typo'}) RETURN count(k) AS keys", database_="neo4j"
        )
        assert found[0]["keys"] == 0
