"""The reads of an agency's records are sought through the (action, at) index and each record by its
id, never by walking the chain or every record the agency holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import Driver, Query

from graph.disclosures import READS_OF_RECORDS, RECORD_READ_ACTIONS, chain_time


def _operators(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield plan["operatorType"], str(plan.get("args", {}).get("Details", ""))
    for child in plan.get("children", []):
        yield from _operators(child)


class TestThePlan:
    def test_seeks_the_action_and_time_index_and_scans_no_label(self, graph_db: Driver) -> None:
        now = datetime.now(UTC)
        with graph_db.session(database="neo4j") as session:
            summary = session.run(Query("EXPLAIN " + READS_OF_RECORDS), {
                "actions": list(RECORD_READ_ACTIONS), "owner_id": "agency-police",
                "from_at": chain_time(now - timedelta(days=1)), "to_at": chain_time(now), "after_seq": None,
                "limit": 26, "professional_id": "pro-0006", "agency_id": "agency-police", "agency_kind": "POLICE",
                "read_bases": {}, "content_bases": [],
            }).consume()
        assert summary.plan is not None
        operators = list(_operators(summary.plan))

        assert any("IndexSeek" in kind and "AuditEvent(action, at)" in details for kind, details in operators)
        assert any("IndexSeek" in kind and "AgencyRecord(id)" in details for kind, details in operators)
        assert not [kind for kind, details in operators if "AllNodesScan" in kind or (
            "NodeByLabelScan" in kind and "AuditEvent" in details)]
