"""A policy loaded into the graph reaches every API process before its next decision.

Two apps stand for two API processes: each holds its own Policy, loaded from the files at
start. Nothing tells them of a reload except the revision the graph names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from typer.testing import CliRunner

from api.app import create_app
from config.settings import Settings, get_settings
from devtools import demo_city
from graph import policy_store
from hub import cli
from policies import MODEL_PATH, POLICY_PATH, Policy
from services.policy import load_policy
from tests.api.client import Hub, token_for

EXPLAIN = """
query($id: ID!) { explainAccess(resourceId: $id) { allowed basis policyLine } }
"""

OWN_RECORDS_LINE = "p, police_mash_officer, police_record, read, OWN_AGENCY"


def _police_record_about_mother(driver: Driver) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (:Agency {id: $agency})<-[:HELD_BY]-(r:AgencyRecord)-[:ABOUT]->(:Person {id: $person}) "
        "RETURN r.id AS id ORDER BY id LIMIT 1",
        agency=demo_city.POLICE_AGENCY_ID, person=demo_city.DEMO_MOTHER_ID,
    )
    return str(records[0]["id"])


def _policy_without_own_records(folder: Path) -> Policy:
    text = POLICY_PATH.read_text()
    assert OWN_RECORDS_LINE in text
    edited = folder / "policy.csv"
    edited.write_text(text.replace(OWN_RECORDS_LINE, "# " + OWN_RECORDS_LINE))
    return Policy(MODEL_PATH, edited)


@pytest.fixture
def two_processes(demo_city_db: Driver, test_settings: Settings) -> Iterator[tuple[Hub, Hub]]:
    with ExitStack() as stack:
        hubs = tuple(
            Hub(stack.enter_context(TestClient(create_app(test_settings, driver=demo_city_db))), test_settings)
            for _ in range(2)
        )
        yield hubs[0], hubs[1]


def _explain(hub: Hub, record_id: str) -> dict[str, object]:
    answer: dict[str, object] = hub.graphql(demo_city.POLICE_OFFICER_ID, EXPLAIN, id=record_id)["explainAccess"]
    return answer


class TestReload:
    def test_every_process_applies_a_newly_loaded_revision_on_its_next_request(
        self, two_processes: tuple[Hub, Hub], graph_db: Driver, tmp_path: Path
    ) -> None:
        first, second = two_processes
        record_id = _police_record_about_mother(graph_db)
        assert _explain(first, record_id)["basis"] == "OWN_AGENCY"
        assert _explain(second, record_id)["basis"] == "OWN_AGENCY"

        load_policy(graph_db, _policy_without_own_records(tmp_path), database="neo4j", loaded_by="test")

        for process in (first, second):
            answer = _explain(process, record_id)
            assert answer["allowed"] is False or answer["basis"] == "EXISTENCE"
            assert answer["basis"] != "OWN_AGENCY"

    def test_loading_the_files_back_restores_the_old_decision(
        self, two_processes: tuple[Hub, Hub], graph_db: Driver, tmp_path: Path
    ) -> None:
        first, _ = two_processes
        record_id = _police_record_about_mother(graph_db)
        load_policy(graph_db, _policy_without_own_records(tmp_path), database="neo4j", loaded_by="test")
        assert _explain(first, record_id)["basis"] != "OWN_AGENCY"

        load_policy(graph_db, Policy(), database="neo4j", loaded_by="test")

        assert _explain(first, record_id) == {
            "allowed": True, "basis": "OWN_AGENCY", "policyLine": OWN_RECORDS_LINE,
        }

    def test_every_revision_is_kept_with_who_loaded_it(self, graph_db: Driver, tmp_path: Path) -> None:
        edited = _policy_without_own_records(tmp_path)
        assert load_policy(graph_db, Policy(), database="neo4j", loaded_by="alice") == (Policy().revision, None)
        assert load_policy(graph_db, edited, database="neo4j", loaded_by="bob") == (
            edited.revision, Policy().revision,
        )

        with graph_db.session(database="neo4j") as session:
            stored = session.execute_read(policy_store.current_policy)
        assert stored is not None
        assert (stored.revision, stored.loaded_by) == (edited.revision, "bob")
        assert Policy().adopt(stored.model_text, stored.policy_text) == edited.revision
        records, _, _ = graph_db.execute_query("MATCH (r:PolicyRevision) RETURN count(r) AS n")
        assert records[0]["n"] == 2


class TestFailClosed:
    def test_an_unusable_stored_revision_stops_every_decision(
        self, two_processes: tuple[Hub, Hub], graph_db: Driver
    ) -> None:
        first, _ = two_processes
        # What a damaged or hand-edited graph could hold: a revision whose text is not a policy.
        graph_db.execute_query(
            "MERGE (r:PolicyRevision {revision: 'broken'}) SET r.model = $model, r.policy = 'p, nobody' "
            "MERGE (s:PolicyState {id: 'current'}) SET s.revision = 'broken'",
            model=MODEL_PATH.read_text(),
        )

        response = first.client.post(
            "/graphql", json={"query": EXPLAIN, "variables": {"id": "anything"}},
            headers={"authorization": f"Bearer {token_for(first.settings, demo_city.POLICE_OFFICER_ID)}"},
        )

        assert response.status_code == 503
        assert response.json()["error"] == "policy_unavailable"


class TestCommand:
    @pytest.fixture
    def cli_settings(self, test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("HUB_NEO4J_URI", test_settings.neo4j_uri)
        monkeypatch.setenv("HUB_NEO4J_PASSWORD", test_settings.neo4j_password.get_secret_value())
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_load_stores_the_files_as_the_revision_in_force(self, graph_db: Driver, cli_settings: None) -> None:
        result = CliRunner().invoke(cli.app, ["policy", "load", "--loaded-by", "carol"])

        assert result.exit_code == 0, result.output
        assert Policy().revision[:12] in result.output
        records, _, _ = graph_db.execute_query("MATCH (s:PolicyState) RETURN s.revision AS r, s.loaded_by AS by")
        assert [(r["r"], r["by"]) for r in records] == [(Policy().revision, "carol")]

    def test_a_policy_with_an_unknown_word_is_refused_and_nothing_changes(
        self, graph_db: Driver, cli_settings: None, tmp_path: Path
    ) -> None:
        bad = tmp_path / "policy.csv"
        bad.write_text(POLICY_PATH.read_text() + "\np, police_mash_officer, police_record, reed, OWN_AGENCY\n")

        result = CliRunner().invoke(cli.app, ["policy", "load", "--policy", str(bad)])

        assert result.exit_code == 1
        assert "reed" in result.output
        records, _, _ = graph_db.execute_query("MATCH (s:PolicyState) RETURN count(s) AS n")
        assert records[0]["n"] == 0
