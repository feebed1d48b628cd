"""Batched, idempotent writes of the kinds in `graph.model`: one `UNWIND $rows` per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, LiteralString, Protocol

from neo4j import Driver, ManagedTransaction

from graph import model

Row = dict[str, Any]

MERGE_AGENCIES: LiteralString = """
UNWIND $rows AS row
MERGE (a:Agency {id: row.id})
SET a.name = row.name, a.kind = row.kind
"""

MERGE_TEAMS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Agency {id: row.agency_id})
MERGE (t:Team {id: row.id})
SET t.name = row.name, t.service = row.service
MERGE (t)-[:PART_OF]->(a)
"""

MERGE_PROFESSIONALS: LiteralString = """
UNWIND $rows AS row
MATCH (t:Team {id: row.team_id})
MERGE (p:Professional {id: row.id})
SET p.name = row.name, p.roles = row.roles, p.discipline = row.discipline, p.external_id = row.external_id
MERGE (p)-[:MEMBER_OF]->(t)
"""

MERGE_CHILDREN: LiteralString = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
SET p:Child, p.given_name = row.given_name, p.family_name = row.family_name,
    p.dob = row.dob, p.gender = row.gender, p.ethnicity = row.ethnicity
"""

MERGE_ADULTS: LiteralString = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
SET p:Adult, p.given_name = row.given_name, p.family_name = row.family_name,
    p.dob = row.dob, p.gender = row.gender, p.ethnicity = row.ethnicity
"""

MERGE_HOUSEHOLDS: LiteralString = """
UNWIND $rows AS row
MERGE (h:Household {id: row.id})
SET h.address = row.address, h.postcode = row.postcode
"""

MERGE_LIVES_IN: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {id: row.person_id}), (h:Household {id: row.household_id})
MERGE (p)-[r:LIVES_IN {since: row.since}]->(h)
SET r.until = row.until, r += row.provenance
"""

# `:Person` beside `:Child`/`:Adult` lets the planner seek the unique index on Person.id;
# without it each row scans every child or adult.
MERGE_PARENT_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person:Adult {id: row.adult_id}), (c:Person:Child {id: row.child_id})
MERGE (a)-[r:PARENT_OF]->(c)
ON CREATE SET r.loaded_at = datetime()
SET r.parental_responsibility = row.parental_responsibility, r += row.provenance
"""

MERGE_SIBLING_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person:Child {id: row.child_id}), (b:Person {id: row.sibling_id})
MERGE (a)-[r:SIBLING_OF]->(b)
ON CREATE SET r.loaded_at = datetime()
SET r.kind = row.kind, r += row.provenance
"""

MERGE_PARTNER_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person:Adult {id: row.adult_id}), (b:Person:Adult {id: row.partner_id})
MERGE (a)-[r:PARTNER_OF]->(b)
ON CREATE SET r.loaded_at = datetime()
SET r.current = row.current, r += row.provenance
"""

MERGE_CARER_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.carer_id}), (b:Person {id: row.cared_for_id})
MERGE (a)-[r:CARER_OF]->(b)
ON CREATE SET r.loaded_at = datetime()
SET r += row.provenance
"""

MERGE_RELATIVE_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.person_id}), (b:Person {id: row.relative_id})
MERGE (a)-[r:RELATIVE_OF]->(b)
ON CREATE SET r.loaded_at = datetime()
SET r.kind = row.kind, r += row.provenance
"""

MERGE_ALLOCATIONS: LiteralString = """
UNWIND $rows AS row
MATCH (p:Professional {id: row.professional_id}), (c:Person:Child {id: row.child_id})
MERGE (p)-[r:ALLOCATED_TO]->(c)
SET r.role = row.role, r.since = row.since
"""

MERGE_RECORDS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Agency {id: row.agency_id}), (p:Person {id: row.person_id})
MERGE (r:AgencyRecord {id: row.id})
// When the hub first held it, which the auditor's replay counts from (its agency's date may be earlier).
ON CREATE SET r.loaded_at = datetime()
// A record the retention schedule erased (services/retention.py) takes no summary again,
// whatever a later load brings.
SET r.category = row.category,
    r.summary = CASE WHEN r.erased_at IS NULL THEN coalesce(row.summary, r.summary) END,
    r.recorded_at = row.recorded_at, r.classification = row.classification
MERGE (r)-[:HELD_BY]->(a)
MERGE (r)-[:ABOUT]->(p)
"""


class SummarySealer(Protocol):
    """Encrypts record summaries in the writing transaction; None for a scope that was erased."""

    def seal_summaries(self, tx: ManagedTransaction, rows: Sequence[Row]) -> list[str | None]: ...


def _row(item: object) -> Row:
    row: Row = asdict(item)  # type: ignore[call-overload]
    for key, value in row.items():
        if isinstance(value, tuple):
            row[key] = list(value)
    return row


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    query: LiteralString
    rows: Sequence[object]


def _steps(batch: model.GraphBatch) -> list[_Step]:
    children = [p for p in batch.people if p.kind is model.PersonKind.CHILD]
    adults = [p for p in batch.people if p.kind is model.PersonKind.ADULT]
    return [
        _Step("agencies", MERGE_AGENCIES, batch.agencies),
        _Step("teams", MERGE_TEAMS, batch.teams),
        _Step("professionals", MERGE_PROFESSIONALS, batch.professionals),
        _Step("children", MERGE_CHILDREN, children),
        _Step("adults", MERGE_ADULTS, adults),
        _Step("households", MERGE_HOUSEHOLDS, batch.households),
        _Step("lives_in", MERGE_LIVES_IN, batch.lives_in),
        _Step("parent_of", MERGE_PARENT_OF, batch.parent_of),
        _Step("sibling_of", MERGE_SIBLING_OF, batch.sibling_of),
        _Step("partner_of", MERGE_PARTNER_OF, batch.partner_of),
        _Step("carer_of", MERGE_CARER_OF, batch.carer_of),
        _Step("relative_of", MERGE_RELATIVE_OF, batch.relative_of),
        _Step("allocations", MERGE_ALLOCATIONS, batch.allocations),
        _Step("records", MERGE_RECORDS, batch.records),
    ]


def _transactions(batch: model.GraphBatch, size: int) -> Iterator[list[tuple[_Step, Sequence[object]]]]:
    """The steps' rows in order, cut into transactions of at most `size` rows each.

    A transaction may span several steps: a small batch (the demo city) is then one
    transaction instead of one per kind, and a later step still sees what an earlier one
    wrote, since the order is kept.
    """
    group: list[tuple[_Step, Sequence[object]]] = []
    room = size
    for step in _steps(batch):
        start = 0
        while start < len(step.rows):
            rows = step.rows[start : start + room]
            group.append((step, rows))
            start += len(rows)
            room -= len(rows)
            if room == 0:
                yield group
                group, room = [], size
    if group:
        yield group


def _write_rows(
    tx: ManagedTransaction, query: LiteralString, rows: list[Row], sealer: SummarySealer | None = None
) -> None:
    tx.run(query, rows=rows).consume()


def _write_records(
    tx: ManagedTransaction, query: LiteralString, rows: list[Row], sealer: SummarySealer | None
) -> None:
    # Summaries reach Neo4j only as ciphertext. Without a sealer they are left out (a stored
    # one is kept), and so is one whose scope was erased, so erased content never returns.
    sealed = sealer.seal_summaries(tx, rows) if sealer is not None else [None] * len(rows)
    tx.run(query, rows=[{**row, "summary": summary} for row, summary in zip(rows, sealed, strict=True)]).consume()


def _write_group(
    tx: ManagedTransaction, group: list[tuple[_Step, Sequence[object]]], sealer: SummarySealer | None
) -> None:
    for step, rows in group:
        write = _write_records if step.name == "records" else _write_rows
        write(tx, step.query, [_row(item) for item in rows], sealer)


def write_batch(
    driver: Driver,
    batch: model.GraphBatch,
    *,
    database: str,
    batch_size: int = 5_000,
    on_progress: Callable[[int], None] | None = None,
    sealer: SummarySealer | None = None,
) -> int:
    """Writes every item of `batch`, at most `batch_size` rows per transaction; returns items written."""
    written = 0
    with driver.session(database=database) as session:
        for group in _transactions(batch, batch_size):
            session.execute_write(_write_group, group, sealer)
            for _, rows in group:
                written += len(rows)
                if on_progress is not None:
                    on_progress(len(rows))
    return written
