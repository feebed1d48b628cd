"""GraphQL for break glass and restricted children."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import BreakGlassReason
from api.graphql.refusals import ChildNotFound, InvalidInput, NotPermitted, refusal
from api.graphql.shared import Connection
from graph import grants as model
from services import refusals
from services.grants import BreakGlassUse, Restriction


@strawberry.type(description="Time-boxed access to one child, taken with a reason; every read under it is audited.")
class BreakGlass:
    id: strawberry.ID
    child_id: strawberry.ID
    professional_id: strawberry.ID
    professional_name: str | None
    agency_id: strawberry.ID | None
    reason: BreakGlassReason
    opened_at: dt.datetime
    expires_at: dt.datetime
    reads: int = strawberry.field(description="Audited reads made under it.")
    explanation: str | None = strawberry.field(
        default=None, description="The professional's own words; for those who review uses."
    )
    explanation_unavailable: str | None = None

    @staticmethod
    def of_use(use: BreakGlassUse) -> BreakGlass:
        return BreakGlass.of(use.record, use)

    @staticmethod
    def of(record: model.BreakGlassRecord, use: BreakGlassUse | None = None) -> BreakGlass:
        return BreakGlass(
            id=strawberry.ID(record.id), child_id=strawberry.ID(record.child_id),
            professional_id=strawberry.ID(record.professional_id), professional_name=record.professional_name,
            agency_id=strawberry.ID(record.agency_id) if record.agency_id else None,
            reason=BreakGlassReason(record.reason), opened_at=record.opened_at, expires_at=record.expires_at,
            reads=record.reads,
            explanation=use.explanation if use else None,
            explanation_unavailable=use.explanation_unavailable if use else None,
        )


@strawberry.type
class BreakGlassConnection(Connection[BreakGlass]):
    pass


@strawberry.type(description="Only the professionals named see this child beyond its existence.")
class ChildRestriction:
    id: strawberry.ID
    child_id: strawberry.ID
    named_professional_ids: list[strawberry.ID]

    @staticmethod
    def of(restriction: Restriction) -> ChildRestriction:
        return ChildRestriction(
            id=strawberry.ID(restriction.id), child_id=strawberry.ID(restriction.child_id),
            named_professional_ids=[strawberry.ID(p) for p in restriction.named],
        )


@strawberry.input
class BreakGlassInput:
    child_id: strawberry.ID
    reason: BreakGlassReason
    explanation: str


@strawberry.input
class RestrictChildInput:
    child_id: strawberry.ID
    reason: str
    named_professional_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Besides you: you are always named."
    )


BreakGlassResult = Annotated[
    BreakGlass | ChildNotFound | InvalidInput | NotPermitted, strawberry.union("BreakGlassResult")
]
BreakGlassUsesResult = Annotated[BreakGlassConnection | InvalidInput, strawberry.union("BreakGlassUsesResult")]
BreakGlassReviewResult = Annotated[
    BreakGlassConnection | InvalidInput | NotPermitted, strawberry.union("BreakGlassReviewResult")
]
RestrictChildResult = Annotated[
    ChildRestriction | ChildNotFound | InvalidInput | NotPermitted, strawberry.union("RestrictChildResult")
]



@strawberry.type
class GrantQueries:
    @strawberry.field(
        description=(
            "Who broke glass to this child, newest first: for those working with the child and "
            "front-door managers. Empty for anyone else, and for an unknown id."
        )
    )
    def break_glass_uses(
        self, info: Info[Context, None], child_id: strawberry.ID, first: int, after: str | None = None
    ) -> BreakGlassUsesResult:
        context = info.context
        result = context.services.grants.uses_for_child(
            context.principal, child_id=str(child_id), first=first, after=after, request_id=context.request_id
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return BreakGlassConnection.of(result, BreakGlass.of_use)

    @strawberry.field(description="Every break-glass use opened in a period, newest first, for the auditor.")
    def break_glass_review(
        self, info: Info[Context, None], first: int, after: str | None = None,
        opened_from: dt.datetime | None = None, opened_before: dt.datetime | None = None,
    ) -> BreakGlassReviewResult:
        context = info.context
        result = context.services.grants.review(
            context.principal, start=opened_from, end=opened_before, first=first, after=after,
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return BreakGlassConnection.of(result, BreakGlass.of_use)


@strawberry.type
class GrantMutations:
    @strawberry.mutation(
        description="Take time-boxed access to a child you have no legitimate relationship with, saying why."
    )
    def break_glass(self, info: Info[Context, None], input: BreakGlassInput) -> BreakGlassResult:
        context = info.context
        result = context.services.grants.break_glass(
            context.principal, child_id=str(input.child_id), reason=input.reason,
            explanation=input.explanation, request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else BreakGlass.of(result)

    @strawberry.mutation(description="Restrict a child's record to named professionals (front-door managers).")
    def restrict_child(self, info: Info[Context, None], input: RestrictChildInput) -> RestrictChildResult:
        context = info.context
        result = context.services.grants.restrict_child(
            context.principal, child_id=str(input.child_id), reason=input.reason,
            named=[str(p) for p in input.named_professional_ids], request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ChildRestriction.of(result)
