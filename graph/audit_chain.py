"""The audit chain in Neo4j: `AuditEvent` nodes, signed `AuditCheckpoint`s and one `AuditHead`.

An append runs inside the caller's transaction, so the act and its audit event commit or
fail together. Appends serialise on the head node's write lock: the writer that holds it
reads the head's seq and hash, which therefore cannot change until it commits, so two
writers can never take the same seq or link to the same predecessor. How an event is
hashed is the caller's concern (`hasher`), which keeps this module free of crypto.

A writer that already knows the head (the one it last appended after, say) sends the event
hashed against it in the same query that takes the lock: one round trip when it guessed
right. When the head has moved, the query writes nothing and returns the head it locked,
and the event is hashed again against that; the lock is held by then, so the second
attempt cannot miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, LiteralString, TypedDict

from neo4j import ManagedTransaction

# The value the first event links to; the chain's definition (protection.chain) agrees.
GENESIS_HASH = "0" * 64


class AuditEventFields(TypedDict):
    seq: int
    at: str
    actor: str
    agency: str
    role: str
    action: str
    targets: list[str]
    basis: str | None
    override_id: str | None
    request_id: str
    prev_hash: str


class AuditEventRow(AuditEventFields):
    hash: str


class CheckpointRow(TypedDict):
    seq: int
    head_hash: str
    at: str
    key_id: str
    signature: str


class HeadRow(TypedDict):
    seq: int
    hash: str


class AuditChainConflict(Exception):
    """The head moved under a writer that held its lock: the store is not behaving as assumed."""


# Writing to the head takes its exclusive lock before its seq and hash are read, the
# documented way to avoid lost updates in Neo4j; MERGE on the unique name recreates it
# race-free after a database reset.
LOCK_HEAD: LiteralString = """
MERGE (h:AuditHead {name: 'main'})
ON CREATE SET h.seq = 0, h.hash = $genesis_hash
SET h._lock = true
RETURN h.seq AS seq, h.hash AS hash
"""

# The head is locked (SET) before its seq and hash are read, as Neo4j documents for avoiding
# lost updates within one query; the event is written only if it links to that head.
APPEND_EVENT: LiteralString = """
MERGE (h:AuditHead {name: 'main'})
ON CREATE SET h.seq = 0, h.hash = $genesis_hash
SET h._lock = true
WITH h, h.seq AS head_seq, h.hash AS head_hash
WITH h, head_seq, head_hash, head_seq = $seq - 1 AND head_hash = $prev_hash AS links
FOREACH (_ IN CASE WHEN links THEN [1] ELSE [] END |
    CREATE (:AuditEvent {
        seq: $seq, at: $at, actor: $actor, agency: $agency, role: $role, action: $action,
        targets: $targets, basis: $basis, override_id: $override_id, request_id: $request_id,
        prev_hash: $prev_hash, hash: $hash
    })
    SET h.seq = $seq, h.hash = $hash
)
REMOVE h._lock
RETURN links, head_seq, head_hash
"""

READ_HEAD: LiteralString = """
MATCH (h:AuditHead {name: 'main'})
RETURN h.seq AS seq, h.hash AS hash
"""

_EVENT: LiteralString = """
e {.seq, .at, .actor, .agency, .role, .action, .targets, .basis, .override_id, .request_id,
   .prev_hash, .hash} AS event
"""

EVENTS_PAGE: LiteralString = """
MATCH (e:AuditEvent)
WHERE e.seq > $after_seq
RETURN """ + _EVENT + """
ORDER BY e.seq
LIMIT $limit
"""

EVENTS_BETWEEN: LiteralString = """
MATCH (e:AuditEvent)
WHERE $first_seq <= e.seq <= $last_seq
RETURN """ + _EVENT + """
ORDER BY e.seq
"""

EVENTS_IN_PERIOD: LiteralString = """
MATCH (e:AuditEvent)
WHERE $from_at <= e.at < $to_at AND e.seq > $after_seq
RETURN """ + _EVENT + """
ORDER BY e.seq
LIMIT $limit
"""

APPEND_CHECKPOINT: LiteralString = """
CREATE (:AuditCheckpoint {
    seq: $seq, head_hash: $head_hash, at: $at, key_id: $key_id, signature: $signature
})
"""

_CHECKPOINT: LiteralString = """
c {.seq, .head_hash, .at, .key_id, .signature} AS checkpoint
"""

CHECKPOINTS: LiteralString = """
MATCH (c:AuditCheckpoint)
RETURN """ + _CHECKPOINT + """
ORDER BY c.seq
"""

LATEST_CHECKPOINT: LiteralString = """
MATCH (c:AuditCheckpoint)
RETURN """ + _CHECKPOINT + """
ORDER BY c.seq DESC
LIMIT 1
"""

# The latest event of one of `$actions` (the last verification, say), newest seq first.
LATEST_OF_ACTIONS: LiteralString = """
MATCH (e:AuditEvent)
WHERE e.action IN $actions
RETURN """ + _EVENT + """
ORDER BY e.seq DESC
LIMIT 1
"""


def utc_now() -> str:
    """ISO-8601 UTC with microseconds and a Z, so the text sorts in time order."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lock_head(tx: ManagedTransaction) -> HeadRow:
    """Takes the head's write lock until the transaction ends; returns the committed head."""
    record = tx.run(LOCK_HEAD, genesis_hash=GENESIS_HASH).single(strict=True)
    return HeadRow(seq=record["seq"], hash=record["hash"])


def append_event(
    tx: ManagedTransaction,
    *,
    actor: str,
    agency: str,
    role: str,
    action: str,
    targets: Sequence[str],
    basis: str | None,
    override_id: str | None,
    request_id: str,
    hasher: Callable[[AuditEventFields], str],
    at: str | None = None,
    head_guess: HeadRow | None = None,
) -> AuditEventRow:
    """Appends one event after the current head, in `tx`; returns it with its seq and hash.

    `head_guess` is the head the caller believes current; a wrong or missing guess costs one
    more round trip, never a wrong link. Without `at` the time is taken once the head the
    event links to is known, so time order follows seq order.
    """

    def attempt(head: HeadRow) -> tuple[AuditEventRow, HeadRow | None]:
        fields = AuditEventFields(
            seq=head["seq"] + 1,
            at=at if at is not None else utc_now(),
            actor=actor,
            agency=agency,
            role=role,
            action=action,
            targets=list(targets),
            basis=basis,
            override_id=override_id,
            request_id=request_id,
            prev_hash=head["hash"],
        )
        row = AuditEventRow(**fields, hash=hasher(fields))
        record = tx.run(APPEND_EVENT, dict(row), genesis_hash=GENESIS_HASH).single(strict=True)
        if record["links"]:
            return row, None
        return row, HeadRow(seq=record["head_seq"], hash=record["head_hash"])

    row, locked_head = attempt(head_guess if head_guess is not None else lock_head(tx))
    if locked_head is None:
        return row
    # This transaction holds the head's lock now, so the head it returned cannot move again.
    row, moved = attempt(locked_head)
    if moved is not None:
        raise AuditChainConflict(f"the audit head moved while seq {row['seq']} was being appended")
    return row


def read_head(tx: ManagedTransaction) -> HeadRow | None:
    record = tx.run(READ_HEAD).single()
    return None if record is None else HeadRow(seq=record["seq"], hash=record["hash"])


def _event(value: dict[str, Any]) -> AuditEventRow:
    return AuditEventRow(
        seq=value["seq"], at=value["at"], actor=value["actor"], agency=value["agency"],
        role=value["role"], action=value["action"], targets=list(value["targets"]),
        basis=value["basis"], override_id=value["override_id"], request_id=value["request_id"],
        prev_hash=value["prev_hash"], hash=value["hash"],
    )


def events_page(
    tx: ManagedTransaction, *, after_seq: int = 0, limit: int = 1000
) -> list[AuditEventRow]:
    """Up to `limit` events with seq above `after_seq`, in seq order (keyset paging)."""
    return [_event(r["event"]) for r in tx.run(EVENTS_PAGE, after_seq=after_seq, limit=limit)]


def events_between(
    tx: ManagedTransaction, *, first_seq: int, last_seq: int
) -> list[AuditEventRow]:
    result = tx.run(EVENTS_BETWEEN, first_seq=first_seq, last_seq=last_seq)
    return [_event(r["event"]) for r in result]


def events_in_period(
    tx: ManagedTransaction, *, from_at: str, to_at: str, after_seq: int = 0, limit: int = 1000
) -> list[AuditEventRow]:
    """Events with `from_at <= at < to_at` (ISO-8601 UTC text), paged by seq."""
    result = tx.run(
        EVENTS_IN_PERIOD, from_at=from_at, to_at=to_at, after_seq=after_seq, limit=limit
    )
    return [_event(r["event"]) for r in result]


def _checkpoint(value: dict[str, Any]) -> CheckpointRow:
    return CheckpointRow(
        seq=value["seq"], head_hash=value["head_hash"], at=value["at"],
        key_id=value["key_id"], signature=value["signature"],
    )


def append_checkpoint(
    tx: ManagedTransaction, *, seq: int, head_hash: str, at: str, key_id: str, signature: str
) -> None:
    tx.run(
        APPEND_CHECKPOINT, seq=seq, head_hash=head_hash, at=at, key_id=key_id, signature=signature
    ).consume()


def checkpoints(tx: ManagedTransaction) -> list[CheckpointRow]:
    return [_checkpoint(r["checkpoint"]) for r in tx.run(CHECKPOINTS)]


def latest_checkpoint(tx: ManagedTransaction) -> CheckpointRow | None:
    record = tx.run(LATEST_CHECKPOINT).single()
    return None if record is None else _checkpoint(record["checkpoint"])


def latest_of_actions(tx: ManagedTransaction, *, actions: Sequence[str]) -> AuditEventRow | None:
    record = tx.run(LATEST_OF_ACTIONS, actions=list(actions)).single()
    return None if record is None else _event(record["event"])


# The auditor's search: every condition is optional (a null parameter matches all) and the
# page is keyed on seq, which the unique constraint on AuditEvent.seq indexes.
EVENTS_FILTERED: LiteralString = """
MATCH (e:AuditEvent)
WHERE e.seq > $after_seq
  AND ($actor IS NULL OR e.actor = $actor)
  AND ($action IS NULL OR e.action = $action)
  AND ($basis IS NULL OR e.basis = $basis)
  AND ($override_id IS NULL OR e.override_id = $override_id)
  AND ($target IS NULL OR $target IN e.targets)
  AND ($from_at IS NULL OR e.at >= $from_at)
  AND ($to_at IS NULL OR e.at < $to_at)
RETURN """ + _EVENT + """
ORDER BY e.seq
LIMIT $limit
"""

# Reads made under overrides: the events that name the override and used it as their basis.
OVERRIDE_READS: LiteralString = """
UNWIND $override_ids AS override_id
MATCH (e:AuditEvent {override_id: override_id})
WHERE e.basis = 'OVERRIDE'
RETURN """ + _EVENT + """
ORDER BY e.seq
"""


class EventFilter(TypedDict):
    actor: str | None
    action: str | None
    basis: str | None
    override_id: str | None
    target: str | None
    from_at: str | None
    to_at: str | None


def events_filtered(
    tx: ManagedTransaction, *, conditions: EventFilter, after_seq: int, limit: int
) -> list[AuditEventRow]:
    """Events matching every given condition, seq above `after_seq`, in seq order."""
    result = tx.run(EVENTS_FILTERED, dict(conditions), after_seq=after_seq, limit=limit)
    return [_event(r["event"]) for r in result]


def override_reads(tx: ManagedTransaction, *, override_ids: Sequence[str]) -> list[AuditEventRow]:
    """Events that read on the OVERRIDE basis under any of these overrides, in seq order."""
    return [_event(r["event"]) for r in tx.run(OVERRIDE_READS, override_ids=list(override_ids))]
