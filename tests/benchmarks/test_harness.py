"""The benchmark harness at tiny scale against the test Neo4j: it runs, and it measures what it says.

Only structure and correctness are asserted here, never speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from benchmarks import county, handwritten, harness, report
from config.settings import Settings
from graph.consent import OverrideGround
from policies import MODEL_PATH, POLICY_PATH, Policy
from policies.kinds import Action, Basis, ResourceKind

TINY = county.CountyParameters(families=12, seed=5, chunk_families=5)


@pytest.fixture
def tiny_county(graph_db: Driver) -> county.CountyGraph:
    return county.ensure_county(graph_db, TINY, database="neo4j")


class TestCountyGraph:
    def test_its_overrides_have_the_shape_the_hub_writes(self, graph_db: Driver) -> None:
        # Enough families that some of their children have overrides (2 in 100 do).
        county.ensure_county(graph_db, county.CountyParameters(families=150, seed=5), database="neo4j")

        grounds = graph_db.execute_query(
            "MATCH (o:ConsentOverride) RETURN o.reason AS reason, o.ground AS ground", database_="neo4j",
        ).records

        assert grounds, "the tiny county has overrides"
        assert {(r["reason"], r["ground"]) for r in grounds} <= {(g.value, None) for g in OverrideGround}

    def test_first_load_writes_the_marker_and_a_second_reuses_it(self, graph_db: Driver) -> None:
        first = county.ensure_county(graph_db, TINY, database="neo4j")
        second = county.ensure_county(graph_db, TINY, database="neo4j")

        assert not first.reused
        assert second.reused
        assert (second.children, second.people, second.items) == (first.children, first.people, first.items)
        children = graph_db.execute_query("MATCH (c:Child) RETURN count(c) AS n", database_="neo4j")[0][0]["n"]
        assert children == first.children > 0

    def test_a_graph_of_other_parameters_is_not_taken_for_the_requested_one(
        self, tiny_county: county.CountyGraph, graph_db: Driver
    ) -> None:
        other = county.CountyParameters(families=13, seed=5, chunk_families=5)

        assert not county.matches(county.loaded_graph(graph_db, database="neo4j"), other)
        with pytest.raises(RuntimeError, match="holds another graph"):
            county.ensure_county(graph_db, other, database="neo4j")

    def test_consents_and_overrides_cover_children_with_a_parent_giving_consent(
        self, tiny_county: county.CountyGraph, graph_db: Driver
    ) -> None:
        records, _, _ = graph_db.execute_query(
            "MATCH (giver:Adult)-[:GAVE]->(k:Consent)-[:COVERS]->(c:Child) "
            "RETURN count(k) AS consents, "
            "       count(CASE WHEN EXISTS { (giver)-[:PARENT_OF {parental_responsibility: true}]->(c) } "
            "             THEN k END) AS with_pr",
            database_="neo4j",
        )

        assert records[0]["consents"] > 0
        assert records[0]["with_pr"] == records[0]["consents"]


class TestPermissivePolicy:
    def test_every_role_may_read_every_kind_on_every_basis(self) -> None:
        policy_file = Path(self._folder) / "policy.csv"
        policy_file.write_text(harness.permissive_policy(POLICY_PATH))
        permissive = Policy(MODEL_PATH, policy_file)

        for role in ("police_mash_officer", "health_mash_officer", "mash_social_worker", "auditor"):
            for kind in ResourceKind:
                assert permissive.allowed_bases([role], kind, Action.READ) == frozenset(Basis), (role, kind)

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self._folder = str(tmp_path)


@pytest.mark.slow
class TestHandWrittenCypher:
    def test_it_finds_the_people_and_records_the_hub_shows_a_caller_allowed_everything(
        self, tiny_county: county.CountyGraph, graph_db: Driver, test_settings: Settings, tmp_path: Path
    ) -> None:
        cast = harness._cast(graph_db, "neo4j", harness.RunOptions(samples=3, warmup=0))
        tokens = harness._tokens(test_settings, cast)
        policy_file = tmp_path / "policy.csv"
        policy_file.write_text(harness.permissive_policy())

        with harness.api_process(test_settings, name="permissive", policy=policy_file, folder=tmp_path) as api:
            client = harness.GraphQLClient(api.port, tokens)
            for child in cast.children:
                reply = client.ask(cast.social_worker, harness.FAMILY_NETWORK_QUERY, childId=child["id"])
                by_hand = handwritten.family_network(graph_db, child["id"], database="neo4j")

                assert not reply.failed, reply.body
                network = reply.body["data"]["familyNetwork"]
                assert {p["id"] for p in network["people"]} == {p["id"] for p in by_hand["people"]}
                # Even a permissive policy shows content only where a fact (consent, override,
                # allocation, own agency) holds; every other record is still known to exist.
                assert {r["id"] for r in network["records"]} <= {r["id"] for r in by_hand["records"]}
                assert {(k["personId"], k["agencyId"]) for k in network["knownTo"]} == {
                    (r["person_id"], r["agency_id"]) for r in by_hand["records"]
                }
            client.close()


LEFT_BY_AN_EARLIER_RUN: LiteralString = """
MATCH (c:Child {id: $child_id})<-[:PARENT_OF]-(parent:Adult)
WITH c, parent LIMIT 1
CREATE (parent)-[:GAVE]->(:Consent {id: 'consent-from-an-earlier-run', scope: 'FULL', agencies: [],
        purpose: 'MASH enquiry', method: 'VERBAL', given_at: datetime()})-[:COVERS]->(c)
"""

CONSENTS_ON: LiteralString = """
MATCH (k:Consent)-[:COVERS]->(c:Child)
WHERE ($child_ids IS NULL OR c.id IN $child_ids) AND (k.id STARTS WITH 'bench-consent-') = $generated
RETURN count(k) AS n
"""


def _consents(driver: Driver, child_ids: list[str] | None, *, generated: bool) -> int:
    records, _, _ = driver.execute_query(CONSENTS_ON, child_ids=child_ids, generated=generated, database_="neo4j")
    count: int = records[0]["n"]
    return count


@pytest.mark.slow
class TestRun:
    def test_a_tiny_run_measures_every_figure_without_errors(
        self, tiny_county: county.CountyGraph, graph_db: Driver, test_settings: Settings, tmp_path: Path
    ) -> None:
        # The peer needs APOC, which the suite's Neo4j lacks: tests/benchmarks/test_peer.py runs it.
        options = harness.RunOptions(samples=6, warmup=1, mixed_seconds=2.0, mixed_clients=(8, 3),
                                     throughput_seconds=1.0, audit_events=16, peer=False)
        measured = [c["id"] for c in harness.measured_children(graph_db, "neo4j", options)[0]]
        graph_db.execute_query(LEFT_BY_AN_EARLIER_RUN, child_id=measured[0], database_="neo4j")
        generated_before = _consents(graph_db, measured, generated=True)

        results = harness.run(test_settings, options, log=lambda _: None)
        markdown_path, json_path = report.write(results, tmp_path)

        network: dict[str, Any] = results["family_network"]
        for variant in (
            "handwritten_cypher", "graphql_policy", "graphql_permissive", "graphql_me_baseline", "http_livez_baseline",
        ):
            assert network[variant]["n"] == options.samples
            assert 0 < network[variant]["p50_ms"] <= network[variant]["p95_ms"]
        assert network["errors"] == {}
        assert network["mean_people_per_network"] > 1
        assert set(results["mixed"]) == {"8", "3"}
        for clients, mixed in results["mixed"].items():
            assert mixed["clients"] == int(clients)
            assert mixed["errors"] == 0, mixed["errors_by_operation"]
            # Every operation of the workload is one its caller may do: none is refused.
            assert mixed["typed_refusals_by_operation"] == {}
            assert set(mixed["requests_by_operation"]) == set(mixed["operations"])
            assert {"familyNetwork", "consents", "recordConsent", "recordContact", "workbook",
                    "addWorkbookEntry"} <= set(mixed["operations"])
            assert mixed["absent_from_schema"] == []
            assert mixed["n"] == mixed["requests"]
            assert 0 < mixed["p50_ms"] <= mixed["p95_ms"]
        for clients, variants in results["network_throughput"].items():
            assert set(variants) == {"hub"}
            assert variants["hub"]["clients"] == int(clients)
            assert variants["hub"]["errors"] == 0
            assert variants["hub"]["requests"] > 0
        assert results["peer"] == {"available": False, "reason": "not asked for"}
        assert set(results["audit_appends_per_second"]) == {"1", "8"}
        assert all(rate > 0 for rate in results["audit_appends_per_second"].values())
        assert results["api_memory_mb"]["policy_peak_rss"] > 0
        assert results["graph"]["children"] == tiny_county.children
        assert json.loads(json_path.read_text())["machine"]["cores"] >= 1
        assert "| hub / Cypher |" in markdown_path.read_text()
        assert "| familyNetwork, @neo4j/graphql | not measured | not asked for |" in markdown_path.read_text()
        # The workload wrote about children of its own; what an earlier run left on a
        # measured child is gone, and the generator's consents are untouched.
        assert _consents(graph_db, measured, generated=False) == 0
        assert _consents(graph_db, None, generated=False) > 0
        assert _consents(graph_db, measured, generated=True) == generated_before
