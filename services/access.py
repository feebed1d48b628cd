"""One decision for one child: the graph's facts for the caller, judged by the policy.

Every use case that reads something about one child (its consents, the break-glass uses
on it, an explanation) asks here, so the basis must hold for *this* child and not merely
be one the caller's role could use somewhere.
"""

from __future__ import annotations

from neo4j import ManagedTransaction

from graph import access
from policies import DENIED, Action, BasisFacts, Decision, Policy, ResourceKind
from services.principal import Principal


def facts_of(found: access.AccessFacts) -> BasisFacts:
    return BasisFacts(
        own_agency=found.own_agency,
        consent=found.consent_id is not None,
        override=found.override_id is not None,
        allocated=found.allocated,
        break_glass=found.break_glass_id is not None,
    )


def child_facts(tx: ManagedTransaction, principal: Principal, child_id: str) -> access.AccessFacts | None:
    return access.child_facts(
        tx, child_id=child_id, professional_id=principal.professional_id,
        agency_id=principal.agency_id, agency_kind=principal.agency_kind,
    )


def decide_for_child(
    tx: ManagedTransaction, policy: Policy, principal: Principal, *, child_id: str,
    resource: ResourceKind, action: Action,
) -> Decision:
    """DENIED for an unknown child, exactly as for one the caller has no basis for."""
    found = child_facts(tx, principal, child_id)
    if found is None:
        return DENIED
    return policy.decide(principal.roles, resource, action, facts_of(found))
