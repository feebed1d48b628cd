"""GraphQL for the workforce: professionals joining, moving, changing roles and leaving, and
children allocated to them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.network import AllocationRole
from api.graphql.refusals import (
    AllocationNotFound,
    ChildNotFound,
    InvalidInput,
    NotPermitted,
    ProfessionalExists,
    ProfessionalNotFound,
    refusal,
)
from graph import model
from services import refusals
from services.workforce import AllocationRecord, ProfessionalRecord


@strawberry.type(description="A professional as the hub's directory holds them: who, which roles, which team.")
class Professional:
    id: strawberry.ID
    name: str
    roles: list[str]
    team_id: strawberry.ID | None = strawberry.field(description="Null once they have left.")
    discipline: str
    external_id: str | None = strawberry.field(description="How the council's identity provider names them.")
    left_at: dt.datetime | None = strawberry.field(description="When they were deactivated; null while current.")

    @staticmethod
    def of(record: ProfessionalRecord) -> Professional:
        return Professional(
            id=strawberry.ID(record.id), name=record.name, roles=list(record.roles),
            team_id=strawberry.ID(record.team_id) if record.team_id is not None else None,
            discipline=record.discipline, external_id=record.external_id, left_at=record.left_at,
        )


@strawberry.type(description="A professional allocated to a child: ids and a role, never case content.")
class ChildAllocation:
    professional_id: strawberry.ID
    child_id: strawberry.ID
    role: AllocationRole
    since: dt.date | None
    until: dt.date | None = strawberry.field(description="When the allocation ended; null while current.")
    replaced_case_holder_ids: list[strawberry.ID] = strawberry.field(
        description="The case holders whose allocation this one ended: a case has one holder."
    )

    @staticmethod
    def of(record: AllocationRecord) -> ChildAllocation:
        return ChildAllocation(
            professional_id=strawberry.ID(record.professional_id), child_id=strawberry.ID(record.child_id),
            role=AllocationRole(record.role.value), since=record.since, until=record.until,
            replaced_case_holder_ids=[strawberry.ID(p) for p in record.replaced],
        )


@strawberry.input
class AddProfessionalInput:
    id: strawberry.ID
    name: str
    roles: list[str] = strawberry.field(description="Roles the access policy names, e.g. mash_social_worker.")
    team_id: strawberry.ID
    discipline: str = ""
    external_id: str | None = None


@strawberry.input(description="What is left out stays as it is.")
class ChangeProfessionalInput:
    professional_id: strawberry.ID
    team_id: strawberry.ID | None = None
    roles: list[str] | None = None
    discipline: str | None = None


@strawberry.input
class DeactivateProfessionalInput:
    professional_id: strawberry.ID


@strawberry.input
class AllocateChildInput:
    professional_id: strawberry.ID
    child_id: strawberry.ID
    role: AllocationRole = AllocationRole.CASE_HOLDER


@strawberry.input
class DeallocateChildInput:
    professional_id: strawberry.ID
    child_id: strawberry.ID


AddProfessionalResult = Annotated[
    Professional | InvalidInput | NotPermitted | ProfessionalExists, strawberry.union("AddProfessionalResult")
]
ChangeProfessionalResult = Annotated[
    Professional | InvalidInput | NotPermitted | ProfessionalNotFound, strawberry.union("ChangeProfessionalResult")
]
DeactivateProfessionalResult = Annotated[
    Professional | InvalidInput | NotPermitted | ProfessionalNotFound, strawberry.union("DeactivateProfessionalResult")
]
AllocateChildResult = Annotated[
    ChildAllocation | ChildNotFound | InvalidInput | NotPermitted | ProfessionalNotFound,
    strawberry.union("AllocateChildResult"),
]
DeallocateChildResult = Annotated[
    ChildAllocation | AllocationNotFound | NotPermitted, strawberry.union("DeallocateChildResult")
]


@strawberry.type
class WorkforceMutations:
    @strawberry.mutation(description="A professional joins (administrators).")
    def add_professional(self, info: Info[Context, None], input: AddProfessionalInput) -> AddProfessionalResult:
        context = info.context
        result = context.services.workforce.add_professional(
            context.principal, professional_id=str(input.id), name=input.name, roles=input.roles,
            team_id=str(input.team_id), discipline=input.discipline, external_id=input.external_id,
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else Professional.of(result)

    @strawberry.mutation(description="A professional moves team, or their roles change (administrators).")
    def change_professional(
        self, info: Info[Context, None], input: ChangeProfessionalInput
    ) -> ChangeProfessionalResult:
        context = info.context
        result = context.services.workforce.change_professional(
            context.principal, professional_id=str(input.professional_id),
            team_id=str(input.team_id) if input.team_id is not None else None, roles=input.roles,
            discipline=input.discipline, request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else Professional.of(result)

    @strawberry.mutation(
        description="A leaver (administrators): refused from their next request, their history kept."
    )
    def deactivate_professional(
        self, info: Info[Context, None], input: DeactivateProfessionalInput
    ) -> DeactivateProfessionalResult:
        context = info.context
        result = context.services.workforce.deactivate_professional(
            context.principal, professional_id=str(input.professional_id), request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else Professional.of(result)

    @strawberry.mutation(
        description=(
            "Allocate a child to a professional, or change the role they are allocated in (the managers who "
            "allocate, and administrators). A new case holder ends the allocation of the one before; a case "
            "holder in a Family Safeguarding team opens the family's workbook."
        )
    )
    def allocate_child(self, info: Info[Context, None], input: AllocateChildInput) -> AllocateChildResult:
        context = info.context
        result = context.services.workforce.allocate_child(
            context.principal, professional_id=str(input.professional_id), child_id=str(input.child_id),
            role=model.AllocationRole[input.role.name], request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ChildAllocation.of(result)

    @strawberry.mutation(description="End an allocation; it stays in the child's history.")
    def deallocate_child(self, info: Info[Context, None], input: DeallocateChildInput) -> DeallocateChildResult:
        context = info.context
        result = context.services.workforce.deallocate_child(
            context.principal, professional_id=str(input.professional_id), child_id=str(input.child_id),
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ChildAllocation.of(result)
