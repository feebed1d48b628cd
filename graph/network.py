"""Reads of people and their family network, each answered by one Cypher query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction
from neo4j.time import Date, DateTime

MAX_NETWORK_DEPTH = 3

CHILD: LiteralString = """
MATCH (c:Child {id: $child_id})
RETURN c {.id, .given_name, .family_name, .dob, .gender, .ethnicity} AS person
"""

# Kin are reached through family relationships up to $depth hops; everyone who lives or
# lived in one of the child's households is in the network too. Every part of the answer
# is a COLLECT subquery over the one set of people, so the whole network is one round trip.
FAMILY_NETWORK: LiteralString = """
MATCH (c:Child {id: $child_id})
WITH c,
     COLLECT {
         MATCH path = (c)-[:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF*1..3]-(kin:Person)
         WHERE length(path) <= $depth
         RETURN DISTINCT kin
     } AS kin,
     COLLECT {
         MATCH (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(resident:Person)
         RETURN DISTINCT resident
     } AS residents
UNWIND [c] + kin + residents AS member
WITH c, collect(DISTINCT member) AS people
RETURN
    c.id AS child_id,
    [p IN people | p {
        .id, .given_name, .family_name, .dob,
        kind: CASE WHEN p:Child THEN 'Child' ELSE 'Adult' END
    }] AS people,
    COLLECT {
        UNWIND people AS a
        MATCH (a)-[r:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF]->(b:Person)
        WHERE b IN people
        RETURN {
            from_id: a.id, to_id: b.id, type: type(r),
            parental_responsibility: r.parental_responsibility, kind: r.kind,
            asserted_by: r.asserted_by, asserted_at: r.asserted_at, verified: r.verified
        } AS relationship
        ORDER BY relationship.type, relationship.from_id, relationship.to_id
    } AS relationships,
    COLLECT {
        UNWIND people AS p
        MATCH (p)-[l:LIVES_IN]->(h:Household)
        RETURN {
            person_id: p.id, household_id: h.id, address: h.address, postcode: h.postcode,
            since: l.since, until: l.until,
            asserted_by: l.asserted_by, asserted_at: l.asserted_at, verified: l.verified
        } AS residence
        ORDER BY residence.household_id, residence.person_id, residence.since
    } AS residences,
    COLLECT {
        UNWIND people AS p
        MATCH (pro:Professional)-[a:ALLOCATED_TO]->(p)
        MATCH (pro)-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(ag:Agency)
        RETURN {
            professional_id: pro.id, professional_name: pro.name, child_id: p.id,
            role: a.role, since: a.since, team_id: t.id, team_name: t.name,
            service: t.service, agency_id: ag.id, agency_name: ag.name
        } AS allocation
        ORDER BY allocation.child_id, allocation.professional_id
    } AS allocations,
    COLLECT {
        UNWIND people AS p
        MATCH (r:AgencyRecord)-[:ABOUT]->(p)
        MATCH (r)-[:HELD_BY]->(ag:Agency)
        RETURN {
            id: r.id, person_id: p.id, agency_id: ag.id, agency_name: ag.name,
            agency_kind: ag.kind, category: r.category, summary: r.summary,
            recorded_at: r.recorded_at, classification: r.classification
        } AS record
        ORDER BY record.person_id, record.recorded_at DESC, record.id
    } AS records
"""


@dataclass(frozen=True, slots=True)
class PersonView:
    id: str
    kind: str
    given_name: str
    family_name: str
    dob: date | None


@dataclass(frozen=True, slots=True)
class RelationshipView:
    from_id: str
    to_id: str
    type: str
    parental_responsibility: bool | None
    kind: str | None
    asserted_by: str | None
    asserted_at: datetime | None
    verified: bool | None


@dataclass(frozen=True, slots=True)
class ResidenceView:
    person_id: str
    household_id: str
    address: str
    postcode: str
    since: date | None
    until: date | None
    asserted_by: str | None
    asserted_at: datetime | None
    verified: bool | None


@dataclass(frozen=True, slots=True)
class AllocationView:
    professional_id: str
    professional_name: str
    child_id: str
    role: str
    since: date | None
    team_id: str
    team_name: str
    service: str
    agency_id: str
    agency_name: str


@dataclass(frozen=True, slots=True)
class RecordView:
    id: str
    person_id: str
    agency_id: str
    agency_name: str
    agency_kind: str
    category: str
    summary: str | None
    recorded_at: datetime | None
    classification: str


@dataclass(frozen=True, slots=True)
class FamilyNetwork:
    child_id: str
    people: tuple[PersonView, ...]
    relationships: tuple[RelationshipView, ...]
    residences: tuple[ResidenceView, ...]
    allocations: tuple[AllocationView, ...]
    records: tuple[RecordView, ...]


def to_python(value: Any) -> Any:
    """Neo4j temporal values become the standard library's, so callers never see driver types."""
    if isinstance(value, DateTime):
        return value.to_native()
    if isinstance(value, Date):
        return value.to_native()
    return value


def _native(row: dict[str, Any]) -> dict[str, Any]:
    return {key: to_python(value) for key, value in row.items()}


def get_child(tx: ManagedTransaction, *, child_id: str) -> PersonView | None:
    record = tx.run(CHILD, child_id=child_id).single()
    if record is None:
        return None
    person = _native(record["person"])
    return PersonView(
        id=person["id"], kind="Child", given_name=person["given_name"],
        family_name=person["family_name"], dob=person["dob"],
    )


def get_family_network(tx: ManagedTransaction, *, child_id: str, depth: int) -> FamilyNetwork | None:
    if not 1 <= depth <= MAX_NETWORK_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
    record = tx.run(FAMILY_NETWORK, child_id=child_id, depth=depth).single()
    if record is None:
        return None
    return FamilyNetwork(
        child_id=record["child_id"],
        people=tuple(PersonView(**_native(p)) for p in record["people"]),
        relationships=tuple(RelationshipView(**_native(r)) for r in record["relationships"]),
        residences=tuple(ResidenceView(**_native(r)) for r in record["residences"]),
        allocations=tuple(AllocationView(**_native(a)) for a in record["allocations"]),
        records=tuple(RecordView(**_native(r)) for r in record["records"]),
    )
