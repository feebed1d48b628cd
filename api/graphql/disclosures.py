"""GraphQL for the owning agency: who in other agencies read its records, on which basis, and when."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import Basis
from api.graphql.refusals import InvalidInput, NotPermitted, refusal
from api.graphql.shared import Connection, aware
from api.graphql.worklists import ListedChild
from graph.disclosures import RecordRead as ReadRow
from services import refusals


@strawberry.type(description="Who read: the professional, as the audit chain recorded them, and their agency.")
class RecordReader:
    id: strawberry.ID
    name: str | None = strawberry.field(description="Null for a professional no longer in the hub.")
    agency_id: strawberry.ID
    agency_name: str | None
    roles: list[str] = strawberry.field(description="Their roles when they read, as the chain recorded them.")


@strawberry.type(description="One read that showed your agency's records to another agency, or under break glass.")
class RecordRead:
    seq: int = strawberry.field(description="The read's place in the audit chain.")
    at: dt.datetime
    reader: RecordReader
    basis: Basis
    override_id: strawberry.ID | None = strawberry.field(description="The approved override read under (OVERRIDE).")
    break_glass_id: strawberry.ID | None = strawberry.field(description="The break glass read under (BREAK_GLASS).")
    child: ListedChild
    record_ids: list[strawberry.ID] = strawberry.field(
        description="Your agency's records the read showed; never another agency's."
    )

    @staticmethod
    def of(row: ReadRow) -> RecordRead:
        return RecordRead(
            seq=row.seq, at=row.at,
            reader=RecordReader(
                id=strawberry.ID(row.reader_id), name=row.reader_name,
                agency_id=strawberry.ID(row.reader_agency_id), agency_name=row.reader_agency_name,
                roles=list(row.reader_roles),
            ),
            basis=Basis(row.basis),
            override_id=strawberry.ID(row.override_id) if row.override_id else None,
            break_glass_id=strawberry.ID(row.break_glass_id) if row.break_glass_id else None,
            child=ListedChild.of(row.child), record_ids=[strawberry.ID(record) for record in row.record_ids],
        )


@strawberry.type
class RecordReadConnection(Connection[RecordRead]):
    pass


ReadsOfOurRecordsResult = Annotated[
    RecordReadConnection | InvalidInput | NotPermitted, strawberry.union("ReadsOfOurRecordsResult")
]


@strawberry.type
class DisclosureQueries:
    @strawberry.field(
        description=(
            "Reads of your own agency's records by professionals of other agencies on a consent or an "
            "override, and by anyone under break glass, newest first: for your agency's MASH officer, and "
            "front door managers for children's services' records. Seeing the list is recorded. "
            "`first` (1 to 100) is required; `from` is by default thirty days before `to`, and `to` (excluded) now."
        )
    )
    def reads_of_our_records(
        self, info: Info[Context, None], *, first: int, after: str | None = None,
        from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
        to: dt.datetime | None = None,
    ) -> ReadsOfOurRecordsResult:
        context = info.context
        result = context.services.disclosures.reads_of_our_records(
            context.principal, from_at=aware(from_), to_at=aware(to), first=first,
            after=after, request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return RecordReadConnection.of(result.page, RecordRead.of)
