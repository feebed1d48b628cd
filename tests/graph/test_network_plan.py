"""The family network query that confirms its caller finds the caller and the child by their ids'
indexes, and scans no label a county holds a million of."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from neo4j import Driver, Query

from graph.network import FAMILY_NETWORK_FOR_CURRENT_CALLER

SCANNED_NEVER = ("Person", "Child", "Professional", "AgencyRecord", "Household", "AuditEvent")


def _operators(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield plan["operatorType"], str(plan.get("args", {}).get("Details", ""))
    for child in plan.get("children", []):
        yield from _operators(child)


def test_seeks_the_caller_and_the_child_and_scans_no_large_label(graph_db: Driver) -> None:
    caller = {
        "id": "pro-0001", "name": "Sarah Okafor", "roles": ["mash_social_worker"],
        "discipline": "social_work", "team_id": "team-mash", "team_service": "CRS_MASH",
        "agency_id": "agency-council", "agency_kind": "CHILDRENS_SERVICES", "external_id": None,
        "policy_revision": "a revision",
    }
    with graph_db.session(database="neo4j") as session:
        summary = session.run(Query("EXPLAIN " + FAMILY_NETWORK_FOR_CURRENT_CALLER), {
            "caller": caller, "child_id": "person-001-06", "depth": 2, "professional_id": "pro-0001",
            "agency_id": "agency-council", "agency_kind": "CHILDRENS_SERVICES", "read_bases": {},
            "content_bases": [],
        }).consume()
    assert summary.plan is not None
    operators = list(_operators(summary.plan))

    assert any("IndexSeek" in kind and "Professional" in details for kind, details in operators)
    assert any("IndexSeek" in kind and ("Child" in details or "Person" in details) for kind, details in operators)
    assert not [kind for kind, _ in operators if "AllNodesScan" in kind]
    assert not [
        details for kind, details in operators
        if "NodeByLabelScan" in kind and any(f":{label}" in details for label in SCANNED_NEVER)
    ]
