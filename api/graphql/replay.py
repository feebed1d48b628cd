"""GraphQL for the auditor's replay: what a professional could see of a child at a past instant."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import Basis
from api.graphql.network import AccessExplanation
from api.graphql.refusals import (
    ChildNotFound,
    InvalidInput,
    NoPolicyOnRecord,
    NotPermitted,
    ProfessionalNotFound,
    refusal,
)
from api.graphql.shared import aware
from services import refusals
from services import replay as service


@strawberry.type
class ProfessionalAsOf:
    """The professional as they were at the instant: the roles, team and agency decided for."""

    id: strawberry.ID
    name: str
    agency_id: strawberry.ID
    team_id: strawberry.ID
    roles: list[str]

    @staticmethod
    def of(then: service.ProfessionalAsOf) -> ProfessionalAsOf:
        return ProfessionalAsOf(
            id=strawberry.ID(then.id), name=then.name, agency_id=strawberry.ID(then.agency_id),
            team_id=strawberry.ID(then.team_id), roles=list(then.roles),
        )


@strawberry.type
class RecordAsOf:
    """A record the professional could read then (ids only), and on which basis."""

    id: strawberry.ID
    person_id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str
    basis: Basis
    consent_id: strawberry.ID | None
    override_id: strawberry.ID | None


@strawberry.type
class KnownToAsOf:
    person_id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str


@strawberry.type
class NetworkAsOf:
    """What `familyNetwork` would have shown the professional at `asOf`, without content."""

    as_of: dt.datetime
    professional: ProfessionalAsOf
    policy_revision: str = strawberry.field(description="The policy revision in force at the instant.")
    child_id: strawberry.ID
    basis: Basis | None = strawberry.field(
        description="The basis the network's people were seen on; null if nothing at all could be learned."
    )
    consent_id: strawberry.ID | None
    override_id: strawberry.ID | None
    break_glass_id: strawberry.ID | None
    person_ids: list[strawberry.ID]
    records: list[RecordAsOf]
    known_to: list[KnownToAsOf]

    @staticmethod
    def of(found: service.NetworkAsOf) -> NetworkAsOf:
        return NetworkAsOf(
            as_of=found.as_of, professional=ProfessionalAsOf.of(found.professional),
            policy_revision=found.policy_revision, child_id=strawberry.ID(found.child_id),
            basis=Basis(found.basis) if found.basis else None,
            consent_id=_id(found.consent_id), override_id=_id(found.override_id),
            break_glass_id=_id(found.break_glass_id),
            person_ids=[strawberry.ID(p) for p in found.person_ids],
            records=[
                RecordAsOf(
                    id=strawberry.ID(r.id), person_id=strawberry.ID(r.person_id), agency_id=strawberry.ID(r.agency_id),
                    agency_name=r.agency_name, basis=Basis(r.basis), consent_id=_id(r.consent_id),
                    override_id=_id(r.override_id),
                )
                for r in found.records
            ],
            known_to=[
                KnownToAsOf(person_id=strawberry.ID(k.person_id), agency_id=strawberry.ID(k.agency_id),
                            agency_name=k.agency_name)
                for k in found.known_to
            ],
        )


@strawberry.type
class AccessExplanationAsOf:
    """What `explainAccess` would have answered the professional at `asOf`."""

    as_of: dt.datetime
    professional: ProfessionalAsOf
    policy_revision: str
    explanation: AccessExplanation


@strawberry.input
class NetworkAsOfInput:
    professional_id: strawberry.ID
    child_id: strawberry.ID
    as_of: dt.datetime = strawberry.field(description="A past instant; without a zone it is taken as UTC.")
    depth: int = 2


@strawberry.input
class ExplainAccessAsOfInput:
    professional_id: strawberry.ID
    resource_id: strawberry.ID
    child_id: strawberry.ID | None = None
    as_of: dt.datetime = strawberry.field(description="A past instant; without a zone it is taken as UTC.")


NetworkAsOfResult = Annotated[
    NetworkAsOf | NotPermitted | InvalidInput | ProfessionalNotFound | ChildNotFound | NoPolicyOnRecord,
    strawberry.union("NetworkAsOfResult"),
]
ExplainAccessAsOfResult = Annotated[
    AccessExplanationAsOf | NotPermitted | InvalidInput | ProfessionalNotFound | NoPolicyOnRecord,
    strawberry.union("ExplainAccessAsOfResult"),
]


@strawberry.type
class ReplayQueries:
    @strawberry.field(
        description="Auditors only: what the professional could see of the child's network at a past "
        "instant, and why (records, bases, consent, override, policy revision), judged by the same rules "
        "as the live read. No content. The replay is itself audited."
    )
    def network_as_of(self, info: Info[Context, None], input: NetworkAsOfInput) -> NetworkAsOfResult:
        context = info.context
        result = context.services.replay.network_as_of(
            context.principal, professional_id=str(input.professional_id), child_id=str(input.child_id),
            as_of=aware(input.as_of), depth=input.depth, request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return NetworkAsOf.of(result)

    @strawberry.field(
        description="Auditors only: what explainAccess would have told the professional at a past instant."
    )
    def explain_access_as_of(
        self, info: Info[Context, None], input: ExplainAccessAsOfInput
    ) -> ExplainAccessAsOfResult:
        context = info.context
        result = context.services.replay.explain_as_of(
            context.principal, professional_id=str(input.professional_id), resource_id=str(input.resource_id),
            child_id=str(input.child_id) if input.child_id else None, as_of=aware(input.as_of),
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return AccessExplanationAsOf(
            as_of=result.as_of, professional=ProfessionalAsOf.of(result.professional),
            policy_revision=result.policy_revision, explanation=AccessExplanation.of(result.explanation),
        )


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value else None
