"""The council's workforce as the graph holds it: agencies, teams, professionals, allocations.

    (:Team)-[:PART_OF]->(:Agency)          (:Professional)-[:MEMBER_OF {since, joined_at}]->(:Team)
    (:Professional)-[:ALLOCATED_TO {role, since, allocated_at}]->(:Child)

Nothing here is deleted. A professional who moves team or leaves keeps the membership they
had as `WAS_MEMBER_OF {since, joined_at, until, ended_at, ended_by}`; a leaver (`left_at`)
is a member of no team, so the principal lookup (`graph/professionals.py`, which needs a
team) no longer finds them. An allocation ended becomes `WAS_ALLOCATED_TO {role, since,
allocated_at, until, ended_at, ended_by}`, so every read of `ALLOCATED_TO` (the legitimate
relationship, the workbook's standing) sees only current allocations while the history
stays; roles replaced are kept as `HELD_ROLES {roles, until}`. The auditor's replay
(`graph/replay.py`) reads that history to judge access at a past instant. Repository
functions take the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import SHUT_OUT
from graph.values import to_python
from graph.writes import MERGE_AGENCIES

AGENCIES: LiteralString = """
UNWIND $ids AS wanted
MATCH (a:Agency {id: wanted})
RETURN a.id AS id, a.name AS name, a.kind AS kind
"""

TEAMS: LiteralString = """
UNWIND $ids AS wanted
MATCH (t:Team {id: wanted})
RETURN t.id AS id, t.name AS name, t.service AS service, [(t)-[:PART_OF]->(a:Agency) | a.id][0] AS agency_id
"""

PROFESSIONALS: LiteralString = """
UNWIND $ids AS wanted
MATCH (p:Professional {id: wanted})
RETURN p.id AS id, p.name AS name, coalesce(p.roles, []) AS roles, coalesce(p.discipline, '') AS discipline,
       p.external_id AS external_id, [(p)-[:MEMBER_OF]->(t:Team) | t.id][0] AS team_id, p.left_at AS left_at
"""

# Who already holds each external id, so an import or a new professional never takes another's.
EXTERNAL_IDS: LiteralString = """
UNWIND $external_ids AS wanted
MATCH (p:Professional {external_id: wanted})
RETURN wanted AS external_id, p.id AS professional_id
"""

CHILDREN: LiteralString = """
UNWIND $ids AS wanted
MATCH (c:Person:Child {id: wanted})
RETURN c.id AS id
"""

# Whether the caller may change who works with this child: it exists, and no restriction shuts
# the caller out (an unknown child and a restricted one read the same).
CHILD_OPEN_TO: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
OPTIONAL MATCH (me:Professional {id: $professional_id})
RETURN NOT """ + SHUT_OUT + """ AS open
"""

CURRENT_ALLOCATIONS: LiteralString = """
UNWIND $child_ids AS wanted
MATCH (p:Professional)-[a:ALLOCATED_TO]->(c:Person:Child {id: wanted})
RETURN p.id AS professional_id, c.id AS child_id, a.role AS role, a.since AS since
ORDER BY child_id, professional_id
"""

# A team moved to another agency leaves the old one.
MERGE_TEAMS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Agency {id: row.agency_id})
MERGE (t:Team {id: row.id})
SET t.name = row.name, t.service = row.service
WITH t, a
CALL (t, a) {
    MATCH (t)-[old:PART_OF]->(other:Agency) WHERE other <> a
    DELETE old
}
MERGE (t)-[:PART_OF]->(a)
"""

# A professional created or changed; one moved to another team keeps where they were.
MERGE_PROFESSIONALS: LiteralString = """
UNWIND $rows AS row
MATCH (t:Team {id: row.team_id})
MERGE (p:Professional {id: row.id})
WITH p, t, row, p.roles AS held_before
SET p.name = row.name, p.roles = row.roles, p.discipline = row.discipline, p.external_id = row.external_id
// Roles changed: the ones held until now are kept, so the auditor's replay knows what the
// professional could do at any past instant.
FOREACH (_ IN CASE WHEN held_before IS NOT NULL AND held_before <> row.roles THEN [1] ELSE [] END |
    CREATE (p)-[:HELD_ROLES {roles: held_before, until: datetime(), ended_by: $by}]->(p)
)
WITH p, t
CALL (p, t) {
    MATCH (p)-[old:MEMBER_OF]->(other:Team) WHERE other <> t
    CREATE (p)-[:WAS_MEMBER_OF {
        since: old.since, joined_at: old.joined_at, until: date(), ended_at: datetime(), ended_by: $by
    }]->(other)
    DELETE old
}
MERGE (p)-[m:MEMBER_OF]->(t)
ON CREATE SET m.since = date(), m.joined_at = datetime()
"""

# A leaver: marked, and out of their team, so no lookup of a principal finds them again.
DEACTIVATE: LiteralString = """
MATCH (p:Professional {id: $professional_id})-[m:MEMBER_OF]->(t:Team)
WHERE p.left_at IS NULL
SET p.left_at = datetime(), p.left_by = $by
CREATE (p)-[:WAS_MEMBER_OF {
    since: m.since, joined_at: m.joined_at, until: date(), ended_at: datetime(), ended_by: $by
}]->(t)
DELETE m
RETURN count(*) AS gone
"""

# Allocated, or the role of a current allocation changed (its `since` kept).
ALLOCATE: LiteralString = """
UNWIND $rows AS row
MATCH (p:Professional {id: row.professional_id}), (c:Person:Child {id: row.child_id})
MERGE (p)-[a:ALLOCATED_TO]->(c)
ON CREATE SET a.since = coalesce(row.since, date()), a.allocated_by = $by, a.allocated_at = datetime()
SET a.role = row.role
"""

END_ALLOCATIONS: LiteralString = """
UNWIND $rows AS row
MATCH (p:Professional {id: row.professional_id})-[a:ALLOCATED_TO]->(c:Person:Child {id: row.child_id})
CREATE (p)-[ended:WAS_ALLOCATED_TO {
    role: a.role, since: a.since, allocated_at: a.allocated_at, until: date(), ended_at: datetime(), ended_by: $by
}]->(c)
DELETE a
RETURN p.id AS professional_id, c.id AS child_id, ended.role AS role, ended.since AS since, ended.until AS until
"""


@dataclass(frozen=True, slots=True)
class StoredAgency:
    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class StoredTeam:
    id: str
    name: str
    service: str
    agency_id: str | None


@dataclass(frozen=True, slots=True)
class StoredProfessional:
    id: str
    name: str
    roles: tuple[str, ...]
    discipline: str
    external_id: str | None
    # None for a leaver, who is a member of no team.
    team_id: str | None
    left_at: datetime | None

    @property
    def current(self) -> bool:
        return self.left_at is None and self.team_id is not None


@dataclass(frozen=True, slots=True)
class StoredAllocation:
    professional_id: str
    child_id: str
    role: str
    since: date | None


@dataclass(frozen=True, slots=True)
class EndedAllocation:
    professional_id: str
    child_id: str
    role: str
    since: date | None
    until: date


@dataclass(frozen=True, slots=True)
class AgencyWrite:
    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class TeamWrite:
    id: str
    name: str
    service: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class ProfessionalWrite:
    id: str
    name: str
    roles: tuple[str, ...]
    team_id: str
    discipline: str
    external_id: str | None


@dataclass(frozen=True, slots=True)
class AllocationWrite:
    professional_id: str
    child_id: str
    role: str
    # None: the day it is written.
    since: date | None = None


def agencies(tx: ManagedTransaction, *, ids: Sequence[str]) -> dict[str, StoredAgency]:
    return {
        r["id"]: StoredAgency(id=r["id"], name=r["name"] or "", kind=r["kind"] or "")
        for r in tx.run(AGENCIES, ids=list(ids))
    }


def teams(tx: ManagedTransaction, *, ids: Sequence[str]) -> dict[str, StoredTeam]:
    return {
        r["id"]: StoredTeam(id=r["id"], name=r["name"] or "", service=r["service"] or "", agency_id=r["agency_id"])
        for r in tx.run(TEAMS, ids=list(ids))
    }


def professionals(tx: ManagedTransaction, *, ids: Sequence[str]) -> dict[str, StoredProfessional]:
    return {
        r["id"]: StoredProfessional(
            id=r["id"], name=r["name"] or "", roles=tuple(r["roles"]), discipline=r["discipline"],
            external_id=r["external_id"], team_id=r["team_id"], left_at=to_python(r["left_at"]),
        )
        for r in tx.run(PROFESSIONALS, ids=list(ids))
    }


def holders_of_external_ids(tx: ManagedTransaction, *, external_ids: Sequence[str]) -> dict[str, str]:
    """Each external id already held, with the professional who holds it."""
    return {
        r["external_id"]: r["professional_id"]
        for r in tx.run(EXTERNAL_IDS, external_ids=list(external_ids))
    }


def known_children(tx: ManagedTransaction, *, ids: Sequence[str]) -> set[str]:
    return {r["id"] for r in tx.run(CHILDREN, ids=list(ids))}


def child_open_to(tx: ManagedTransaction, *, child_id: str, professional_id: str) -> bool:
    record = tx.run(CHILD_OPEN_TO, child_id=child_id, professional_id=professional_id).single()
    return bool(record and record["open"])


def current_allocations(tx: ManagedTransaction, *, child_ids: Sequence[str]) -> list[StoredAllocation]:
    return [
        StoredAllocation(
            professional_id=r["professional_id"], child_id=r["child_id"], role=r["role"] or "",
            since=to_python(r["since"]),
        )
        for r in tx.run(CURRENT_ALLOCATIONS, child_ids=list(child_ids))
    ]


_Write = AgencyWrite | TeamWrite | ProfessionalWrite | AllocationWrite


def _rows(items: Sequence[_Write]) -> list[dict[str, Any]]:
    return [
        {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(item).items()}
        for item in items
    ]


def write_agencies(tx: ManagedTransaction, rows: Sequence[AgencyWrite]) -> None:
    if rows:
        tx.run(MERGE_AGENCIES, rows=_rows(rows)).consume()


def write_teams(tx: ManagedTransaction, rows: Sequence[TeamWrite]) -> None:
    if rows:
        tx.run(MERGE_TEAMS, rows=_rows(rows)).consume()


def write_professionals(tx: ManagedTransaction, rows: Sequence[ProfessionalWrite], *, by: str) -> None:
    if rows:
        tx.run(MERGE_PROFESSIONALS, rows=_rows(rows), by=by).consume()


def deactivate(tx: ManagedTransaction, *, professional_id: str, by: str) -> bool:
    """Whether a current professional left now (False for an unknown id or a leaver)."""
    record = tx.run(DEACTIVATE, professional_id=professional_id, by=by).single()
    return bool(record and record["gone"])


def allocate(tx: ManagedTransaction, rows: Sequence[AllocationWrite], *, by: str) -> None:
    if rows:
        tx.run(ALLOCATE, rows=_rows(rows), by=by).consume()


def end_allocations(tx: ManagedTransaction, rows: Sequence[AllocationWrite], *, by: str) -> list[EndedAllocation]:
    """Ends the current allocations named (the role given is not read), into their history."""
    if not rows:
        return []
    return [
        EndedAllocation(
            professional_id=r["professional_id"], child_id=r["child_id"], role=r["role"] or "",
            since=to_python(r["since"]), until=to_python(r["until"]),
        )
        for r in tx.run(END_ALLOCATIONS, rows=_rows(rows), by=by)
    ]
