"""Reads of professionals: who a caller is, as the graph records it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import ManagedTransaction, Record

# The policy revision in force comes back with the caller, so a process learns of a newly
# loaded policy before its next decision without a second round trip.
_PROFESSIONAL_IN_PLACE: LiteralString = """-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(a:Agency)
OPTIONAL MATCH (s:PolicyState {id: 'current'})
RETURN p.id AS id, p.name AS name, p.roles AS roles, p.discipline AS discipline,
       t.id AS team_id, t.service AS team_service, a.id AS agency_id, a.kind AS agency_kind,
       s.revision AS policy_revision
LIMIT 1
"""

PROFESSIONAL: LiteralString = "\nMATCH (p:Professional {id: $professional_id})" + _PROFESSIONAL_IN_PLACE

# The same professional found by the name the identity provider gives them (migration V011's
# unique index on external_id), for tokens that name professionals by another claim than `sub`.
PROFESSIONAL_BY_EXTERNAL_ID: LiteralString = (
    "\nMATCH (p:Professional {external_id: $external_id})" + _PROFESSIONAL_IN_PLACE
)


@dataclass(frozen=True, slots=True)
class ProfessionalView:
    id: str
    name: str
    roles: tuple[str, ...]
    discipline: str
    team_id: str
    team_service: str
    agency_id: str
    agency_kind: str
    # None until a policy revision has been loaded into the graph.
    policy_revision: str | None = None


def get_professional(tx: ManagedTransaction, *, professional_id: str) -> ProfessionalView | None:
    return _view(tx.run(PROFESSIONAL, professional_id=professional_id).single())


def get_professional_by_external_id(tx: ManagedTransaction, *, external_id: str) -> ProfessionalView | None:
    return _view(tx.run(PROFESSIONAL_BY_EXTERNAL_ID, external_id=external_id).single())


def _view(record: Record | None) -> ProfessionalView | None:
    if record is None:
        return None
    return ProfessionalView(
        id=record["id"], name=record["name"], roles=tuple(record["roles"] or ()),
        discipline=record["discipline"] or "", team_id=record["team_id"],
        team_service=record["team_service"], agency_id=record["agency_id"],
        agency_kind=record["agency_kind"], policy_revision=record["policy_revision"],
    )
