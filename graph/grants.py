"""Break glass and restricted children: the graph facts behind the BREAK_GLASS basis and SHUT_OUT.

Repository functions take the caller's transaction and never commit. Expiry is judged by
Neo4j's clock (`datetime()`), as for overrides, so every API process agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import SHUT_OUT
from graph.values import to_python


class BreakGlassReason(StrEnum):
    """Why a professional with no legitimate relationship needs to see a child now."""

    IMMEDIATE_RISK_OF_HARM = "IMMEDIATE_RISK_OF_HARM"
    OUT_OF_HOURS_EMERGENCY = "OUT_OF_HOURS_EMERGENCY"
    CASE_TRANSFER_PENDING = "CASE_TRANSFER_PENDING"
    COVERING_FOR_ABSENT_COLLEAGUE = "COVERING_FOR_ABSENT_COLLEAGUE"
    COURT_OR_STATUTORY_DEADLINE = "COURT_OR_STATUTORY_DEADLINE"


@dataclass(frozen=True, slots=True)
class BreakGlassRecord:
    id: str
    child_id: str
    professional_id: str
    professional_name: str | None
    agency_id: str | None
    reason: str
    # Encrypted at rest (scope: the child), like an override's justification.
    detail_ciphertext: str
    opened_at: datetime
    expires_at: datetime
    # How many audited reads were made under it.
    reads: int


# Whether break glass may be taken: the child exists and the caller is not shut out of it.
# Both "no such child" and "restricted" read the same to the caller.
BREAK_GLASS_OPEN: LiteralString = """
OPTIONAL MATCH (c:Person:Child {id: $child_id})
OPTIONAL MATCH (me:Professional {id: $professional_id})
RETURN c IS NOT NULL AND me IS NOT NULL AND NOT """ + SHUT_OUT + """ AS may_open
"""

CREATE_BREAK_GLASS: LiteralString = """
MATCH (c:Person:Child {id: $child_id}), (me:Professional {id: $professional_id})
CREATE (me)-[:OPENED]->(b:BreakGlass {
    id: $break_glass_id, child_id: $child_id, professional_id: $professional_id,
    agency_id: $agency_id, reason: $reason, detail: $detail, opened_at: datetime(),
    expires_at: datetime() + duration({hours: $valid_hours})
})-[:FOR]->(c)
"""

_BREAK_GLASS_MAP: LiteralString = """
b {
    .id, .child_id, .professional_id, .agency_id, .reason, .detail, .opened_at, .expires_at,
    professional_name: [(pro:Professional)-[:OPENED]->(b) | pro.name][0],
    // Reads under it are audit events on the BREAK_GLASS basis naming it, within its time
    // (an event's time is UTC text that sorts in time order, so the range uses its index).
    reads: COUNT {
        MATCH (e:AuditEvent)
        WHERE e.at >= left(toString(datetime({datetime: b.opened_at, timezone: 'Z'})), 19)
          AND e.at <= left(toString(datetime({datetime: b.expires_at, timezone: 'Z'})), 19) + '.999999Z'
          AND e.basis = 'BREAK_GLASS' AND b.id IN e.targets AND e.action <> 'break_glass.opened'
    }
} AS use
"""

# Both lists are keyset-paged newest first on (opened_at, id).
BREAK_GLASS_FOR_CHILD: LiteralString = """
MATCH (b:BreakGlass)-[:FOR]->(:Person:Child {id: $child_id})
WHERE $after_at IS NULL OR b.opened_at < $after_at OR (b.opened_at = $after_at AND b.id > $after_id)
RETURN """ + _BREAK_GLASS_MAP + """
ORDER BY use.opened_at DESC, use.id
LIMIT $limit
"""

BREAK_GLASS_BY_ID: LiteralString = """
MATCH (b:BreakGlass {id: $break_glass_id})
RETURN """ + _BREAK_GLASS_MAP + """
"""

BREAK_GLASS_IN_PERIOD: LiteralString = """
MATCH (b:BreakGlass)
WHERE ($from IS NULL OR b.opened_at >= $from) AND ($to IS NULL OR b.opened_at < $to)
  AND ($after_at IS NULL OR b.opened_at < $after_at OR (b.opened_at = $after_at AND b.id > $after_id))
RETURN """ + _BREAK_GLASS_MAP + """
ORDER BY use.opened_at DESC, use.id
LIMIT $limit
"""

# A child has at most one restriction; restricting again names more professionals.
RESTRICT_CHILD: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
MERGE (r:Restriction {child_id: $child_id})-[:RESTRICTS]->(c)
  ON CREATE SET r.id = $restriction_id, r.reason = $reason, r.restricted_by = $restricted_by,
                r.restricted_at = datetime()
WITH r
UNWIND $named AS named_id
MATCH (pro:Professional {id: named_id})
MERGE (pro)-[named:NAMED_ON]->(r)
  ON CREATE SET named.named_at = datetime()
RETURN count(pro) AS named
"""

RESTRICTION_FOR_CHILD: LiteralString = """
MATCH (r:Restriction)-[:RESTRICTS]->(:Person:Child {id: $child_id})
RETURN r.id AS id, COLLECT { MATCH (pro:Professional)-[:NAMED_ON]->(r) RETURN pro.id ORDER BY pro.id } AS named
"""


def may_open_break_glass(tx: ManagedTransaction, *, child_id: str, professional_id: str) -> bool:
    record = tx.run(BREAK_GLASS_OPEN, child_id=child_id, professional_id=professional_id).single()
    return bool(record and record["may_open"])


def create_break_glass(
    tx: ManagedTransaction, *, break_glass_id: str, child_id: str, professional_id: str, agency_id: str,
    reason: BreakGlassReason, detail_ciphertext: str, valid_hours: int,
) -> None:
    tx.run(
        CREATE_BREAK_GLASS, break_glass_id=break_glass_id, child_id=child_id,
        professional_id=professional_id, agency_id=agency_id, reason=reason.value,
        detail=detail_ciphertext, valid_hours=valid_hours,
    ).consume()


def _record(row: dict[str, object]) -> BreakGlassRecord:
    return BreakGlassRecord(
        id=str(row["id"]), child_id=str(row["child_id"]), professional_id=str(row["professional_id"]),
        professional_name=row["professional_name"] if isinstance(row["professional_name"], str) else None,
        agency_id=row["agency_id"] if isinstance(row["agency_id"], str) else None,
        reason=str(row["reason"]), detail_ciphertext=str(row["detail"]),
        opened_at=to_python(row["opened_at"]), expires_at=to_python(row["expires_at"]),
        reads=int(row["reads"]),  # type: ignore[call-overload]
    )


def break_glass_for_child(
    tx: ManagedTransaction, *, child_id: str, after: tuple[datetime, str] | None = None, limit: int,
) -> list[BreakGlassRecord]:
    result = tx.run(
        BREAK_GLASS_FOR_CHILD, child_id=child_id, after_at=after[0] if after else None,
        after_id=after[1] if after else None, limit=limit,
    )
    return [_record(r["use"]) for r in result]


def get_break_glass(tx: ManagedTransaction, *, break_glass_id: str) -> BreakGlassRecord | None:
    record = tx.run(BREAK_GLASS_BY_ID, break_glass_id=break_glass_id).single()
    return _record(record["use"]) if record is not None else None


def break_glass_in_period(
    tx: ManagedTransaction, *, start: datetime | None, end: datetime | None,
    after: tuple[datetime, str] | None = None, limit: int,
) -> list[BreakGlassRecord]:
    period: dict[str, object] = {
        "from": start, "to": end, "limit": limit, "after_at": after[0] if after else None,
        "after_id": after[1] if after else None,
    }
    return [_record(r["use"]) for r in tx.run(BREAK_GLASS_IN_PERIOD, period)]


KNOWN_PROFESSIONALS: LiteralString = """
MATCH (pro:Professional) WHERE pro.id IN $ids RETURN collect(pro.id) AS ids
"""


def known_professionals(tx: ManagedTransaction, *, ids: list[str]) -> set[str]:
    record = tx.run(KNOWN_PROFESSIONALS, ids=ids).single()
    return set(record["ids"]) if record is not None else set()


def restrict_child(
    tx: ManagedTransaction, *, restriction_id: str, child_id: str, reason: str, restricted_by: str,
    named: list[str],
) -> int:
    record = tx.run(
        RESTRICT_CHILD, restriction_id=restriction_id, child_id=child_id, reason=reason,
        restricted_by=restricted_by, named=named,
    ).single()
    return int(record["named"]) if record is not None else 0


def restriction_for_child(tx: ManagedTransaction, *, child_id: str) -> tuple[str, tuple[str, ...]] | None:
    record = tx.run(RESTRICTION_FOR_CHILD, child_id=child_id).single()
    return (record["id"], tuple(record["named"])) if record is not None else None
