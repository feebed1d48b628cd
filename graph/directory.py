"""Reads of who works where, for display: team and agency names, and the development sign-in list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import ManagedTransaction

# The picker lists everyone a demo graph holds; a real directory is never listed (the
# development sign-in is refused in production), so the bound only keeps a county's page small.
MAX_LISTED = 500

PLACE: LiteralString = """
MATCH (t:Team {id: $team_id})-[:PART_OF]->(a:Agency)
RETURN t.name AS team_name, a.name AS agency_name
LIMIT 1
"""

PROFESSIONALS: LiteralString = """
MATCH (p:Professional)-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(a:Agency)
RETURN p.id AS id, p.name AS name, p.roles AS roles, t.name AS team_name, a.name AS agency_name
ORDER BY p.id
LIMIT $limit
"""


PARTNER_AGENCIES: LiteralString = """
MATCH (a:Agency) WHERE a.kind <> 'CHILDRENS_SERVICES'
RETURN a.id AS id, a.name AS name, a.kind AS kind
ORDER BY a.name
"""

AGENCIES: LiteralString = """
MATCH (a:Agency)
RETURN a.id AS id, a.name AS name, a.kind AS kind
ORDER BY a.name
"""

NAMES: LiteralString = """
UNWIND $ids AS wanted
MATCH (p:Professional {id: wanted})
RETURN p.id AS id, p.name AS name
"""


@dataclass(frozen=True, slots=True)
class ListedAgency:
    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Place:
    team_name: str
    agency_name: str


@dataclass(frozen=True, slots=True)
class ListedProfessional:
    id: str
    name: str
    roles: tuple[str, ...]
    team_name: str
    agency_name: str


def place_of(tx: ManagedTransaction, *, team_id: str) -> Place | None:
    record = tx.run(PLACE, team_id=team_id).single()
    if record is None:
        return None
    return Place(team_name=record["team_name"] or "", agency_name=record["agency_name"] or "")


def professionals(tx: ManagedTransaction, *, limit: int = MAX_LISTED) -> list[ListedProfessional]:
    return [
        ListedProfessional(
            id=record["id"], name=record["name"], roles=tuple(record["roles"] or ()),
            team_name=record["team_name"] or "", agency_name=record["agency_name"] or "",
        )
        for record in tx.run(PROFESSIONALS, limit=limit)
    ]


def partner_agencies(tx: ManagedTransaction) -> list[ListedAgency]:
    return [ListedAgency(id=r["id"], name=r["name"], kind=r["kind"]) for r in tx.run(PARTNER_AGENCIES)]


def agencies(tx: ManagedTransaction) -> list[ListedAgency]:
    return [ListedAgency(id=r["id"], name=r["name"], kind=r["kind"]) for r in tx.run(AGENCIES)]


def names(tx: ManagedTransaction, *, ids: list[str]) -> dict[str, str]:
    return {record["id"]: record["name"] for record in tx.run(NAMES, ids=ids)}
