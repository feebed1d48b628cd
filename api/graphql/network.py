"""GraphQL types and queries of people and the family network."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from graph import network
from graph.network import MAX_NETWORK_DEPTH


@strawberry.type
class Provenance:
    asserted_by: str | None
    asserted_at: dt.datetime | None
    verified: bool | None


@strawberry.type
class Person:
    id: strawberry.ID
    kind: str
    given_name: str
    family_name: str
    dob: dt.date | None

    @staticmethod
    def of(view: network.PersonView) -> Person:
        return Person(
            id=strawberry.ID(view.id), kind=view.kind, given_name=view.given_name,
            family_name=view.family_name, dob=view.dob,
        )


@strawberry.type
class Relationship:
    from_id: strawberry.ID
    to_id: strawberry.ID
    type: str
    parental_responsibility: bool | None
    kind: str | None
    provenance: Provenance


@strawberry.type
class Residence:
    person_id: strawberry.ID
    household_id: strawberry.ID
    address: str
    postcode: str
    since: dt.date | None
    until: dt.date | None
    current: bool
    provenance: Provenance


@strawberry.type
class Allocation:
    professional_id: strawberry.ID
    professional_name: str
    child_id: strawberry.ID
    role: str
    since: dt.date | None
    team_id: strawberry.ID
    team_name: str
    service: str
    agency_id: strawberry.ID
    agency_name: str


@strawberry.type
class AgencyRecord:
    id: strawberry.ID
    person_id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str
    agency_kind: str
    category: str
    summary: str | None
    recorded_at: dt.datetime | None
    classification: str


@strawberry.type
class FamilyNetwork:
    child_id: strawberry.ID
    people: list[Person]
    relationships: list[Relationship]
    residences: list[Residence]
    allocations: list[Allocation]
    records: list[AgencyRecord]

    @staticmethod
    def of(view: network.FamilyNetwork) -> FamilyNetwork:
        return FamilyNetwork(
            child_id=strawberry.ID(view.child_id),
            people=[Person.of(p) for p in view.people],
            relationships=[
                Relationship(
                    from_id=strawberry.ID(r.from_id), to_id=strawberry.ID(r.to_id), type=r.type,
                    parental_responsibility=r.parental_responsibility, kind=r.kind,
                    provenance=Provenance(
                        asserted_by=r.asserted_by, asserted_at=r.asserted_at, verified=r.verified
                    ),
                )
                for r in view.relationships
            ],
            residences=[
                Residence(
                    person_id=strawberry.ID(r.person_id), household_id=strawberry.ID(r.household_id),
                    address=r.address, postcode=r.postcode, since=r.since, until=r.until,
                    current=r.until is None,
                    provenance=Provenance(
                        asserted_by=r.asserted_by, asserted_at=r.asserted_at, verified=r.verified
                    ),
                )
                for r in view.residences
            ],
            allocations=[
                Allocation(
                    professional_id=strawberry.ID(a.professional_id),
                    professional_name=a.professional_name, child_id=strawberry.ID(a.child_id),
                    role=a.role, since=a.since, team_id=strawberry.ID(a.team_id),
                    team_name=a.team_name, service=a.service,
                    agency_id=strawberry.ID(a.agency_id), agency_name=a.agency_name,
                )
                for a in view.allocations
            ],
            records=[
                AgencyRecord(
                    id=strawberry.ID(r.id), person_id=strawberry.ID(r.person_id),
                    agency_id=strawberry.ID(r.agency_id), agency_name=r.agency_name,
                    agency_kind=r.agency_kind, category=r.category, summary=r.summary,
                    recorded_at=r.recorded_at, classification=r.classification,
                )
                for r in view.records
            ],
        )


@strawberry.type
class NetworkQueries:
    @strawberry.field(description="A child by id, or null when there is no such child.")
    def child(self, info: Info[Context, None], id: strawberry.ID) -> Person | None:
        view = info.context.services.network.child(str(id))
        return Person.of(view) if view is not None else None

    @strawberry.field(
        description=f"The child's family network, {MAX_NETWORK_DEPTH} hops at most, in one query."
    )
    def family_network(
        self, info: Info[Context, None], child_id: strawberry.ID, depth: int = 2
    ) -> FamilyNetwork | None:
        if not 1 <= depth <= MAX_NETWORK_DEPTH:
            raise ValueError(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
        view = info.context.services.network.family_network(str(child_id), depth=depth)
        return FamilyNetwork.of(view) if view is not None else None
