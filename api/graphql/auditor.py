"""GraphQL for auditors: overrides under review, the audit events, and the chain's proof."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import Basis, ConsentScope, OverrideGround, OverrideStatus
from api.graphql.refusals import InvalidInput, NotPermitted, refusal
from api.graphql.shared import Connection, aware
from protection.chain import AuditEvent as ChainEvent
from services import audit_review as service
from services import refusals


@strawberry.type
class OverrideRead:
    """One read made under an override, from the audit chain: who, when, what (ids only)."""

    seq: int
    at: str
    actor: strawberry.ID
    agency: strawberry.ID
    action: str
    targets: list[strawberry.ID]


@strawberry.type
class RefusedDecision:
    """An attempt to approve or reject an override that was refused, from the audit chain."""

    seq: int
    at: str
    actor: strawberry.ID
    agency: strawberry.ID
    role: str
    refusal: str = strawberry.field(description="The refusal as the API names it, e.g. SelfApprovalForbidden.")


@strawberry.type
class OverrideReview:
    id: strawberry.ID
    child_id: strawberry.ID
    ground: OverrideGround
    scope: ConsentScope
    agencies: list[str]
    status: OverrideStatus
    requested_by: strawberry.ID
    requested_at: dt.datetime
    decided_by: strawberry.ID | None
    decided_at: dt.datetime | None
    decision_note: str | None
    seconds_to_decision: float | None
    expires_at: dt.datetime | None
    revoked_by: strawberry.ID | None
    revoked_at: dt.datetime | None
    justification: str | None
    justification_unavailable: str | None = strawberry.field(
        description="Why justification is null: erased, or withheld as untrustworthy."
    )
    reads: list[OverrideRead]
    refused_decisions: list[RefusedDecision]

    @staticmethod
    def of(review: service.OverrideReview) -> OverrideReview:
        record = review.record
        return OverrideReview(
            id=strawberry.ID(record.id), child_id=strawberry.ID(record.child_id), ground=OverrideGround(record.ground),
            scope=ConsentScope(record.scope), agencies=list(record.agencies), status=OverrideStatus(record.status),
            requested_by=strawberry.ID(record.requested_by), requested_at=record.requested_at,
            decided_by=strawberry.ID(record.decided_by) if record.decided_by else None,
            decided_at=record.decided_at, decision_note=record.decision_note,
            seconds_to_decision=(
                review.time_to_decision.total_seconds() if review.time_to_decision is not None else None
            ),
            expires_at=record.expires_at,
            revoked_by=strawberry.ID(record.revoked_by) if record.revoked_by else None,
            revoked_at=record.revoked_at,
            justification=review.justification.text,
            justification_unavailable=review.justification.unavailable,
            reads=[
                OverrideRead(
                    seq=read.seq, at=read.at, actor=strawberry.ID(read.actor),
                    agency=strawberry.ID(read.agency), action=read.action,
                    targets=[strawberry.ID(t) for t in read.targets],
                )
                for read in review.reads
            ],
            refused_decisions=[
                RefusedDecision(
                    seq=refused.seq, at=refused.at, actor=strawberry.ID(refused.actor),
                    agency=strawberry.ID(refused.agency), role=refused.role, refusal=refused.refusal,
                )
                for refused in review.refused_decisions
            ],
        )


@strawberry.type
class OverrideReviewConnection(Connection[OverrideReview]):
    pass


@strawberry.type
class AuditEvent:
    seq: int
    at: str
    actor: strawberry.ID
    agency: strawberry.ID
    role: str
    action: str
    targets: list[strawberry.ID]
    basis: Basis | None
    override_id: strawberry.ID | None
    request_id: str
    prev_hash: str
    hash: str

    @staticmethod
    def of(event: ChainEvent) -> AuditEvent:
        return AuditEvent(
            seq=event.seq, at=event.at, actor=strawberry.ID(event.actor),
            agency=strawberry.ID(event.agency), role=event.role, action=event.action,
            targets=[strawberry.ID(t) for t in event.targets], basis=Basis(event.basis) if event.basis else None,
            override_id=strawberry.ID(event.override_id) if event.override_id else None,
            request_id=event.request_id, prev_hash=event.prev_hash, hash=event.hash,
        )


@strawberry.type
class AuditEventConnection(Connection[AuditEvent]):
    pass


@strawberry.input
class AuditEventFilter:
    actor: strawberry.ID | None = None
    action: str | None = None
    basis: Basis | None = None
    override_id: strawberry.ID | None = None
    target: strawberry.ID | None = strawberry.field(default=None, description="An id among the event's targets.")
    from_: dt.datetime | None = strawberry.field(default=None, name="from")
    to: dt.datetime | None = None


@strawberry.type
class AuditVerification:
    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_broken_seq: int | None
    reason: str
    sealed_through_seq: int = strawberry.field(
        description="The seq of the last signed checkpoint that verified; 0 when there is none."
    )
    uncovered_events: int = strawberry.field(
        description="Events after the last signed checkpoint. Their hashes link, but anyone "
        "who can write the database could have rewritten them and recomputed the hashes: "
        "only the next checkpoint (or an export, which signs one) vouches for them."
    )


OverridesResult = Annotated[
    OverrideReviewConnection | InvalidInput | NotPermitted, strawberry.union("OverridesResult")
]
AuditEventsResult = Annotated[
    AuditEventConnection | InvalidInput | NotPermitted, strawberry.union("AuditEventsResult")
]
VerifyAuditResult = Annotated[AuditVerification | NotPermitted, strawberry.union("VerifyAuditResult")]


@strawberry.type
class AuditorQueries:
    @strawberry.field(
        description="Consent overrides for review, newest request first: auditors only. "
        "`from`/`to` bound the request time; `first` (1 to 100) is required."
    )
    def overrides(
        self, info: Info[Context, None], *, first: int, after: str | None = None,
        status: OverrideStatus | None = None,
        from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
        to: dt.datetime | None = None,
    ) -> OverridesResult:
        context = info.context
        result = context.services.auditor.overrides(
            context.principal, status=status,
            from_at=aware(from_), to_at=aware(to), first=first, after=after,
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return OverrideReviewConnection.of(result, OverrideReview.of)

    @strawberry.field(
        description="Audit events in chain order, filtered: auditors only; `first` (1 to 100) is required."
    )
    def audit_events(
        self, info: Info[Context, None], *, first: int, after: str | None = None,
        filter: AuditEventFilter | None = None,
    ) -> AuditEventsResult:
        context = info.context
        given = filter or AuditEventFilter()
        result = context.services.auditor.audit_events(
            context.principal,
            query=service.EventQuery(
                actor=_text(given.actor), action=given.action,
                basis=given.basis.value if given.basis is not None else None,
                override_id=_text(given.override_id), target=_text(given.target),
                from_at=aware(given.from_), to_at=aware(given.to),
            ),
            first=first, after=after,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return AuditEventConnection.of(result, AuditEvent.of)

    @strawberry.field(
        description="Checks the whole chain and its signed checkpoints: auditors only. "
        "`ok` with `uncovered_events` above 0 means the events after the last checkpoint link "
        "but are not yet signed for."
    )
    def verify_audit(self, info: Info[Context, None]) -> VerifyAuditResult:
        context = info.context
        result = context.services.auditor.verify(context.principal)
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return AuditVerification(
            ok=result.ok, events_checked=result.events_checked,
            checkpoints_checked=result.checkpoints_checked, first_broken_seq=result.first_broken_seq,
            reason=result.reason, sealed_through_seq=result.sealed_through_seq,
            uncovered_events=result.uncovered_events,
        )



def _text(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None
