"""GraphQL for the worklists: overrides awaiting a manager's decision, and a partner's inbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.consent import ConsentOverride
from api.graphql.contacts import InformationRequest
from api.graphql.context import Context
from api.graphql.enums import RequestStatus
from api.graphql.refusals import InvalidInput, NotPermitted, refusal
from api.graphql.shared import Access, Connection, access_for
from graph.worklists import ListedChild as ChildRow
from services import refusals
from services import worklists as service


@strawberry.type(description="The child a list item is about; its name only where you have a basis to see it.")
class ListedChild:
    id: strawberry.ID
    given_name: str | None
    family_name: str | None
    access: Access

    @staticmethod
    def of(child: ChildRow) -> ListedChild:
        return ListedChild(
            id=strawberry.ID(child.id), given_name=child.given_name, family_name=child.family_name,
            access=access_for(child.basis),
        )


@strawberry.type
class OverrideRequester:
    id: strawberry.ID
    name: str | None
    team_name: str | None
    agency_name: str | None


@strawberry.type(description="An override request the calling manager may decide now.")
class OverrideAwaitingDecision:
    override: ConsentOverride = strawberry.field(
        description="As consentOverride(id) shows it to a deciding manager, with the justification."
    )
    child: ListedChild
    requester: OverrideRequester

    @staticmethod
    def of(item: service.AwaitingOverride) -> OverrideAwaitingDecision:
        read = item.override
        record = read.record
        return OverrideAwaitingDecision(
            override=replace(
                ConsentOverride.of(record), justification=read.justification,
                justification_unavailable=read.justification_unavailable,
            ),
            child=ListedChild.of(item.child),
            requester=OverrideRequester(
                id=strawberry.ID(record.requested_by), name=item.requester.name,
                team_name=item.requester.team_name, agency_name=item.requester.agency_name,
            ),
        )


@strawberry.type
class OverrideAwaitingDecisionConnection(Connection[OverrideAwaitingDecision]):
    pass


@strawberry.type(description="An information request addressed to your agency.")
class InboxRequest:
    request: InformationRequest = strawberry.field(
        description="As informationRequest(id) shows it to your agency, with your agency's answers."
    )
    child: ListedChild

    @staticmethod
    def of(item: service.InboxItem) -> InboxRequest:
        return InboxRequest(request=InformationRequest.of(item.request), child=ListedChild.of(item.child))


@strawberry.type
class InboxRequestConnection(Connection[InboxRequest]):
    pass


OverridesAwaitingDecisionResult = Annotated[
    OverrideAwaitingDecisionConnection | InvalidInput, strawberry.union("OverridesAwaitingDecisionResult")
]
InformationRequestInboxResult = Annotated[
    InboxRequestConnection | InvalidInput | NotPermitted, strawberry.union("InformationRequestInboxResult")
]


@strawberry.type
class WorklistQueries:
    @strawberry.field(
        description=(
            "Override requests awaiting a decision you may make now, oldest first: never your own, "
            "in office hours for a CRS manager, out of hours for those on call. Empty for anyone else."
        )
    )
    def overrides_awaiting_decision(
        self, info: Info[Context, None], first: int, after: str | None = None
    ) -> OverridesAwaitingDecisionResult:
        context = info.context
        result = context.services.worklists.overrides_awaiting_decision(
            context.principal, first=first, after=after, request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return OverrideAwaitingDecisionConnection.of(result, OverrideAwaitingDecision.of)

    @strawberry.field(
        description="Information requests addressed to your agency: those still taking answers first, each due first."
    )
    def information_request_inbox(
        self, info: Info[Context, None], first: int, after: str | None = None,
        status: RequestStatus | None = None,
    ) -> InformationRequestInboxResult:
        context = info.context
        result = context.services.worklists.information_request_inbox(
            context.principal, status=status, first=first, after=after, request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return InboxRequestConnection.of(result, InboxRequest.of)
