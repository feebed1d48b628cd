"""The demo city seeded with encrypted summaries, the real app over it, and the `hub` command.

Shared by the tests of encryption at rest, the auditor's view and the key and audit commands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from typer.testing import CliRunner, Result

from api.app import create_app
from config.settings import Settings, get_settings
from devtools import demo_city
from hub import cli
from services.key_material import keyring
from tests.api.client import Hub

# A Tuesday morning in London: a CRS manager's office hours.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
JUSTIFICATION = "Mother disclosed partner's threats; asking consent now would alert him and raise risk."

REQUEST_OVERRIDE = """
mutation($input: RequestOverrideInput!) {
  requestOverride(input: $input) { __typename ... on ConsentOverride { id status } ... on Refusal { message } }
}
"""
APPROVE = """
mutation($id: ID!) {
  approveOverride(input: {overrideId: $id, note: "Agreed"}) { __typename ... on ConsentOverride { status } }
}
"""
RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename ... on Consent { id } } }
"""
NETWORK = """
query($childId: ID!) {
  familyNetwork(childId: $childId) {
    access { basis }
    records { id personId agencyId summary summaryUnavailable access { allowed basis } }
  }
}
"""


def seed_encrypted(graph_db: Driver, settings: Settings) -> None:
    demo_city.load(graph_db, [demo_city.demo_city()], database="neo4j", sealer=keyring(settings))


@contextlib.contextmanager
def running_hub(graph_db: Driver, settings: Settings) -> Iterator[Hub]:
    app = create_app(settings, driver=graph_db, consent_clock=lambda: OFFICE_HOURS)
    with TestClient(app) as client:
        yield Hub(client, settings)


def request_override(hub: Hub, *, child_id: str = demo_city.DEMO_FAMILY_CHILD_ID) -> str:
    requested = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, REQUEST_OVERRIDE,
        input={"childId": child_id, "ground": "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION",
               "justification": JUSTIFICATION},
    )["requestOverride"]
    assert requested["__typename"] == "ConsentOverride", requested
    return str(requested["id"])


def approved_override(hub: Hub) -> str:
    override_id = request_override(hub)
    approved = hub.graphql(demo_city.CRS_MANAGER_ID, APPROVE, id=override_id)["approveOverride"]
    assert approved["status"] == "APPROVED"
    return override_id


def record_consent(hub: Hub) -> None:
    recorded = hub.graphql(
        demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
        input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "FULL",
               "purpose": "MASH enquiry", "method": "by telephone"},
    )["recordConsent"]
    assert recorded["__typename"] == "Consent"


def network(hub: Hub, professional_id: str, child_id: str = demo_city.DEMO_FAMILY_CHILD_ID) -> dict[str, Any]:
    found: dict[str, Any] = hub.graphql(professional_id, NETWORK, childId=child_id)["familyNetwork"]
    return found


def run_hub_command(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, *arguments: str
) -> Result:
    """Runs `hub ...` as an operator would, configured through HUB_* variables."""
    environment = {
        "HUB_NEO4J_URI": settings.neo4j_uri,
        "HUB_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HUB_DEV_KEYS_DIR": str(settings.dev_keys_dir),
        "HUB_AUDIT_CHECKPOINT_EVERY": str(settings.audit_checkpoint_every),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli.app, list(arguments))
    finally:
        get_settings.cache_clear()
