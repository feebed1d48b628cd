"""GraphQL for a subject access request: the administrator produces one person's pack."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.refusals import NotPermitted, PersonNotFound, refusal
from services import refusals
from services import subject_access as service


@strawberry.type(
    description=(
        "Everything the hub holds about one person and every disclosure of it (UK GDPR Art. 15), for the "
        "data protection officer: third parties' information is marked for review, never removed."
    )
)
class SubjectAccessPack:
    person_id: strawberry.ID
    produced_at: dt.datetime
    json: str = strawberry.field(
        description=(
            "The whole pack as JSON: sections of items, each field with its value (or why it is unavailable) and, "
            "where it is or names a third party, redaction \"review\" and the reason."
        )
    )
    records: int = strawberry.field(description="Agency records about the person.")
    contacts: int = strawberry.field(description="Contacts to the front door about the person.")
    disclosures: int = strawberry.field(description="Audit events naming the person or what is held about them.")
    items_for_review: int = strawberry.field(description="Items the DPO reviews for redaction before release.")

    @staticmethod
    def of(pack: service.SubjectAccessPack) -> SubjectAccessPack:
        return SubjectAccessPack(
            person_id=strawberry.ID(pack.person_id), produced_at=pack.produced_at, json=pack.to_json(),
            records=pack.count("agency_records"), contacts=pack.count("contacts"),
            disclosures=pack.count("disclosures"), items_for_review=pack.items_for_review,
        )


@strawberry.input
class ProduceSubjectAccessPackInput:
    person_id: strawberry.ID


ProduceSubjectAccessPackResult = Annotated[
    SubjectAccessPack | NotPermitted | PersonNotFound, strawberry.union("ProduceSubjectAccessPackResult")
]


@strawberry.type
class SubjectAccessMutations:
    @strawberry.mutation(
        description=(
            "Produce a person's subject access pack (administrators); the production is recorded in the audit chain."
        )
    )
    def produce_subject_access_pack(
        self, info: Info[Context, None], input: ProduceSubjectAccessPackInput
    ) -> ProduceSubjectAccessPackResult:
        context = info.context
        result = context.services.subject_access.produce(
            context.principal, person_id=str(input.person_id), request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else SubjectAccessPack.of(result)
