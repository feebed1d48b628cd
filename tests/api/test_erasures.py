"""`erasures` through the real API: the auditor pages through what the retention schedule erased,
with the rule and the schedule's revision and no content; anyone else is refused, told nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from services.composition import assemble
from services.principal import Principal
from tests.api.protected_hub import running_hub, seed_encrypted

ERASURES = """
query($first: Int!, $after: String, $from: DateTime, $to: DateTime) {
  erasures(first: $first, after: $after, from: $from, to: $to) {
    __typename
    ... on ErasureConnection {
      items { id kind recordId scopeId rule scheduleRevision method dueOn erasedAt erasedBy }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""
# Three of an adult's agency records, recorded long enough ago for the six-year rule.
AGE_RECORDS = """
MATCH (r:AgencyRecord)-[:ABOUT]->(:Person:Adult)
WITH r ORDER BY r.id LIMIT 3
SET r.recorded_at = datetime() - duration({years: 7})
RETURN collect(r.id) AS ids
"""


@pytest.fixture
def erased(graph_db: Driver, test_settings: Settings) -> list[str]:
    seed_encrypted(graph_db, test_settings)
    records, _, _ = graph_db.execute_query(AGE_RECORDS)
    hub = assemble(test_settings, driver=graph_db)
    operator = Principal(
        professional_id="operator:test", name="test", agency_id="hub-operations", agency_kind="OPERATOR",
        team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    )
    run = hub.services.retention.erase(datetime.now(UTC), operator, request_id="test")
    assert set(records[0]["ids"]) <= {tombstone.record_id for tombstone in run.erased}
    return [tombstone.record_id for tombstone in run.erased]


def erasures(hub: Any, professional_id: str, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = hub.graphql(professional_id, ERASURES, **variables)["erasures"]
    return found


def test_the_auditor_pages_through_every_erasure_newest_first(
    erased: list[str], graph_db: Driver, test_settings: Settings
) -> None:
    with running_hub(graph_db, test_settings) as hub:
        first = erasures(hub, demo_city.AUDITOR_ID, first=2)
        assert first["__typename"] == "ErasureConnection" and first["pageInfo"]["hasNextPage"]
        rest = erasures(hub, demo_city.AUDITOR_ID, first=100, after=first["pageInfo"]["endCursor"])

    items = first["items"] + rest["items"]
    assert sorted(item["recordId"] for item in items) == sorted(erased)
    assert [item["erasedAt"] for item in items] == sorted((item["erasedAt"] for item in items), reverse=True)
    one = next(item for item in items if item["kind"] == "agency_record")
    assert one["rule"] == "agency_record_summary" and one["method"] == "FIELDS_REMOVED"
    assert len(one["scheduleRevision"]) == 64 and one["erasedBy"] == "operator:test"
    assert set(one) == {
        "id", "kind", "recordId", "scopeId", "rule", "scheduleRevision", "method", "dueOn", "erasedAt", "erasedBy",
    }


def test_a_period_after_the_erasures_lists_none(erased: list[str], graph_db: Driver, test_settings: Settings) -> None:
    with running_hub(graph_db, test_settings) as hub:
        found = erasures(hub, demo_city.AUDITOR_ID, first=10, **{"from": "2090-01-01T00:00:00Z"})

    assert found == {
        "__typename": "ErasureConnection", "items": [], "pageInfo": {"endCursor": None, "hasNextPage": False},
    }


@pytest.mark.parametrize("professional_id", [
    demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID, demo_city.POLICE_OFFICER_ID,
    demo_city.ADMINISTRATOR_ID,
])
def test_anyone_else_is_refused_and_told_nothing(
    erased: list[str], graph_db: Driver, test_settings: Settings, professional_id: str
) -> None:
    with running_hub(graph_db, test_settings) as hub:
        found = erasures(hub, professional_id, first=10)

    assert found == {"__typename": "NotPermitted", "message": "only an auditor may list erasures"}
