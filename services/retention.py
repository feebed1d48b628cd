"""Retention: what the schedule (policies/retention.csv) makes due, its erasure, and the auditor's list.

`due` is the dry run and changes nothing. `erase` takes each due thing in a transaction of
its own, with its tombstone and its `retention.erased` audit event, so an erasure is never
half made nor made unrecorded, and a failure part way leaves what was done done and
recorded. Each thing is locked and judged again inside its transaction, so a run is
idempotent and a contact recorded meanwhile keeps its child's scope.

Two ways to erase, chosen by what shares the data key:

- a child whose every sealed thing is due, and a family's workbook (the only thing sealed
  under its household's key), are crypto-shredded: the scope's data key is destroyed and
  everything sealed under it, in the graph and in every backup, is unreadable for good;
- one contact or agency record that is due while its scope still holds live records cannot
  be erased that way, because the key is shared with those live records: its ciphertext
  fields are removed from the graph and the node is marked `erased_at`/`erased_under`.
  (A backup taken before then still holds that ciphertext, readable until the scope's key
  is destroyed in its turn: the schedule does so when the child reaches the child rule's age.
  An adult's records go one by one and the schedule never destroys an adult's key: the
  schedule has no rule for an adult's scope, and `hub keys erase` remains for that.)

Tombstones and events hold ids, rule names, dates and the schedule's revision: never a word
of what was erased, so the audit chain verifies afterwards as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import retention as repo
from graph.retention import DueItem, Tombstone
from policies import Action, Policy, ResourceKind
from policies.retention import RecordKind, RetentionSchedule
from protection.keyring import Keyring
from services import audit_events
from services.paging import Cursor, Page, aware_time
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted

ERASED_ACTION = "retention.erased"
# What a reader is told of content erased record by record (a shredded scope reads as the
# keyring's ERASED).
# What stands in a required field whose text was erased with its child's key.
ERASED_TEXT = "Erased under the retention schedule."
MAX_PAGE = 100


class Method:
    SCOPE_SHREDDED = "SCOPE_SHREDDED"
    FIELDS_REMOVED = "FIELDS_REMOVED"


@dataclass(frozen=True, slots=True)
class ErasureRun:
    """What one `erase` did: a tombstone for each thing erased, in the order erased."""

    schedule_revision: str
    erased: tuple[Tombstone, ...]


ErasuresResult: TypeAlias = Page[Tombstone] | InvalidInput | NotPermitted

_ERASURE_CURSOR = Cursor(
    "erasures", write=lambda key: (key[0].isoformat(), key[1]),
    read=lambda parts: (aware_time(parts[0]), parts[1]), parts=2,
)


class RetentionService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink,
        keyring: Keyring, schedule: RetentionSchedule, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._keyring = keyring
        self._schedule = schedule
        self._clock = clock

    @property
    def schedule(self) -> RetentionSchedule:
        return self._schedule

    def due(self, now: datetime) -> list[DueItem]:
        """Everything the schedule makes due at `now`: scopes to shred first, then single records.

        A record under a scope that is itself due is not listed apart: shredding the scope
        erases it.
        """
        rules = self._schedule.as_parameters()

        def work(tx: ManagedTransaction) -> dict[str, list[DueItem]]:
            return {kind: repo.due_of_kind(tx, kind=kind, rules=rules, now=now) for kind in repo.KINDS}

        with self._driver.session(database=self._database) as session:
            found = session.execute_read(work)
        shredded = {item.scope_id for item in found[RecordKind.CHILD.value]}
        single = [
            item for kind in (RecordKind.CONTACT.value, RecordKind.AGENCY_RECORD.value) for item in found[kind]
            if item.scope_id not in shredded
        ]
        return [*found[RecordKind.CHILD.value], *found[RecordKind.WORKBOOK.value], *single]

    def erase(self, now: datetime, operator: Principal, *, request_id: str) -> ErasureRun:
        """Erases everything due at `now`, each in its own transaction with its audit event."""
        erased = [
            tombstone
            for item in self.due(now)
            if (tombstone := self._erase_one(item, now, operator, request_id)) is not None
        ]
        return ErasureRun(schedule_revision=self._schedule.revision, erased=tuple(erased))

    def _erase_one(self, item: DueItem, now: datetime, operator: Principal, request_id: str) -> Tombstone | None:
        schedule = self._schedule
        rules = schedule.as_parameters()

        def work(tx: ManagedTransaction) -> Tombstone | None:
            standing = repo.still_due(tx, kind=item.kind, item_id=item.id, rules=rules, now=now)
            if standing is None:
                return None
            at = self._clock()
            method = self._apply(tx, standing, at)
            tombstone = Tombstone(
                id=f"erasure-{uuid.uuid4().hex}", kind=standing.kind, record_id=standing.id,
                scope_id=standing.scope_id, rule=standing.rule, schedule_revision=schedule.revision,
                method=method, due_on=standing.due_on, as_of=now, erased_at=at,
                erased_by=operator.professional_id,
            )
            repo.record_tombstone(tx, tombstone=tombstone, schedule_text=schedule.text)
            targets = [standing.id] if standing.id == standing.scope_id else [standing.id, standing.scope_id]
            audit_events.record(
                self._audit, tx, operator, action=ERASED_ACTION,
                targets=[*targets, tombstone.id, f"rule:{standing.rule}", f"schedule:{schedule.revision}"],
                request_id=request_id,
            )
            return tombstone

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _apply(self, tx: ManagedTransaction, item: DueItem, at: datetime) -> str:
        match RecordKind(item.kind):
            case RecordKind.CHILD:
                self._keyring.shred(tx, item.scope_id)
                repo.erase_child_plaintext(tx, child_id=item.scope_id, rule=item.rule, at=at, marker=ERASED_TEXT)
                return Method.SCOPE_SHREDDED
            case RecordKind.WORKBOOK:
                self._keyring.shred(tx, item.scope_id)
                repo.mark_workbook(tx, workbook_id=item.id, rule=item.rule, at=at)
                return Method.SCOPE_SHREDDED
            case RecordKind.CONTACT:
                repo.erase_contact(tx, contact_id=item.id, rule=item.rule, at=at)
                return Method.FIELDS_REMOVED
            case RecordKind.AGENCY_RECORD:
                repo.erase_record(tx, record_id=item.id, rule=item.rule, at=at)
                return Method.FIELDS_REMOVED

    def may_list_erasures(self, principal: Principal) -> bool:
        return bool(self._policy.allowed_bases(principal.roles, ResourceKind.ERASURE, Action.READ))

    def erasures(
        self, principal: Principal, *, from_at: datetime | None, to_at: datetime | None, first: int,
        after: str | None,
    ) -> ErasuresResult:
        """What the schedule erased in a period, newest first: ids, rules and dates, never content."""
        if not self.may_list_erasures(principal):
            return NotPermitted("only an auditor may list erasures")
        position = _ERASURE_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position
        if from_at is not None and to_at is not None and to_at <= from_at:
            return InvalidInput("to must be after from")

        def work(tx: ManagedTransaction) -> list[Tombstone]:
            return repo.erasures_page(tx, from_at=from_at, to_at=to_at, after=position, limit=first + 1)

        with self._driver.session(database=self._database) as session:
            found = session.execute_read(work)
        return _ERASURE_CURSOR.page(found, first, lambda erasure: (erasure.erased_at, erasure.id))
