"""The reasons for a consent override reach those who must weigh them, and no one else.

A manager deciding an override reads the requester's justification (decrypted for them,
the read audited); the requester reads their own; other practitioners see the request
without it; partners may not read override requests at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub
from tests.api.protected_hub import JUSTIFICATION, request_override

OVERRIDE = """
query($id: ID!) {
  consentOverride(id: $id) {
    __typename
    ... on ConsentOverride { id status requestedBy justification justificationUnavailable }
    ... on Refusal { message }
  }
}
"""


@pytest.fixture
def hub(sealed_hub: Hub) -> Hub:
    return sealed_hub


def read(hub: Hub, who: str, override_id: str) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(who, OVERRIDE, id=override_id)["consentOverride"]
    return result


@pytest.mark.parametrize("reader", [demo_city.CRS_MANAGER_ID, demo_city.EDT_SENIOR_MANAGER_ID,
                                    demo_city.MASH_SOCIAL_WORKER_ID])
def test_deciding_managers_and_the_requester_read_the_justification(hub: Hub, reader: str) -> None:
    override_id = request_override(hub)

    found = read(hub, reader, override_id)

    assert (found["status"], found["justification"], found["justificationUnavailable"]) == (
        "REQUESTED", JUSTIFICATION, None)


def test_another_practitioner_sees_the_request_without_its_reasons(hub: Hub) -> None:
    override_id = request_override(hub)

    found = read(hub, demo_city.SECOND_MASH_SOCIAL_WORKER_ID, override_id)

    assert found["requestedBy"] == demo_city.MASH_SOCIAL_WORKER_ID
    assert found["justification"] is None
    assert "requester" in found["justificationUnavailable"]


@pytest.mark.parametrize("reader", [demo_city.POLICE_OFFICER_ID, demo_city.FS_TEAM_MANAGER_ID])
def test_partners_and_other_services_may_not_read_override_requests(hub: Hub, reader: str) -> None:
    override_id = request_override(hub)

    assert read(hub, reader, override_id)["__typename"] == "NotPermitted"


def test_an_unknown_override_is_not_found(hub: Hub) -> None:
    assert read(hub, demo_city.CRS_MANAGER_ID, "override-missing")["__typename"] == "OverrideNotFound"


def test_each_reading_of_the_reasons_is_audited(hub: Hub, graph_db: Driver) -> None:
    override_id = request_override(hub)
    read(hub, demo_city.CRS_MANAGER_ID, override_id)
    read(hub, demo_city.SECOND_MASH_SOCIAL_WORKER_ID, override_id)

    records, _, _ = graph_db.execute_query(
        "MATCH (e:AuditEvent {action: 'override.justification_read'}) RETURN e.actor AS actor, e.override_id AS id"
    )

    assert [(r["actor"], r["id"]) for r in records] == [(demo_city.CRS_MANAGER_ID, override_id)]
