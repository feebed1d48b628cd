"""GraphQL for auditors: what the retention schedule erased, when, and under which rule."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.refusals import InvalidInput, NotPermitted, refusal
from api.graphql.shared import Connection, aware
from graph.retention import Tombstone
from services import refusals


@strawberry.type(description="One thing the retention schedule erased: ids, the rule and dates, never its content.")
class Erasure:
    id: strawberry.ID
    kind: str = strawberry.field(description="contact, agency_record, workbook or child (the child's whole scope).")
    record_id: strawberry.ID
    scope_id: strawberry.ID = strawberry.field(
        description="The data key's scope: the child (or adult) the record is about, or the workbook's household."
    )
    rule: str = strawberry.field(description="The rule in policies/retention.csv it was erased under.")
    schedule_revision: str = strawberry.field(description="SHA-256 of the retention schedule applied.")
    method: str = strawberry.field(
        description="SCOPE_SHREDDED: the scope's data key was destroyed. FIELDS_REMOVED: the record's "
        "ciphertext was removed, its scope's key being shared with records still kept."
    )
    due_on: dt.date
    erased_at: dt.datetime
    erased_by: strawberry.ID

    @staticmethod
    def of(tombstone: Tombstone) -> Erasure:
        return Erasure(
            id=strawberry.ID(tombstone.id), kind=tombstone.kind, record_id=strawberry.ID(tombstone.record_id),
            scope_id=strawberry.ID(tombstone.scope_id), rule=tombstone.rule,
            schedule_revision=tombstone.schedule_revision, method=tombstone.method, due_on=tombstone.due_on,
            erased_at=tombstone.erased_at, erased_by=strawberry.ID(tombstone.erased_by),
        )


@strawberry.type
class ErasureConnection(Connection[Erasure]):
    pass


ErasuresResult = Annotated[ErasureConnection | InvalidInput | NotPermitted, strawberry.union("ErasuresResult")]


@strawberry.type
class RetentionQueries:
    @strawberry.field(
        description="What the retention schedule erased, newest first: auditors only. "
        "`from`/`to` bound the time of erasure; `first` (1 to 100) is required."
    )
    def erasures(
        self, info: Info[Context, None], *, first: int, after: str | None = None,
        from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
        to: dt.datetime | None = None,
    ) -> ErasuresResult:
        context = info.context
        result = context.services.retention.erasures(
            context.principal, from_at=aware(from_), to_at=aware(to), first=first, after=after,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return ErasureConnection.of(result, Erasure.of)
