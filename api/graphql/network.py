"""GraphQL types and queries of people and the family network."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import AgencyKind, Basis, Classification, Service
from api.graphql.shared import Access, access_for
from graph import network
from graph.network import MAX_NETWORK_DEPTH
from services.network import Explanation


@strawberry.enum(description="A child or an adult of the family network.")
class PersonKind(Enum):
    # The names are the words the API has always answered with.
    CHILD = strawberry.enum_value("Child", name="Child")
    ADULT = strawberry.enum_value("Adult", name="Adult")


@strawberry.enum(description="How two people of the family network are related.")
class RelationshipType(Enum):
    PARENT_OF = "PARENT_OF"
    SIBLING_OF = "SIBLING_OF"
    PARTNER_OF = "PARTNER_OF"
    CARER_OF = "CARER_OF"
    RELATIVE_OF = "RELATIVE_OF"


@strawberry.enum(description="How a professional is allocated to a child.")
class AllocationRole(Enum):
    CASE_HOLDER = strawberry.enum_value("case_holder", name="case_holder")
    CO_ALLOCATED = strawberry.enum_value("co_allocated", name="co_allocated")


@strawberry.type
class Provenance:
    asserted_by: str | None
    asserted_at: dt.datetime | None
    verified: bool | None


@strawberry.type
class Person:
    id: strawberry.ID
    kind: PersonKind
    given_name: str | None
    family_name: str | None
    dob: dt.date | None
    access: Access

    @staticmethod
    def of(view: network.PersonView, basis: str | None) -> Person:
        return Person(
            id=strawberry.ID(view.id), kind=PersonKind(view.kind), given_name=view.given_name,
            family_name=view.family_name, dob=view.dob, access=access_for(basis),
        )


@strawberry.type
class Relationship:
    from_id: strawberry.ID
    to_id: strawberry.ID
    type: RelationshipType
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
    role: AllocationRole
    since: dt.date | None
    team_id: strawberry.ID
    team_name: str
    service: Service
    agency_id: strawberry.ID
    agency_name: str


@strawberry.type
class AgencyRecord:
    id: strawberry.ID
    person_id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str
    agency_kind: AgencyKind
    category: str
    summary: str | None
    summary_unavailable: str | None = strawberry.field(
        description="Why summary is null although access allows it: erased, or withheld as untrustworthy."
    )
    recorded_at: dt.datetime | None
    classification: Classification
    access: Access


@strawberry.type
class KnownTo:
    """That an agency knows a person: the most a caller without a basis may learn."""

    person_id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str
    agency_kind: AgencyKind


@strawberry.type
class FamilyNetwork:
    child_id: strawberry.ID
    access: Access
    people: list[Person]
    relationships: list[Relationship]
    residences: list[Residence]
    allocations: list[Allocation]
    records: list[AgencyRecord]
    known_to: list[KnownTo]

    @staticmethod
    def of(view: network.FamilyNetwork) -> FamilyNetwork:
        return FamilyNetwork(
            child_id=strawberry.ID(view.child_id),
            access=access_for(view.basis),
            people=[Person.of(p, view.basis) for p in view.people],
            relationships=[
                Relationship(
                    from_id=strawberry.ID(r.from_id), to_id=strawberry.ID(r.to_id), type=RelationshipType(r.type),
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
                    role=AllocationRole(a.role), since=a.since, team_id=strawberry.ID(a.team_id),
                    team_name=a.team_name, service=Service(a.service),
                    agency_id=strawberry.ID(a.agency_id), agency_name=a.agency_name,
                )
                for a in view.allocations
            ],
            records=[
                AgencyRecord(
                    id=strawberry.ID(r.id), person_id=strawberry.ID(r.person_id),
                    agency_id=strawberry.ID(r.agency_id), agency_name=r.agency_name,
                    agency_kind=AgencyKind(r.agency_kind), category=r.category, summary=r.summary,
                    summary_unavailable=r.summary_unavailable,
                    recorded_at=r.recorded_at, classification=Classification(r.classification),
                    access=access_for(r.basis),
                )
                for r in view.records
            ],
            known_to=[
                KnownTo(
                    person_id=strawberry.ID(k.person_id), agency_id=strawberry.ID(k.agency_id),
                    agency_name=k.agency_name, agency_kind=AgencyKind(k.agency_kind),
                )
                for k in view.known_to
            ],
        )


@strawberry.type
class Me:
    professional_id: strawberry.ID
    name: str
    agency_id: strawberry.ID
    team_id: strawberry.ID
    roles: list[str]


@strawberry.type
class AccessExplanation:
    resource_id: strawberry.ID
    allowed: bool
    basis: Basis | None
    reason: str
    policy_line: str | None
    consent_id: strawberry.ID | None
    override_id: strawberry.ID | None

    @staticmethod
    def of(found: Explanation) -> AccessExplanation:
        return AccessExplanation(
            resource_id=strawberry.ID(found.resource_id), allowed=found.allowed,
            basis=Basis(found.basis) if found.basis else None, reason=found.reason, policy_line=found.policy_line,
            consent_id=strawberry.ID(found.consent_id) if found.consent_id else None,
            override_id=strawberry.ID(found.override_id) if found.override_id else None,
        )


@strawberry.type
class NetworkQueries:
    @strawberry.field(description="Who the hub takes the caller to be.")
    def me(self, info: Info[Context, None]) -> Me:
        principal = info.context.principal
        return Me(
            professional_id=strawberry.ID(principal.professional_id), name=principal.name,
            agency_id=strawberry.ID(principal.agency_id), team_id=strawberry.ID(principal.team_id),
            roles=list(principal.roles),
        )

    @strawberry.field(description="A child by id, or null when there is none you may see.")
    def child(self, info: Info[Context, None], id: strawberry.ID) -> Person | None:
        context = info.context
        found = context.services.network.child(
            context.principal, str(id), request_id=context.request_id
        )
        return Person.of(*found) if found is not None else None

    @strawberry.field(
        description=(
            f"The child's family network, {MAX_NETWORK_DEPTH} hops at most, in one query; null when "
            "there is no child you may learn anything about, so a hidden child reads like an unknown id."
        )
    )
    def family_network(
        self, info: Info[Context, None], child_id: strawberry.ID, depth: int = 2
    ) -> FamilyNetwork | None:
        if not 1 <= depth <= MAX_NETWORK_DEPTH:
            raise ValueError(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
        context = info.context
        view = context.services.network.family_network_for(
            context.caller, str(child_id), depth=depth, request_id=context.request_id
        )
        return FamilyNetwork.of(view) if view is not None else None

    @strawberry.field(
        description="Whether the caller may read a child or record, on which basis, and why."
    )
    def explain_access(
        self, info: Info[Context, None], resource_id: strawberry.ID,
        child_id: strawberry.ID | None = None,
    ) -> AccessExplanation:
        context = info.context
        found = context.services.network.explain(
            context.principal, str(resource_id), child_id=str(child_id) if child_id else None
        )
        return AccessExplanation.of(found)
