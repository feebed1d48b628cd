"""The words of the domain the services take and give, for the faces that must not reach into graph/.

The pages name an urgency, an outcome or a consent scope as the services' signatures do;
these are those enums, the same objects the GraphQL layer takes from `graph` directly.
"""

from __future__ import annotations

from graph.consent import ConsentRecord, ConsentScope, OverrideGround, OverrideRecord, OverrideStatus
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
from graph.network import FamilyNetwork
from graph.workbook import Section as WorkbookSection
from graph.workbook import Visibility as WorkbookVisibility

__all__ = [
    "Channel",
    "ConsentPosition",
    "ConsentRecord",
    "ConsentScope",
    "ContactStatus",
    "FamilyNetwork",
    "Outcome",
    "OverrideGround",
    "OverrideRecord",
    "OverrideStatus",
    "ProposalStatus",
    "ReferrerKind",
    "RequestBasis",
    "RequestScope",
    "Urgency",
    "WorkbookSection",
    "WorkbookVisibility",
]
