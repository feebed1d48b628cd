"""Who a professional was, and which policy was in force, at a past instant.

The auditor's replay judges access as it stood then: with the roles the professional held,
in the team and agency they belonged to, under the policy revision loaded at the time. The
facts about the child (consents, overrides, allocations, break glass) are judged at the
same instant by the access rules' `AS_OF` rendering (`graph/access_rules.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import AS_OF, EVER, member, midnight
from graph.values import to_python, utc

# The membership in force at the instant (the latest begun, should two overlap), and the
# roles then: those replaced soonest after it, or the current ones if none were replaced since.
PROFESSIONAL_AS_OF: LiteralString = """
MATCH (p:Professional {id: $professional_id})
WHERE p.left_at IS NULL OR p.left_at > $as_of
MATCH (p)-[m:MEMBER_OF|WAS_MEMBER_OF]->(t:Team)-[:PART_OF]->(a:Agency)
WHERE """ + member("m", AS_OF) + """
WITH p, t, a, m
ORDER BY coalesce(m.joined_at, """ + midnight("m.since") + ", " + EVER + """) DESC
LIMIT 1
RETURN p.id AS id, p.name AS name, t.id AS team_id, t.service AS team_service,
       a.id AS agency_id, a.kind AS agency_kind, p.discipline AS discipline,
       coalesce(
           COLLECT { MATCH (p)-[h:HELD_ROLES]->(p) WHERE h.until > $as_of RETURN h.roles ORDER BY h.until LIMIT 1 }[0],
           p.roles
       ) AS roles
"""

POLICY_AS_OF: LiteralString = """
MATCH (:PolicyState {id: 'current'})-[loaded:LOADED]->(r:PolicyRevision)
WHERE loaded.at <= $as_of
RETURN r.revision AS revision, r.model AS model, r.policy AS policy, loaded.at AS loaded_at
ORDER BY loaded.at DESC
LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class ProfessionalThen:
    id: str
    name: str
    team_id: str
    team_service: str
    agency_id: str
    agency_kind: str
    discipline: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyThen:
    revision: str
    model_text: bytes
    policy_text: bytes
    loaded_at: datetime


def professional_as_of(tx: ManagedTransaction, *, professional_id: str, as_of: datetime) -> ProfessionalThen | None:
    """None when they were no member of any team then: not yet joined, or already gone."""
    record = tx.run(PROFESSIONAL_AS_OF, professional_id=professional_id, as_of=utc(as_of)).single()
    if record is None:
        return None
    return ProfessionalThen(
        id=record["id"], name=record["name"], team_id=record["team_id"], team_service=record["team_service"] or "",
        agency_id=record["agency_id"], agency_kind=record["agency_kind"], discipline=record["discipline"] or "",
        roles=tuple(record["roles"] or ()),
    )


def policy_as_of(tx: ManagedTransaction, *, as_of: datetime) -> PolicyThen | None:
    """None before any revision was loaded into the graph."""
    record = tx.run(POLICY_AS_OF, as_of=utc(as_of)).single()
    if record is None:
        return None
    return PolicyThen(
        revision=record["revision"], model_text=record["model"].encode("utf-8"),
        policy_text=record["policy"].encode("utf-8"), loaded_at=to_python(record["loaded_at"]),
    )
