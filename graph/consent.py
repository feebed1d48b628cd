"""Consent and consent overrides: the facts the access policy's CONSENT and OVERRIDE bases rest on.

Repository functions take the caller's transaction and never commit. Time comparisons use
Neo4j's clock (`datetime()`), so every API process judges expiry the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.values import to_python


class ConsentScope(StrEnum):
    TARGETED = "TARGETED"
    FULL = "FULL"


class OverrideStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class OverrideGround(StrEnum):
    """The DPA 2018 Sch.1 para 18 reasons for processing without consent."""

    CONSENT_CANNOT_BE_GIVEN = "CONSENT_CANNOT_BE_GIVEN"
    CONSENT_CANNOT_REASONABLY_BE_OBTAINED = "CONSENT_CANNOT_REASONABLY_BE_OBTAINED"
    SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION = "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: str
    child_id: str
    given_by: str
    scope: str
    agencies: tuple[str, ...]
    purpose: str
    method: str
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    recorded_by: str
    current: bool


@dataclass(frozen=True, slots=True)
class OverrideRecord:
    id: str
    child_id: str
    ground: str
    # Encrypted at rest (scope: the child); opened for the auditor, the requester and the
    # managers who decide it.
    justification_ciphertext: str
    scope: str
    agencies: tuple[str, ...]
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    expires_at: datetime | None
    revoked_by: str | None
    revoked_at: datetime | None


GIVER_STANDING: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
OPTIONAL MATCH (giver:Person {id: $giver_id})
RETURN giver IS NOT NULL AS giver_exists,
       giver:Adult AS giver_is_adult,
       EXISTS { (giver)-[:PARENT_OF {parental_responsibility: true}]->(c) } AS has_pr,
       giver.id = c.id AS is_the_child,
       duration.between(c.dob, date()).years AS child_age
"""

CREATE_CONSENT: LiteralString = """
MATCH (c:Person:Child {id: $child_id}), (giver:Person {id: $giver_id})
CREATE (k:Consent {
    id: $id, scope: $scope, agencies: $agencies, purpose: $purpose, method: $method,
    given_at: coalesce($given_at, datetime()), expires_at: $expires_at, recorded_by: $recorded_by,
    recorded_at: datetime()
})
CREATE (giver)-[:GAVE]->(k)-[:COVERS]->(c)
RETURN k.id AS id
"""

_CONSENT_FIELDS: LiteralString = """
RETURN k {
    .id, .scope, .agencies, .purpose, .method, .given_at, .expires_at, .withdrawn_at,
    .withdrawn_by, .recorded_by,
    child_id: c.id, given_by: giver.id,
    current: k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > datetime())
} AS consent
"""

# Keyset-paged newest first on (given_at, id).
CONSENTS_FOR_CHILD: LiteralString = """
MATCH (giver:Person)-[:GAVE]->(k:Consent)-[:COVERS]->(c:Person:Child {id: $child_id})
WHERE $after_at IS NULL OR k.given_at < $after_at OR (k.given_at = $after_at AND k.id > $after_id)
""" + _CONSENT_FIELDS + """
ORDER BY consent.given_at DESC, consent.id
LIMIT $limit
"""

CONSENT_BY_ID: LiteralString = """
MATCH (giver:Person)-[:GAVE]->(k:Consent {id: $consent_id})-[:COVERS]->(c:Child)
""" + _CONSENT_FIELDS

WITHDRAW_CONSENT: LiteralString = """
MATCH (k:Consent {id: $consent_id})
WHERE k.withdrawn_at IS NULL
SET k.withdrawn_at = datetime(), k.withdrawn_by = $withdrawn_by
RETURN k.id AS id
"""

CREATE_OVERRIDE: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
CREATE (o:ConsentOverride {
    id: $id, reason: $ground, justification: $justification, scope: $scope,
    agencies: $agencies, status: 'REQUESTED', requested_by: $requested_by,
    requested_at: datetime()
})-[:FOR]->(c)
RETURN o.id AS id
"""

# Writing to the override first takes Neo4j's exclusive lock on it, so of two managers
# deciding at once, the second reads the first one's committed decision.
LOCK_OVERRIDE: LiteralString = """
MATCH (o:ConsentOverride {id: $override_id})
SET o.lock_version = coalesce(o.lock_version, 0) + 1
RETURN o.id AS id
"""

# An approved override past its expiry reads as EXPIRED everywhere.
_OVERRIDE_FIELDS: LiteralString = """
RETURN o {
    .id, .scope, .agencies, .requested_by, .requested_at, .decided_by,
    .decided_at, .decision_note, .expires_at, .revoked_by, .revoked_at,
    ground: o.reason, child_id: c.id, justification_ciphertext: o.justification,
    status: CASE WHEN o.status = 'APPROVED' AND o.expires_at <= datetime() THEN 'EXPIRED'
                 ELSE o.status END
} AS override
"""

OVERRIDE_BY_ID: LiteralString = """
MATCH (o:ConsentOverride {id: $override_id})-[:FOR]->(c:Child)
""" + _OVERRIDE_FIELDS

OVERRIDES_FOR_CHILD: LiteralString = """
MATCH (o:ConsentOverride)-[:FOR]->(c:Person:Child {id: $child_id})
""" + _OVERRIDE_FIELDS + """
ORDER BY override.requested_at DESC, override.id
"""

# For auditors: every override in a period of request times, optionally of one status, one
# requester and one deciding manager, keyset-paged newest first on (requested_at, id).
OVERRIDES_PAGE: LiteralString = """
MATCH (o:ConsentOverride)-[:FOR]->(c:Child)
WHERE ($from_at IS NULL OR o.requested_at >= $from_at) AND ($to_at IS NULL OR o.requested_at < $to_at)
  AND ($requested_by IS NULL OR o.requested_by = $requested_by)
  AND ($decided_by IS NULL OR o.decided_by = $decided_by)
  AND ($after_at IS NULL OR o.requested_at < $after_at
       OR (o.requested_at = $after_at AND o.id < $after_id))
WITH o, c, CASE WHEN o.status = 'APPROVED' AND o.expires_at <= datetime() THEN 'EXPIRED'
                ELSE o.status END AS status
WHERE $status IS NULL OR status = $status
RETURN o {
    .id, .scope, .agencies, .requested_by, .requested_at, .decided_by,
    .decided_at, .decision_note, .expires_at, .revoked_by, .revoked_at,
    ground: o.reason, child_id: c.id, justification_ciphertext: o.justification, status: status
} AS override
ORDER BY o.requested_at DESC, o.id DESC
LIMIT $limit
"""

DECIDE_OVERRIDE: LiteralString = """
MATCH (o:ConsentOverride {id: $override_id})
WHERE o.status = 'REQUESTED'
SET o.status = $status, o.decided_by = $decided_by, o.decided_at = datetime(),
    o.decision_note = $note,
    o.expires_at = CASE WHEN $status = 'APPROVED'
                        THEN datetime() + duration({hours: $valid_hours}) ELSE null END
RETURN o.id AS id
"""

REVOKE_OVERRIDE: LiteralString = """
MATCH (o:ConsentOverride {id: $override_id})
WHERE o.status = 'APPROVED' AND o.expires_at > datetime()
SET o.status = 'REVOKED', o.revoked_by = $revoked_by, o.revoked_at = datetime()
RETURN o.id AS id
"""


# A refused attempt to decide an override is recorded as this action, followed by the kind
# of refusal as the API names it: override.decision_refused.SelfApprovalForbidden.
REFUSED_DECISION = "override.decision_refused"

# For the auditor's review: the refused attempts to decide these overrides, in chain order.
DECISION_REFUSALS: LiteralString = """
UNWIND $override_ids AS override_id
MATCH (e:AuditEvent {override_id: override_id})
WHERE e.action STARTS WITH $prefix
RETURN e {.seq, .at, .actor, .agency, .role, .action, .override_id} AS event
ORDER BY e.seq
"""


@dataclass(frozen=True, slots=True)
class RefusedDecision:
    seq: int
    at: str
    actor: str
    agency: str
    role: str
    override_id: str
    # The refusal as the API names it (SelfApprovalForbidden, NotAManager, ...).
    refusal: str


@dataclass(frozen=True, slots=True)
class GiverStanding:
    child_exists: bool
    giver_exists: bool
    giver_is_adult: bool
    has_parental_responsibility: bool
    is_the_child: bool
    child_age: int | None


def giver_standing(tx: ManagedTransaction, *, child_id: str, giver_id: str) -> GiverStanding:
    record = tx.run(GIVER_STANDING, child_id=child_id, giver_id=giver_id).single()
    if record is None:
        return GiverStanding(False, False, False, False, False, None)
    return GiverStanding(
        child_exists=True,
        giver_exists=bool(record["giver_exists"]),
        giver_is_adult=bool(record["giver_is_adult"]),
        has_parental_responsibility=bool(record["has_pr"]),
        is_the_child=bool(record["is_the_child"]),
        child_age=record["child_age"],
    )


def create_consent(
    tx: ManagedTransaction, *, consent_id: str, child_id: str, giver_id: str, scope: ConsentScope,
    agencies: list[str], purpose: str, method: str, expires_at: datetime | None, recorded_by: str,
    given_at: datetime | None = None,
) -> None:
    tx.run(
        CREATE_CONSENT, id=consent_id, child_id=child_id, giver_id=giver_id, scope=scope.value,
        agencies=agencies, purpose=purpose, method=method, expires_at=expires_at,
        recorded_by=recorded_by, given_at=given_at,
    ).consume()


def _consent(row: dict[str, Any]) -> ConsentRecord:
    values = {key: to_python(value) for key, value in row.items()}
    values["agencies"] = tuple(values["agencies"] or ())
    return ConsentRecord(**values)


def consents_for_child(
    tx: ManagedTransaction, *, child_id: str, after: tuple[datetime, str] | None = None, limit: int,
) -> list[ConsentRecord]:
    result = tx.run(
        CONSENTS_FOR_CHILD, child_id=child_id, after_at=after[0] if after else None,
        after_id=after[1] if after else None, limit=limit,
    )
    return [_consent(r["consent"]) for r in result]


def get_consent(tx: ManagedTransaction, *, consent_id: str) -> ConsentRecord | None:
    record = tx.run(CONSENT_BY_ID, consent_id=consent_id).single()
    return _consent(record["consent"]) if record is not None else None


def withdraw_consent(tx: ManagedTransaction, *, consent_id: str, withdrawn_by: str) -> bool:
    return tx.run(WITHDRAW_CONSENT, consent_id=consent_id, withdrawn_by=withdrawn_by).single() is not None


def create_override(
    tx: ManagedTransaction, *, override_id: str, child_id: str, ground: OverrideGround,
    justification_ciphertext: str, scope: ConsentScope, agencies: list[str], requested_by: str,
) -> None:
    tx.run(
        CREATE_OVERRIDE, id=override_id, child_id=child_id, ground=ground.value,
        justification=justification_ciphertext, scope=scope.value, agencies=agencies,
        requested_by=requested_by,
    ).consume()


def _override(row: dict[str, Any]) -> OverrideRecord:
    values = {key: to_python(value) for key, value in row.items()}
    values["agencies"] = tuple(values["agencies"] or ())
    return OverrideRecord(**values)


def lock_override(tx: ManagedTransaction, *, override_id: str) -> bool:
    return tx.run(LOCK_OVERRIDE, override_id=override_id).single() is not None


def get_override(tx: ManagedTransaction, *, override_id: str) -> OverrideRecord | None:
    record = tx.run(OVERRIDE_BY_ID, override_id=override_id).single()
    return _override(record["override"]) if record is not None else None


def overrides_for_child(tx: ManagedTransaction, *, child_id: str) -> list[OverrideRecord]:
    return [_override(r["override"]) for r in tx.run(OVERRIDES_FOR_CHILD, child_id=child_id)]


def overrides_page(
    tx: ManagedTransaction, *, status: OverrideStatus | None, from_at: datetime | None,
    to_at: datetime | None, after: tuple[datetime, str] | None, limit: int,
    requested_by: str | None = None, decided_by: str | None = None,
) -> list[OverrideRecord]:
    result = tx.run(
        OVERRIDES_PAGE, status=status.value if status is not None else None, from_at=from_at,
        to_at=to_at, after_at=after[0] if after else None, after_id=after[1] if after else None,
        limit=limit, requested_by=requested_by, decided_by=decided_by,
    )
    return [_override(r["override"]) for r in result]


def decide_override(
    tx: ManagedTransaction, *, override_id: str, status: OverrideStatus, decided_by: str,
    note: str, valid_hours: int,
) -> bool:
    return tx.run(
        DECIDE_OVERRIDE, override_id=override_id, status=status.value, decided_by=decided_by,
        note=note, valid_hours=valid_hours,
    ).single() is not None


def revoke_override(tx: ManagedTransaction, *, override_id: str, revoked_by: str) -> bool:
    return tx.run(REVOKE_OVERRIDE, override_id=override_id, revoked_by=revoked_by).single() is not None


def child_age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def refused_decision_action(refusal: str) -> str:
    return f"{REFUSED_DECISION}.{refusal}"


def decision_refusals(tx: ManagedTransaction, *, override_ids: list[str]) -> list[RefusedDecision]:
    prefix = REFUSED_DECISION + "."
    return [
        RefusedDecision(
            seq=event["seq"], at=event["at"], actor=event["actor"], agency=event["agency"],
            role=event["role"], override_id=event["override_id"], refusal=event["action"].removeprefix(prefix),
        )
        for event in (record["event"] for record in tx.run(DECISION_REFUSALS, override_ids=override_ids, prefix=prefix))
    ]
