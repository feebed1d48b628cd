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
