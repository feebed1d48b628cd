"""GraphQL for searchPeople."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.network import PersonKind
from api.graphql.refusals import InvalidInput, NotPermitted, refusal
from api.graphql.shared import Access, Connection, access_for
from graph.search import Candidate
from services import refusals


@strawberry.type
class PersonCandidate:
    id: strawberry.ID
    kind: PersonKind
    score: float
    given_name: str | None
    family_name: str | None
    dob: dt.date | None
    access: Access

    @staticmethod
    def of(candidate: Candidate) -> PersonCandidate:
        return PersonCandidate(
            id=strawberry.ID(candidate.id), kind=PersonKind(candidate.kind), score=candidate.score,
            given_name=candidate.given_name, family_name=candidate.family_name, dob=candidate.dob,
            access=access_for(candidate.basis),
        )


@strawberry.type
class PersonCandidateConnection(Connection[PersonCandidate]):
    pass


SearchPeopleResult = Annotated[
    PersonCandidateConnection | InvalidInput | NotPermitted, strawberry.union("SearchPeopleResult")
]


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description=(
            "People by name, tolerant of spelling; best match first. Only people you have a basis "
            "to see are listed: people you may not see may match, and whether they exist changes "
            "nothing here. Ask the front door (MASH) about anyone you cannot find."
        )
    )
    def search_people(
        self, info: Info[Context, None], name: str, first: int, dob: dt.date | None = None,
        after: str | None = None,
    ) -> SearchPeopleResult:
        context = info.context
        result = context.services.search.search_people(
            context.principal, name=name, dob=dob, first=first, after=after, request_id=context.request_id
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return PersonCandidateConnection.of(result, PersonCandidate.of)
