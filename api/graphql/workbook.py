"""GraphQL for the Family Safeguarding workbook: read by section, add, amend, sign off."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import Section as WorkbookSection
from api.graphql.enums import Visibility as WorkbookVisibility
from api.graphql.refusals import (
    AmendConflict,
    EntryLocked,
    EntryUnavailable,
    InvalidInput,
    NotPermitted,
    WorkbookAuthor,
    WorkbookUnavailable,
    refusal,
)
from api.graphql.shared import Connection, PageInfo
from graph import workbook as model
from services import refusals
from services import workbook as service


@strawberry.enum(description="Why the caller may read the workbook.")
class WorkbookStanding(Enum):
    TEAM_MEMBER = "TEAM_MEMBER"
    # A case holder outside the team that holds the workbook.
    CASE_HOLDER = "CASE_HOLDER"


@strawberry.enum
class EntryAccess(Enum):
    READABLE = "READABLE"
    WITHHELD = "WITHHELD"


def _author(author: service.Author) -> WorkbookAuthor:
    return WorkbookAuthor.of(author.id, author.name)


@strawberry.type
class WorkbookEntryVersion:
    version: int
    author: WorkbookAuthor
    discipline: str
    written_at: dt.datetime
    body: str | None = strawberry.field(description="Null when withheld from you, or erased.")
    body_unavailable: str | None

    @staticmethod
    def of(view: service.VersionView) -> WorkbookEntryVersion:
        return WorkbookEntryVersion(
            version=view.version, author=_author(view.author), discipline=view.discipline,
            written_at=view.written_at, body=view.body, body_unavailable=view.body_unavailable,
        )


@strawberry.type
class WorkbookEntry:
    id: strawberry.ID
    section: WorkbookSection
    visibility: WorkbookVisibility
    discipline: str = strawberry.field(description="The discipline it was recorded for (its first author's).")
    version: int
    created_at: dt.datetime
    access: EntryAccess
    withheld_reason: str | None
    author: WorkbookAuthor = strawberry.field(description="Who wrote the current version.")
    written_at: dt.datetime
    body: str | None
    body_unavailable: str | None
    locked: bool
    locked_at: dt.datetime | None
    locked_by_supervision: strawberry.ID | None
    signed_off_by: WorkbookAuthor | None
    refers_to: list[strawberry.ID]
    history: list[WorkbookEntryVersion] = strawberry.field(description="Earlier versions, newest first.")

    @staticmethod
    def of(view: service.EntryView) -> WorkbookEntry:
        current = view.current
        return WorkbookEntry(
            id=strawberry.ID(view.id), section=view.section, visibility=view.visibility,
            discipline=view.discipline, version=view.version, created_at=view.created_at,
            access=EntryAccess.WITHHELD if view.withheld_reason else EntryAccess.READABLE,
            withheld_reason=view.withheld_reason, author=_author(current.author),
            written_at=current.written_at, body=current.body, body_unavailable=current.body_unavailable,
            locked=view.locked_at is not None, locked_at=view.locked_at,
            locked_by_supervision=strawberry.ID(view.locked_by_supervision) if view.locked_by_supervision else None,
            signed_off_by=_author(view.signed_off_by) if view.signed_off_by else None,
            refers_to=[strawberry.ID(ref) for ref in view.refers_to],
            history=[WorkbookEntryVersion.of(version) for version in view.history],
        )


@strawberry.type
class WorkbookEntryConnection(Connection[WorkbookEntry]):
    pass


@strawberry.type
class WorkbookSectionEntries:
    section: WorkbookSection
    entries: list[WorkbookEntry]


@strawberry.type
class WorkbookTeam:
    id: strawberry.ID
    name: str


def _teams(teams: tuple[model.TeamRow, ...]) -> list[WorkbookTeam]:
    return [WorkbookTeam(id=strawberry.ID(team.id), name=team.name) for team in teams]


@strawberry.type
class Workbook:
    id: strawberry.ID
    household_id: strawberry.ID
    opened_on: dt.date | None
    held_by: list[WorkbookTeam]
    standing: WorkbookStanding
    entries: WorkbookEntryConnection = strawberry.field(
        description="One page of entries in reading order: by section, newest first."
    )

    @strawberry.field(description="This page's entries grouped by section, in section order.")
    def sections(self) -> list[WorkbookSectionEntries]:
        grouped: dict[WorkbookSection, list[WorkbookEntry]] = {}
        for entry in self.entries.items:
            grouped.setdefault(entry.section, []).append(entry)
        return [WorkbookSectionEntries(section=section, entries=entries) for section, entries in grouped.items()]

    @staticmethod
    def of(view: service.WorkbookView) -> Workbook:
        return Workbook(
            id=strawberry.ID(view.id), household_id=strawberry.ID(view.household_id), opened_on=view.opened_on,
            held_by=_teams(view.teams), standing=WorkbookStanding(view.standing),
            entries=WorkbookEntryConnection(
                items=[WorkbookEntry.of(entry) for entry in view.entries],
                page_info=PageInfo(end_cursor=view.end_cursor, has_next_page=view.has_next_page),
            ),
        )


@strawberry.type(
    description="Existence only: a Family Safeguarding team holds this family; nothing of what it records."
)
class WorkbookKnown:
    household_id: strawberry.ID
    held_by: list[WorkbookTeam]
    opened_on: dt.date | None


@strawberry.type
class SupervisionSignedOff:
    supervision: WorkbookEntry
    locked_entry_ids: list[strawberry.ID]


@strawberry.input
class AddWorkbookEntryInput:
    household_id: strawberry.ID
    section: WorkbookSection
    body: str
    visibility: WorkbookVisibility = WorkbookVisibility.TEAM
    refers_to: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Entries this one is about: for a supervision record, those it signs off."
    )


@strawberry.input
class AmendWorkbookEntryInput:
    entry_id: strawberry.ID
    expected_version: int = strawberry.field(description="The version you read and are amending.")
    body: str


@strawberry.input
class SignOffSupervisionInput:
    entry_id: strawberry.ID


WorkbookResult = Annotated[
    Workbook | WorkbookKnown | WorkbookUnavailable | InvalidInput | NotPermitted, strawberry.union("WorkbookResult")
]
AddWorkbookEntryResult = Annotated[
    WorkbookEntry | WorkbookUnavailable | InvalidInput | NotPermitted, strawberry.union("AddWorkbookEntryResult")
]
AmendWorkbookEntryResult = Annotated[
    WorkbookEntry | AmendConflict | EntryLocked | EntryUnavailable | InvalidInput | NotPermitted,
    strawberry.union("AmendWorkbookEntryResult"),
]
SignOffSupervisionResult = Annotated[
    SupervisionSignedOff | EntryLocked | EntryUnavailable | InvalidInput | NotPermitted,
    strawberry.union("SignOffSupervisionResult"),
]


@strawberry.type
class WorkbookQueries:
    @strawberry.field(description="A family's Family Safeguarding workbook, one page in reading order.")
    def workbook(
        self, info: Info[Context, None], household_id: strawberry.ID,
        first: int, section: WorkbookSection | None = None,
        after: str | None = None,
    ) -> WorkbookResult:
        context = info.context
        result = context.services.workbook.workbook(
            context.principal, str(household_id), section=section, first=first, after=after,
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        if isinstance(result, service.WorkbookKnown):
            return WorkbookKnown(
                household_id=strawberry.ID(result.household_id), held_by=_teams(result.teams),
                opened_on=result.opened_on,
            )
        return Workbook.of(result)


@strawberry.type
class WorkbookMutations:
    @strawberry.mutation(description="A new entry in a section of the family's workbook.")
    def add_workbook_entry(self, info: Info[Context, None], input: AddWorkbookEntryInput) -> AddWorkbookEntryResult:
        context = info.context
        result = context.services.workbook.add_entry(
            context.principal, household_id=str(input.household_id), section=input.section, body=input.body,
            visibility=input.visibility, refers_to=[str(ref) for ref in input.refers_to or []],
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else WorkbookEntry.of(result)

    @strawberry.mutation(description="A new version of an entry; a conflict if it changed since you read it.")
    def amend_workbook_entry(
        self, info: Info[Context, None], input: AmendWorkbookEntryInput
    ) -> AmendWorkbookEntryResult:
        context = info.context
        result = context.services.workbook.amend_entry(
            context.principal, entry_id=str(input.entry_id), expected_version=input.expected_version, body=input.body,
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else WorkbookEntry.of(result)

    @strawberry.mutation
    def sign_off_supervision(
        self, info: Info[Context, None], input: SignOffSupervisionInput
    ) -> SignOffSupervisionResult:
        context = info.context
        result = context.services.workbook.sign_off_supervision(
            context.principal, entry_id=str(input.entry_id), request_id=context.request_id
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return SupervisionSignedOff(
            supervision=WorkbookEntry.of(result.supervision),
            locked_entry_ids=[strawberry.ID(entry_id) for entry_id in result.locked_entry_ids],
        )
