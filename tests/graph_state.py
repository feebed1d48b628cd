"""Graph states the tests start from: set up once, then put back between tests.

Loading the demo city costs seconds; putting back what one test changed costs milliseconds.
A `GraphState` is the whole graph as it stood after its set-up: every node's labels and
properties, every relationship's type, ends and properties, and the schema. `restore` puts
the live graph back to it, whatever the test before created, changed or deleted:

- when Neo4j's bookmark names the transaction it named after the last restore, nothing was
  committed since, and there is nothing to do;
- otherwise Neo4j spells out every node's labels and every relationship's type and ends,
  and every property with its type (`FINGERPRINTS`); those spellings are compared
  with the state's, and only what differs is deleted, repaired or made again, in one
  transaction, after which what was put right and the totals are checked (`REPAIRED`).

The fingerprints are read rather than the properties sent because the driver packs
parameters in Python, which for a thousand nodes costs far more than Neo4j spends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, LiteralString, cast

from neo4j import Driver, ManagedTransaction, Query, Record
from neo4j.exceptions import ConstraintError
from neo4j.time import DateTime, Time

DATABASE = "neo4j"
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_]+$")

READ_NODES: LiteralString = """
MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS properties
"""

READ_RELATIONSHIPS: LiteralString = """
MATCH (a)-[r]->(b)
RETURN elementId(r) AS id, type(r) AS type, elementId(a) AS start, elementId(b) AS end, properties(r) AS properties
"""

# Every part is prefixed with its length, so two different graphs never spell the same
# strings; a list's items keep their order, as a property's do. Keys are sorted in Python.
_SPELL_PROPERTIES = """
[key IN keys(item) | toString(size(key)) + ':' + key + '=' + valueType(item[key]) + '=' +
  CASE WHEN item[key] IS :: LIST<ANY>
       THEN reduce(s = toString(size(item[key])), x IN item[key] |
                   s + ',' + toString(size(toString(x))) + ':' + toString(x))
       ELSE toString(size(toString(item[key]))) + ':' + toString(item[key]) END]
"""

_SPELL_NODE = """[elementId(item), reduce(s = '', l IN labels(item) | s + toString(size(l)) + ':' + l + ';'),
                 """ + _SPELL_PROPERTIES + "]"
_SPELL_RELATIONSHIP = "[elementId(item), elementId(a), elementId(b), type(item), " + _SPELL_PROPERTIES + "]"

FINGERPRINTS: LiteralString = cast(LiteralString, """
CALL () { MATCH (item) RETURN collect(""" + _SPELL_NODE + """) AS nodes }
CALL () { MATCH (a)-[item]->(b) RETURN collect(""" + _SPELL_RELATIONSHIP + """) AS relationships }
RETURN nodes, relationships
""")

# After a repair: the totals, and the spellings of the items it put right.
REPAIRED: LiteralString = cast(LiteralString, """
CALL () { MATCH (n) RETURN count(n) AS node_count }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationship_count }
CALL () {
  UNWIND $node_ids AS id MATCH (item) WHERE elementId(item) = id RETURN collect(""" + _SPELL_NODE + """) AS nodes
}
CALL () {
  UNWIND $relationship_ids AS id MATCH (a)-[item]->(b) WHERE elementId(item) = id
  RETURN collect(""" + _SPELL_RELATIONSHIP + """) AS relationships
}
RETURN node_count, relationship_count, nodes, relationships
""")

# Indexes backing uniqueness constraints come with their constraints; the lookup indexes
# every database has are Neo4j's, not a state's.
READ_INDEXES: LiteralString = """
SHOW INDEXES YIELD name, type, owningConstraint, createStatement
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN name, createStatement
"""
READ_CONSTRAINTS: LiteralString = "SHOW CONSTRAINTS YIELD name, createStatement RETURN name, createStatement"

DELETE_RELATIONSHIPS: LiteralString = """
UNWIND $ids AS id MATCH ()-[r]->() WHERE elementId(r) = id DELETE r
"""
DELETE_NODES: LiteralString = """
UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id DETACH DELETE n
"""
REPAIR_NODES: LiteralString = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.id
REMOVE n:$(labels(n))
SET n:$(row.labels)
SET n = row.properties
"""
CREATE_NODES: LiteralString = """
UNWIND $rows AS row
CREATE (n:$(row.labels))
SET n = row.properties
RETURN row.i AS i, elementId(n) AS id
"""
CREATE_RELATIONSHIPS: LiteralString = """
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.start
MATCH (b) WHERE elementId(b) = row.end
CREATE (a)-[r:$(row.type)]->(b)
SET r = row.properties
RETURN row.i AS i, elementId(r) AS id
"""
DELETE_EVERYTHING: LiteralString = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"


@dataclass(frozen=True, slots=True)
class _Node:
    labels: tuple[str, ...]
    properties: dict[str, Any]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class _Relationship:
    type: str
    start: int
    end: int
    properties: dict[str, Any]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Repair:
    """What one restore found: expected items absent or different, items not expected at all."""

    changed_nodes: int = 0
    changed_relationships: int = 0
    extra_nodes: int = 0
    extra_relationships: int = 0
    schema_restored: bool = False
    rewritten: bool = False

    @property
    def clean(self) -> bool:
        return self == Repair()


@dataclass(frozen=True, slots=True)
class _Differences:
    changed_nodes: list[int]
    changed_relationships: list[int]
    extra_nodes: list[str]
    extra_relationships: list[str]

    def repair(self, *, schema_restored: bool = False, rewritten: bool = False) -> Repair:
        return Repair(
            changed_nodes=len(self.changed_nodes), changed_relationships=len(self.changed_relationships),
            extra_nodes=len(self.extra_nodes), extra_relationships=len(self.extra_relationships),
            schema_restored=schema_restored, rewritten=rewritten,
        )


@dataclass
class GraphState:
    """A whole graph held in memory, with the element ids its items have in Neo4j right now."""

    name: str
    nodes: tuple[_Node, ...]
    relationships: tuple[_Relationship, ...]
    indexes: dict[str, str]
    constraints: dict[str, str]
    _node_ids: list[str] = field(repr=False)
    _relationship_ids: list[str] = field(repr=False)
    _bookmark: frozenset[str] = field(default=frozenset(), repr=False)

    @classmethod
    def capture(cls, driver: Driver, name: str) -> GraphState:
        node_records, _, _ = driver.execute_query(READ_NODES, database_=DATABASE)
        relationship_records, _, _ = driver.execute_query(READ_RELATIONSHIPS, database_=DATABASE)
        node_prints, relationship_prints = _fingerprints(driver)
        position = {record["id"]: i for i, record in enumerate(node_records)}
        state = cls(
            name=name,
            nodes=tuple(
                _Node(tuple(r["labels"]), _portable(r["properties"]), node_prints[r["id"]]) for r in node_records
            ),
            relationships=tuple(
                _Relationship(r["type"], position[r["start"]], position[r["end"]], _portable(r["properties"]),
                              relationship_prints[r["id"]][2])
                for r in relationship_records
            ),
            indexes=_schema(driver, READ_INDEXES),
            constraints=_schema(driver, READ_CONSTRAINTS),
            _node_ids=[record["id"] for record in node_records],
            _relationship_ids=[record["id"] for record in relationship_records],
        )
        state._bookmark = latest_bookmark(driver)
        return state

    def restore(self, driver: Driver) -> Repair:
        """Makes the graph this state again; returns what it found had to be put right."""
        if self._bookmark and latest_bookmark(driver) == self._bookmark:
            return Repair()
        schema_restored = self._restore_schema(driver)
        found = self._differences(driver)
        repair = found.repair(schema_restored=schema_restored)
        if repair.clean:
            self._bookmark = latest_bookmark(driver)
            return repair
        try:
            with driver.session(database=DATABASE) as session:
                session.execute_write(self._repair, found)
            repaired = self._repaired(driver, found)
        except ConstraintError:
            # A repair that collides with a uniqueness constraint (ids swapped between
            # nodes, say) starts again from nothing.
            repaired = False
        if not repaired:
            self._rewrite(driver)
            left = self._differences(driver).repair()
            if not left.clean:
                raise AssertionError(f"the graph could not be put back to {self.name}: {left}")
            repair = found.repair(schema_restored=schema_restored, rewritten=True)
        self._bookmark = latest_bookmark(driver)
        return repair

    def forget_bookmark(self) -> None:
        """The next restore compares the graph even if Neo4j reports no commit since the last."""
        self._bookmark = frozenset()

    def _differences(self, driver: Driver) -> _Differences:
        live_nodes, live_relationships = _fingerprints(driver)
        changed_nodes = [
            i for i, node in enumerate(self.nodes) if live_nodes.get(self._node_ids[i]) != node.fingerprint
        ]
        changed_relationships = [
            i for i, relationship in enumerate(self.relationships)
            if live_relationships.get(self._relationship_ids[i]) != (
                self._node_ids[relationship.start], self._node_ids[relationship.end], relationship.fingerprint,
            )
        ]
        expected_nodes, expected_relationships = set(self._node_ids), set(self._relationship_ids)
        return _Differences(
            changed_nodes=changed_nodes,
            changed_relationships=changed_relationships,
            extra_nodes=[node_id for node_id in live_nodes if node_id not in expected_nodes],
            extra_relationships=[r for r in live_relationships if r not in expected_relationships],
        )

    def _repaired(self, driver: Driver, found: _Differences) -> bool:
        """Whether the repair worked: the items it put right now match, and the totals do.

        The first comparison found every other expected item as expected, and the repair
        touches none of them, so with the totals right nothing else can be there.
        """
        records, _, _ = driver.execute_query(
            REPAIRED, node_ids=[self._node_ids[i] for i in found.changed_nodes],
            relationship_ids=[self._relationship_ids[i] for i in found.changed_relationships], database_=DATABASE,
        )
        totals = records[0]
        nodes, relationships = _spellings(totals)
        return (
            (totals["node_count"], totals["relationship_count"]) == (len(self.nodes), len(self.relationships))
            and all(nodes.get(self._node_ids[i]) == self.nodes[i].fingerprint for i in found.changed_nodes)
            and all(
                relationships.get(self._relationship_ids[i]) == (
                    self._node_ids[self.relationships[i].start], self._node_ids[self.relationships[i].end],
                    self.relationships[i].fingerprint,
                )
                for i in found.changed_relationships
            )
        )

    def _repair(self, tx: ManagedTransaction, found: _Differences) -> None:
        tx.run(DELETE_RELATIONSHIPS, ids=found.extra_relationships).consume()
        tx.run(DELETE_NODES, ids=found.extra_nodes).consume()
        # An expected node still there is put right in place, keeping its relationships;
        # one that was deleted is made again, and its relationships with it (they differ too).
        present = set(_present(tx, [self._node_ids[i] for i in found.changed_nodes]))
        tx.run(REPAIR_NODES, rows=[self._node_row(i) for i in found.changed_nodes
                                   if self._node_ids[i] in present]).consume()
        self._create_nodes(tx, [i for i in found.changed_nodes if self._node_ids[i] not in present])
        # A relationship cannot change its ends or type, so any that differs is made again.
        tx.run(DELETE_RELATIONSHIPS, ids=[self._relationship_ids[i] for i in found.changed_relationships]).consume()
        self._create_relationships(tx, found.changed_relationships)

    def _rewrite(self, driver: Driver) -> None:
        with driver.session(database=DATABASE) as session:
            session.run(DELETE_EVERYTHING).consume()
            session.execute_write(self._rewrite_in)

    def _rewrite_in(self, tx: ManagedTransaction) -> None:
        self._create_nodes(tx, range(len(self.nodes)))
        self._create_relationships(tx, range(len(self.relationships)))

    def _create_nodes(self, tx: ManagedTransaction, positions: Iterable[int]) -> None:
        for record in tx.run(CREATE_NODES, rows=[self._node_row(i) for i in positions]):
            self._node_ids[record["i"]] = record["id"]

    def _create_relationships(self, tx: ManagedTransaction, positions: Iterable[int]) -> None:
        rows = [
            {"i": i, "type": self.relationships[i].type, "start": self._node_ids[self.relationships[i].start],
             "end": self._node_ids[self.relationships[i].end], "properties": self.relationships[i].properties}
            for i in positions
        ]
        for record in tx.run(CREATE_RELATIONSHIPS, rows=rows):
            self._relationship_ids[record["i"]] = record["id"]

    def _node_row(self, i: int) -> dict[str, Any]:
        node = self.nodes[i]
        return {"i": i, "id": self._node_ids[i], "labels": list(node.labels), "properties": node.properties}

    def _restore_schema(self, driver: Driver) -> bool:
        indexes, constraints = _schema(driver, READ_INDEXES), _schema(driver, READ_CONSTRAINTS)
        if indexes == self.indexes and constraints == self.constraints:
            return False
        for kind, live, wanted in (("CONSTRAINT", constraints, self.constraints), ("INDEX", indexes, self.indexes)):
            for name, statement in live.items():
                if wanted.get(name) != statement:
                    # Schema names come from Neo4j itself, not from input; checked before use all the same.
                    assert _SCHEMA_NAME.match(name), name
                    _run(driver, f"DROP {kind} {name} IF EXISTS")
        for show, wanted in ((READ_CONSTRAINTS, self.constraints), (READ_INDEXES, self.indexes)):
            live = _schema(driver, show)
            for name, statement in wanted.items():
                if name not in live:
                    _run(driver, statement)
        driver.execute_query(AWAIT_INDEXES, database_=DATABASE)
        return True


def latest_bookmark(driver: Driver) -> frozenset[str]:
    """Names the last transaction Neo4j committed: a read in a session of its own is answered with it."""
    with driver.session(database=DATABASE) as session:
        session.run("RETURN 1").consume()
        return frozenset(session.last_bookmarks().raw_values)


def fingerprint(driver: Driver) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The graph without element ids, sorted: two graphs are the same exactly when these are equal."""
    nodes, relationships = _fingerprints(driver)
    spelt = sorted((nodes[start], nodes[end], spelling) for start, end, spelling in relationships.values())
    return sorted(nodes.values()), spelt


def _fingerprints(driver: Driver) -> tuple[dict[str, str], dict[str, tuple[str, str, str]]]:
    records, _, _ = driver.execute_query(FINGERPRINTS, database_=DATABASE)
    return _spellings(records[0])


def _spellings(found: Record) -> tuple[dict[str, str], dict[str, tuple[str, str, str]]]:
    return (
        {node_id: labels + "|" + ";".join(sorted(properties)) for node_id, labels, properties in found["nodes"]},
        {relationship_id: (start, end, kind + "|" + ";".join(sorted(properties)))
         for relationship_id, start, end, kind, properties in found["relationships"]},
    )


def _present(tx: ManagedTransaction, ids: list[str]) -> list[str]:
    result = tx.run("UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id RETURN id", ids=ids)
    return [record["id"] for record in result]


def _portable(properties: dict[str, Any]) -> dict[str, Any]:
    return {key: _as_stored(value) for key, value in properties.items()}


def _as_stored(value: Any) -> Any:
    # The driver reads a time stored at offset +00:00 with pytz's UTC, which it would send
    # back as the named zone "UTC", a different value to Neo4j; a plain offset writes it as stored.
    if isinstance(value, DateTime | Time) and getattr(value.tzinfo, "zone", None) == "UTC":
        return value.replace(tzinfo=UTC)
    if isinstance(value, list):
        return [_as_stored(item) for item in value]
    return value


def _schema(driver: Driver, show: LiteralString) -> dict[str, str]:
    records, _, _ = driver.execute_query(show, database_=DATABASE)
    return {record["name"]: record["createStatement"] for record in records}


def _run(driver: Driver, statement: str) -> None:
    driver.execute_query(Query(cast(LiteralString, statement)), database_=DATABASE)
