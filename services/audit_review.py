"""The auditor's view: overrides with what was read under them, the audit chain, its proof.

Who may use it is the policy's answer (audit_event and override reads), never a role name
in code. Auditors see override justifications, decrypted here, and no other case content:
the rest of what they get is ids, times and codes. Their reads of justifications and
their exports are themselves recorded in the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import audit_chain as audit_store
from graph import consent as consent_store
from graph.consent import OverrideRecord, OverrideStatus
from graph.values import utc
from policies import Action, Policy, ResourceKind
from protection.audit_trail import AuditTrail
from protection.chain import AuditEvent, Checkpoint, VerificationReport, public_key_pem
from protection.keyring import Keyring, OpenedField
from services import audit_events
from services.paging import Cursor, Page, aware_time
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted, OverrideNotFound

MAX_PAGE = 100
# A verification asked for is itself recorded, with its result.
VERIFIED = "audit.verified"
VERIFICATION_FAILED = "audit.verification_failed"


@dataclass(frozen=True, slots=True)
class OverrideRead:
    seq: int
    at: str
    actor: str
    agency: str
    action: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OverrideReview:
    record: OverrideRecord
    justification: OpenedField
    # From the request to the manager's decision; None while undecided.
    time_to_decision: timedelta | None
    reads: tuple[OverrideRead, ...]
    # Attempts to decide it that were refused (the requester, a non-manager, out of hours,
    # after the decision), from the audit chain.
    refused_decisions: tuple[consent_store.RefusedDecision, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainStatus:
    head_seq: int
    last_checkpoint: Checkpoint | None
    # The last "verify now", as the chain recorded it (its action says whether it verified).
    last_verification: AuditEvent | None

    @property
    def last_verified_ok(self) -> bool:
        return self.last_verification is not None and self.last_verification.action == VERIFIED


@dataclass(frozen=True, slots=True)
class EventQuery:
    actor: str | None = None
    action: str | None = None
    basis: str | None = None
    override_id: str | None = None
    target: str | None = None
    from_at: datetime | None = None
    to_at: datetime | None = None


OverridesResult: TypeAlias = Page[OverrideReview] | InvalidInput | NotPermitted
OverrideResult: TypeAlias = OverrideReview | OverrideNotFound | NotPermitted
EventsResult: TypeAlias = Page[AuditEvent] | InvalidInput | NotPermitted
VerifyResult: TypeAlias = VerificationReport | NotPermitted
ChainStatusResult: TypeAlias = ChainStatus | NotPermitted
ExportResult: TypeAlias = Checkpoint | NotPermitted


def _not_permitted() -> NotPermitted:
    return NotPermitted("only an auditor may use the audit view")


def _seq(text: str) -> int:
    seq = int(text)
    if seq < 0:
        raise ValueError("a chain position is never negative")
    return seq


_EVENT_CURSOR = Cursor("audit_events", write=lambda seq: (str(seq),), read=lambda parts: _seq(parts[0]), parts=1)
_OVERRIDE_CURSOR = Cursor(
    "overrides", write=lambda key: (key[0].isoformat(), key[1]),
    read=lambda parts: (aware_time(parts[0]), parts[1]), parts=2,
)


class AuditorService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, trail: AuditTrail, keyring: Keyring
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._trail = trail
        self._keyring = keyring

    def _may(self, principal: Principal, resource: ResourceKind, action: Action) -> bool:
        return bool(self._policy.allowed_bases(principal.roles, resource, action))

    def may_review_overrides(self, principal: Principal) -> bool:
        # Practitioners may read the overrides they work under; the review, with every
        # justification and the reads made under it, is for those who may read the audit trail.
        return self._may(principal, ResourceKind.OVERRIDE, Action.READ) and self._may(
            principal, ResourceKind.AUDIT_EVENT, Action.READ
        )

    def may_export(self, principal: Principal) -> bool:
        return self._may(principal, ResourceKind.AUDIT_EVENT, Action.EXPORT_AUDIT)

    def overrides(
        self, principal: Principal, *, status: OverrideStatus | None, from_at: datetime | None,
        to_at: datetime | None, first: int, after: str | None, request_id: str,
        requested_by: str | None = None, decided_by: str | None = None,
    ) -> OverridesResult:
        if not self.may_review_overrides(principal):
            return _not_permitted()
        position = _OVERRIDE_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position
        if from_at is not None and to_at is not None and to_at <= from_at:
            return InvalidInput("to must be after from")

        def work(tx: ManagedTransaction) -> Page[OverrideReview]:
            found = consent_store.overrides_page(
                tx, status=status, from_at=utc(from_at) if from_at is not None else None,
                to_at=utc(to_at) if to_at is not None else None, after=position, limit=first + 1,
                requested_by=requested_by, decided_by=decided_by,
            )
            page = _OVERRIDE_CURSOR.page(found, first, lambda record: (record.requested_at, record.id))
            return page.showing(list(self._reviews(tx, principal, page.items, request_id=request_id)))

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def override(self, principal: Principal, *, override_id: str, request_id: str) -> OverrideResult:
        """One override under review, as the list shows it: for its page with the timeline."""
        if not self.may_review_overrides(principal):
            return _not_permitted()

        def work(tx: ManagedTransaction) -> OverrideResult:
            found = consent_store.get_override(tx, override_id=override_id)
            if found is None:
                return OverrideNotFound()
            return self._reviews(tx, principal, [found], request_id=request_id)[0]

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _reviews(
        self, tx: ManagedTransaction, principal: Principal, page: list[OverrideRecord], *, request_id: str,
    ) -> tuple[OverrideReview, ...]:
        reads: dict[str, list[OverrideRead]] = {record.id: [] for record in page}
        for event in audit_store.override_reads(tx, override_ids=list(reads)):
            assert event["override_id"] is not None
            reads[event["override_id"]].append(OverrideRead(
                seq=event["seq"], at=event["at"], actor=event["actor"], agency=event["agency"],
                action=event["action"], targets=tuple(event["targets"]),
            ))
        refusals: dict[str, list[consent_store.RefusedDecision]] = {record.id: [] for record in page}
        for refused in consent_store.decision_refusals(tx, override_ids=list(refusals)):
            refusals[refused.override_id].append(refused)
        reviews = tuple(
            OverrideReview(
                record=record,
                justification=self._keyring.open(
                    tx, scope_id=record.child_id, node_id=record.id, field="justification",
                    ciphertext=record.justification_ciphertext,
                ),
                time_to_decision=(
                    record.decided_at - record.requested_at if record.decided_at is not None else None
                ),
                reads=tuple(reads[record.id]),
                refused_decisions=tuple(refusals[record.id]),
            )
            for record in page
        )
        if page:
            # The auditor has just read these justifications: that read is recorded too.
            audit_events.record(
                self._trail, tx, principal, action="audit.overrides.read",
                targets=[record.id for record in page], request_id=request_id,
            )
        return reviews

    def audit_events(
        self, principal: Principal, *, query: EventQuery, first: int, after: str | None
    ) -> EventsResult:
        if not self._may(principal, ResourceKind.AUDIT_EVENT, Action.READ):
            return _not_permitted()
        after_seq = _EVENT_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(after_seq, InvalidInput):
            return after_seq
        conditions = audit_store.EventFilter(
            actor=query.actor, action=query.action, basis=query.basis,
            override_id=query.override_id, target=query.target,
            from_at=utc_text(query.from_at) if query.from_at is not None else None,
            to_at=utc_text(query.to_at) if query.to_at is not None else None,
        )
        with self._driver.session(database=self._database) as session:
            rows = session.execute_read(
                _filtered, conditions=conditions, after_seq=after_seq or 0, limit=first + 1
            )
        return _EVENT_CURSOR.page([AuditEvent.from_fields(row) for row in rows], first, lambda event: event.seq)

    def verify(self, principal: Principal) -> VerifyResult:
        if not self._may(principal, ResourceKind.AUDIT_EVENT, Action.VERIFY_AUDIT):
            return _not_permitted()
        return self._trail.verify_online(self._driver)

    def verify_now(self, principal: Principal, *, request_id: str) -> VerifyResult:
        """Verifies the chain and records that it was verified, and with what result, in it."""
        report = self.verify(principal)
        if isinstance(report, NotPermitted):
            return report

        def work(tx: ManagedTransaction) -> None:
            audit_events.record(
                self._trail, tx, principal, action=VERIFIED if report.ok else VERIFICATION_FAILED,
                targets=["audit-chain"], request_id=request_id,
            )

        with self._driver.session(database=self._database) as session:
            session.execute_write(work)
        return report

    def chain_status(self, principal: Principal) -> ChainStatusResult:
        """The chain's head, its last signed checkpoint and its last recorded verification."""
        if not self._may(principal, ResourceKind.AUDIT_EVENT, Action.READ):
            return _not_permitted()

        def work(tx: ManagedTransaction) -> ChainStatus:
            head = audit_store.read_head(tx)
            checkpoint = audit_store.latest_checkpoint(tx)
            verified = audit_store.latest_of_actions(tx, actions=[VERIFIED, VERIFICATION_FAILED])
            return ChainStatus(
                head_seq=head["seq"] if head is not None else 0,
                last_checkpoint=Checkpoint.from_fields(checkpoint) if checkpoint is not None else None,
                last_verification=AuditEvent.from_fields(verified) if verified is not None else None,
            )

        with self._driver.session(database=self._database) as session:
            return session.execute_read(work)

    def public_key_pem(self) -> bytes:
        return public_key_pem(self._trail.public_key)

    def record_export(self, principal: Principal, *, request_id: str) -> ExportResult:
        """Authorises an export and records it; the checkpoint the export is to end with."""
        if not self.may_export(principal):
            return _not_permitted()
        return record_export(
            self._driver, database=self._database, trail=self._trail, principal=principal,
            request_id=request_id,
        )

    def export_lines(self, *, through: Checkpoint) -> Iterator[str]:
        return self._trail.export_lines(self._driver, through=through)


def record_export(
    driver: Driver, *, database: str, trail: AuditTrail, principal: Principal, request_id: str
) -> Checkpoint:
    """Records that `principal` exports the chain and seals the head in the same transaction.

    The export then stops at that checkpoint, so it ends with a signature over its own
    last event, the record of the export itself: a verifier holding the public key can tell
    if any event was added, rewritten or cut off after it. The caller has authorised the
    export (the API through the policy; an operator at the command line by database access).
    """

    def work(tx: ManagedTransaction) -> Checkpoint:
        audit_events.record(
            trail, tx, principal, action="audit.exported", targets=["audit-chain"],
            request_id=request_id,
        )
        sealed = trail.seal(tx)
        if sealed is None:
            raise RuntimeError("the audit head did not move with the export's own event")
        return sealed

    with driver.session(database=database) as session:
        return session.execute_write(work)


def utc_text(moment: datetime) -> str:
    """A time as the chain writes it: ISO-8601 UTC with microseconds and a Z."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _filtered(
    tx: ManagedTransaction, *, conditions: audit_store.EventFilter, after_seq: int, limit: int
) -> list[audit_store.AuditEventRow]:
    return audit_store.events_filtered(tx, conditions=conditions, after_seq=after_seq, limit=limit)
