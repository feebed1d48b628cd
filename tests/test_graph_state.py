"""Putting a seeded graph back between tests: whatever a test did, the next one sees the graph as built."""

from __future__ import annotations

from typing import Any, LiteralString

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.conftest import SeededGraphs
from tests.graph_state import GraphState, fingerprint

CANARY: LiteralString = "MATCH (n:LeakCanary) RETURN count(n) AS n"

# What tests do to the graph: new nodes hung off seeded ones, seeded properties changed in
# type and value, labels swapped, seeded nodes and relationships deleted, the audit head
# moved, an index dropped and another made.
DISTURBANCES: tuple[LiteralString, ...] = (
    "MATCH (c:Child {id: $child}) CREATE (c)<-[:ABOUT]-(:Contact:LeakCanary {id: 'canary', at: datetime()})",
    "MATCH (c:Child {id: $child}) SET c.given_name = 'Changed', c.dob = toString(c.dob), c.extra = [3, 2, 1]",
    "MATCH (p:Person {id: $mother}) REMOVE p:Adult SET p:Restricted",
    "MATCH (p:Professional {id: $officer}) DETACH DELETE p",
    "MATCH (:Person {id: $mother})-[r:PARENT_OF]->() DELETE r",
    "MATCH ()-[r:LIVES_IN]->() WITH r LIMIT 3 SET r.until = date('2026-01-01'), r.since = 1",
    "MATCH (h:AuditHead) SET h.seq = 41, h.hash = 'moved'",
    "UNWIND range(1, 50) AS i CREATE (:AuditEvent:LeakCanary {seq: i})",
)
SCHEMA_DISTURBANCES: tuple[LiteralString, ...] = (
    "DROP CONSTRAINT person_id",
    "CREATE INDEX leak_canary IF NOT EXISTS FOR (n:LeakCanary) ON (n.id)",
)


def disturb(driver: Driver, *, schema: bool = False) -> None:
    parameters: dict[str, Any] = {
        "child": demo_city.DEMO_FAMILY_CHILD_ID, "mother": demo_city.DEMO_MOTHER_ID,
        "officer": demo_city.POLICE_OFFICER_ID,
    }
    for statement in DISTURBANCES:
        driver.execute_query(statement, parameters, database_="neo4j")
    for statement in SCHEMA_DISTURBANCES if schema else ():
        driver.execute_query(statement, database_="neo4j")


def schema(driver: Driver) -> set[str]:
    records, _, _ = driver.execute_query("SHOW INDEXES YIELD name RETURN name", database_="neo4j")
    return {record["name"] for record in records}


class TestRestore:
    def test_everything_a_test_did_is_undone(self, demo_city_db: Driver, seeded_graphs: SeededGraphs) -> None:
        state = seeded_graphs.state(SeededGraphs.DEMO_CITY)
        built, indexes = fingerprint(demo_city_db), schema(demo_city_db)
        disturb(demo_city_db, schema=True)
        assert fingerprint(demo_city_db) != built

        repair = state.restore(demo_city_db)

        assert fingerprint(demo_city_db) == built
        assert schema(demo_city_db) == indexes
        assert repair.schema_restored
        # A new node may take the element id of a deleted one, and is then counted as changed.
        assert repair.extra_nodes + repair.changed_nodes >= 51 + 3
        assert repair.changed_relationships >= 4

    def test_a_graph_left_empty_is_built_again(self, sealed_city_db: Driver, seeded_graphs: SeededGraphs) -> None:
        state = seeded_graphs.state(SeededGraphs.SEALED_CITY)
        built = fingerprint(sealed_city_db)
        sealed_city_db.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")

        state.restore(sealed_city_db)

        assert fingerprint(sealed_city_db) == built

    def test_nothing_committed_means_nothing_to_do(self, demo_city_db: Driver, seeded_graphs: SeededGraphs) -> None:
        demo_city_db.execute_query("MATCH (c:Child) RETURN count(c) AS n", database_="neo4j")

        assert seeded_graphs.state(SeededGraphs.DEMO_CITY).restore(demo_city_db).clean

    def test_a_write_after_the_last_restore_is_found_even_unchanged_in_count(
        self, demo_city_db: Driver, seeded_graphs: SeededGraphs
    ) -> None:
        demo_city_db.execute_query(
            "MATCH (r:AgencyRecord) WITH r LIMIT 1 SET r.category = r.category + '!'", database_="neo4j"
        )

        repair = seeded_graphs.state(SeededGraphs.DEMO_CITY).restore(demo_city_db)

        assert (repair.changed_nodes, repair.extra_nodes) == (1, 0)


class TestFingerprint:
    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ("CREATE (:T {v: 1})", "CREATE (:T {v: '1'})"),
            ("CREATE (:T {v: true})", "CREATE (:T {v: 'true'})"),
            ("CREATE (:T {v: 1})", "CREATE (:T {v: 1.0})"),
            ("CREATE (:T {v: ['a', 'b']})", "CREATE (:T {v: ['b', 'a']})"),
            ("CREATE (:T {v: ['a,b']})", "CREATE (:T {v: ['a', 'b']})"),
            ("CREATE (:T {a: 'x', b: 'y'})", "CREATE (:T {a: 'x;b', c: 'y'})"),
            ("CREATE (:T:U)", "CREATE (:TU)"),
            ("CREATE (:T {v: datetime('2026-01-01T00:00Z')})", "CREATE (:T {v: datetime('2026-01-01T00:00[UTC]')})"),
            ("CREATE (:T {v: date('2026-01-01')})", "CREATE (:T {v: '2026-01-01'})"),
            ("CREATE (:A)-[:R]->(:B)", "CREATE (:A)<-[:R]-(:B)"),
            ("CREATE (:A)-[:R {v: 1}]->(:B)", "CREATE (:A)-[:R {v: 2}]->(:B)"),
        ],
    )
    def test_tells_apart_graphs_that_differ_in_any_way(
        self, graph_db: Driver, before: LiteralString, after: LiteralString
    ) -> None:
        graph_db.execute_query(before, database_="neo4j")
        first = fingerprint(graph_db)
        graph_db.execute_query("MATCH (n) WHERE NOT n:__Neo4jMigration AND NOT n:AuditHead DETACH DELETE n")
        graph_db.execute_query(after, database_="neo4j")

        assert fingerprint(graph_db) != first

    def test_a_captured_time_is_written_back_as_stored(self, graph_db: Driver) -> None:
        graph_db.execute_query(
            "CREATE (:T {at: datetime('2026-11-01T09:00Z'), times: [datetime('2026-11-01T09:00+01:00')]})",
            database_="neo4j",
        )
        captured, stored = GraphState.capture(graph_db, "times"), fingerprint(graph_db)
        graph_db.execute_query("MATCH (t:T) DETACH DELETE t", database_="neo4j")

        captured.restore(graph_db)

        assert fingerprint(graph_db) == stored


class TestNoLeakBetweenTests:
    """Run in this order: the first leaves a canary in the city, the second must not find it."""

    def test_a_test_leaves_a_canary(self, demo_city_db: Driver) -> None:
        disturb(demo_city_db)

        assert demo_city_db.execute_query(CANARY, database_="neo4j").records[0]["n"] > 0

    def test_the_next_test_finds_the_city_as_built(self, demo_city_db: Driver) -> None:
        records, _, _ = demo_city_db.execute_query(
            "MATCH (h:AuditHead) RETURN h.seq AS seq", database_="neo4j"
        )

        assert demo_city_db.execute_query(CANARY, database_="neo4j").records[0]["n"] == 0
        assert [record["seq"] for record in records] == [0]
        assert demo_city_db.execute_query(
            "MATCH (p:Professional {id: $id}) RETURN count(p) AS n", id=demo_city.POLICE_OFFICER_ID,
            database_="neo4j",
        ).records[0]["n"] == 1
