"""GraphQL for consent and manager-approved consent override."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import ConsentScope, OverrideGround, OverrideStatus
from api.graphql.refusals import (
    AlreadyDecided,
    AlreadyWithdrawn,
    ChildNotFound,
    ConsentNotFound,
    GiverNotEntitled,
    InvalidInput,
    NotAManager,
    NotPermitted,
    NotRevocable,
    OutsideOfficeHours,
    OverrideNotFound,
    SelfApprovalForbidden,
    refusal,
)
from api.graphql.shared import Connection, aware
from graph import consent as model
from services import refusals


@strawberry.type
class Consent:
    id: strawberry.ID
    child_id: strawberry.ID
    given_by: strawberry.ID
    scope: ConsentScope
    agencies: list[str]
    purpose: str
    method: str
    given_at: dt.datetime
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    current: bool

    @staticmethod
    def of(record: model.ConsentRecord) -> Consent:
        return Consent(
            id=strawberry.ID(record.id), child_id=strawberry.ID(record.child_id),
            given_by=strawberry.ID(record.given_by), scope=ConsentScope(record.scope),
            agencies=list(record.agencies), purpose=record.purpose, method=record.method,
            given_at=record.given_at, expires_at=record.expires_at,
            withdrawn_at=record.withdrawn_at, current=record.current,
        )


@strawberry.type
class ConsentOverride:
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
    expires_at: dt.datetime | None
    justification: str | None = strawberry.field(
        default=None,
        description="Only from consentOverride(id), for the requester and the managers who decide it.",
    )
    justification_unavailable: str | None = None

    @staticmethod
    def of(record: model.OverrideRecord) -> ConsentOverride:
        return ConsentOverride(
            id=strawberry.ID(record.id), child_id=strawberry.ID(record.child_id),
            ground=OverrideGround(record.ground), scope=ConsentScope(record.scope), agencies=list(record.agencies),
            status=OverrideStatus(record.status), requested_by=strawberry.ID(record.requested_by),
            requested_at=record.requested_at,
            decided_by=strawberry.ID(record.decided_by) if record.decided_by else None,
            decided_at=record.decided_at, expires_at=record.expires_at,
        )


@strawberry.type
class ConsentConnection(Connection[Consent]):
    pass


@strawberry.input
class RecordConsentInput:
    child_id: strawberry.ID
    given_by: strawberry.ID
    scope: ConsentScope
    agencies: list[strawberry.ID] = strawberry.field(default_factory=list)
    purpose: str
    method: str
    expires_at: dt.datetime | None = None


@strawberry.input
class WithdrawConsentInput:
    consent_id: strawberry.ID


@strawberry.input
class ApproveOverrideInput:
    override_id: strawberry.ID
    note: str = strawberry.field(description="The manager's reasons, kept with the decision.")


@strawberry.input
class RejectOverrideInput:
    override_id: strawberry.ID
    note: str = strawberry.field(description="The manager's reasons, kept with the decision.")


@strawberry.input
class RevokeOverrideInput:
    override_id: strawberry.ID


@strawberry.input
class RequestOverrideInput:
    child_id: strawberry.ID
    ground: OverrideGround
    justification: str
    scope: ConsentScope = ConsentScope.FULL
    agencies: list[strawberry.ID] = strawberry.field(default_factory=list)


RecordConsentResult = Annotated[
    Consent | GiverNotEntitled | ChildNotFound | InvalidInput | NotPermitted,
    strawberry.union("RecordConsentResult"),
]
WithdrawConsentResult = Annotated[
    Consent | ConsentNotFound | AlreadyWithdrawn | NotPermitted,
    strawberry.union("WithdrawConsentResult"),
]
ConsentsResult = Annotated[ConsentConnection | InvalidInput | NotPermitted, strawberry.union("ConsentsResult")]
ConsentOverrideResult = Annotated[
    ConsentOverride | OverrideNotFound | NotPermitted, strawberry.union("ConsentOverrideResult")
]
RequestOverrideResult = Annotated[
    ConsentOverride | ChildNotFound | InvalidInput | NotPermitted,
    strawberry.union("RequestOverrideResult"),
]
_DecideOverride = (
    ConsentOverride | OverrideNotFound | SelfApprovalForbidden | NotAManager | AlreadyDecided | OutsideOfficeHours
    | InvalidInput
)
ApproveOverrideResult = Annotated[_DecideOverride, strawberry.union("ApproveOverrideResult")]
RejectOverrideResult = Annotated[_DecideOverride, strawberry.union("RejectOverrideResult")]
RevokeOverrideResult = Annotated[
    ConsentOverride | OverrideNotFound | NotRevocable | NotPermitted,
    strawberry.union("RevokeOverrideResult"),
]


@strawberry.type
class ConsentQueries:
    @strawberry.field(description="The child's consent history, newest first, including withdrawn and expired.")
    def consents(
        self, info: Info[Context, None], child_id: strawberry.ID, first: int, after: str | None = None
    ) -> ConsentsResult:
        context = info.context
        result = context.services.consent.consents(context.principal, child_id=str(child_id), first=first, after=after)
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return ConsentConnection.of(result, Consent.of)

    @strawberry.field(description="An override request, with its reasons for the requester and deciding managers.")
    def consent_override(self, info: Info[Context, None], id: strawberry.ID) -> ConsentOverrideResult:
        context = info.context
        result = context.services.consent.override(
            context.principal, override_id=str(id), request_id=context.request_id
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return replace(
            ConsentOverride.of(result.record), justification=result.justification,
            justification_unavailable=result.justification_unavailable,
        )


@strawberry.type
class ConsentMutations:
    @strawberry.mutation
    def record_consent(self, info: Info[Context, None], input: RecordConsentInput) -> RecordConsentResult:
        context = info.context
        result = context.services.consent.record_consent(
            context.principal, child_id=str(input.child_id), giver_id=str(input.given_by),
            scope=input.scope, agencies=[str(a) for a in input.agencies],
            purpose=input.purpose, method=input.method, expires_at=aware(input.expires_at),
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else Consent.of(result)

    @strawberry.mutation
    def withdraw_consent(self, info: Info[Context, None], input: WithdrawConsentInput) -> WithdrawConsentResult:
        context = info.context
        result = context.services.consent.withdraw_consent(
            context.principal, consent_id=str(input.consent_id), request_id=context.request_id
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else Consent.of(result)

    @strawberry.mutation
    def request_override(self, info: Info[Context, None], input: RequestOverrideInput) -> RequestOverrideResult:
        context = info.context
        result = context.services.consent.request_override(
            context.principal, child_id=str(input.child_id),
            ground=input.ground, justification=input.justification,
            scope=input.scope, agencies=[str(a) for a in input.agencies],
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ConsentOverride.of(result)

    @strawberry.mutation
    def approve_override(self, info: Info[Context, None], input: ApproveOverrideInput) -> ApproveOverrideResult:
        return _decide(info.context, input.override_id, input.note, approve=True)

    @strawberry.mutation
    def reject_override(self, info: Info[Context, None], input: RejectOverrideInput) -> RejectOverrideResult:
        return _decide(info.context, input.override_id, input.note, approve=False)

    @strawberry.mutation
    def revoke_override(self, info: Info[Context, None], input: RevokeOverrideInput) -> RevokeOverrideResult:
        context = info.context
        result = context.services.consent.revoke_override(
            context.principal, override_id=str(input.override_id), request_id=context.request_id
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ConsentOverride.of(result)


def _decide(context: Context, override_id: strawberry.ID, note: str, *, approve: bool) -> _DecideOverride:
    result = context.services.consent.decide_override(
        context.principal, override_id=str(override_id), approve=approve, note=note,
        request_id=context.request_id,
    )
    return refusal(result) if isinstance(result, refusals.Refusal) else ConsentOverride.of(result)
