"""The closed sets of values the GraphQL contract names, each registered once, with its words.

They are the domain's own enums (graph/, policies/, services/), so a value the API takes is
the value the use cases compare and store. They are registered here, in the module every
type that names one imports first: strawberry gives an enum it meets unregistered a
definition of its own, and a second registration would then be a second type of that name.
"""

from __future__ import annotations

import strawberry

from graph.consent import ConsentScope, OverrideGround, OverrideStatus
from graph.contacts import (
    Channel,
    ConsentPosition,
    ContactStatus,
    Outcome,
    ProposalStatus,
    ReferrerKind,
    RequestBasis,
    RequestScope,
    Urgency,
)
from graph.grants import BreakGlassReason
from graph.model import AgencyKind, Classification, Service
from graph.workbook import Section, Visibility
from policies import Basis
from services.contacts import RequestStatus

__all__ = [
    "AgencyKind",
    "Basis",
    "BreakGlassReason",
    "Channel",
    "Classification",
    "ConsentPosition",
    "ConsentScope",
    "ContactStatus",
    "Outcome",
    "OverrideGround",
    "OverrideStatus",
    "ProposalStatus",
    "ReferrerKind",
    "RequestBasis",
    "RequestScope",
    "RequestStatus",
    "Section",
    "Service",
    "Urgency",
    "Visibility",
]

strawberry.enum(Basis, description="Why a caller may see something: the lawful basis the policy allows it on.")
strawberry.enum(AgencyKind, description="What kind of agency holds a record or knows a person.")
strawberry.enum(Classification, description="The record's Government Security Classification.")
strawberry.enum(Service, description="The service a team belongs to.")

strawberry.enum(ConsentScope, description="TARGETED names its agencies; FULL covers every partner.")
strawberry.enum(OverrideGround, description="The DPA 2018 Sch.1 para 18 reason for sharing without consent.")
strawberry.enum(OverrideStatus, description="Where an override request stands; APPROVED past its expiry is EXPIRED.")
strawberry.enum(
    BreakGlassReason, description="Why a professional with no legitimate relationship needs a child's records now."
)

strawberry.enum(Channel, description="How a contact reached the front door.")
strawberry.enum(Urgency)
strawberry.enum(ContactStatus)
strawberry.enum(ReferrerKind)
strawberry.enum(ConsentPosition)
strawberry.enum(Outcome, name="ContactOutcome")
strawberry.enum(ProposalStatus, name="ContactDecisionStatus")
strawberry.enum(RequestScope)
strawberry.enum(RequestBasis)
strawberry.enum(RequestStatus)

strawberry.enum(Section, name="WorkbookSection")
strawberry.enum(Visibility, name="WorkbookVisibility")
