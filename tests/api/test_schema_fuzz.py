"""Valid queries and mutations generated from the production schema, sent as every demo-city role.

The graph is the demo city with canary text in every health record's summary (sealed, as
the seed seals summaries) and in a contact's concern recorded through the API. Whatever
is generated, the hub answers without a 500, names nothing of its insides in an error,
gives the canaries to no caller without a basis, and leaves an audit chain that verifies.

HUB_FUZZ_EXAMPLES sets how many operations are sent (200 by default, for CI). A long run
outlasts the suite's per-test timeout:
`HUB_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/api/test_schema_fuzz.py --timeout=0 -s`.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, LiteralString

import graphql
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries
from neo4j import Driver

from api.app import create_app
from api.graphql.schema import build_schema
from config.settings import Settings
from devtools import demo_city
from graph.model import GraphBatch, PersonKind
from services.key_material import keyring
from tests.api.production_hub import IdentityProvider, production
from tests.api.test_front_door import RECORD_CONTACT, contact_input

pytestmark = pytest.mark.slow

CANARY = "HUBCANARY"
CONTACT_CANARY = f"{CANARY}-CONCERN: told only to the front door"
# Callers whose role gives them no basis for a health record or a contact's concern: only
# a consent, an override, break glass or an information request could give them one.
NO_BASIS_ROLES = frozenset({demo_city.POLICE_OFFICER_ID, demo_city.AUDITOR_ID, demo_city.ADMINISTRATOR_ID})
GIVES_A_BASIS: LiteralString = """
RETURN EXISTS { (:Consent) } OR EXISTS { (:ConsentOverride) } OR EXISTS { (:BreakGlass) }
    OR EXISTS { (:InformationRequest) } AS found
"""
NETWORK_RECORDS = "query($childId: ID!) { familyNetwork(childId: $childId) { records { summary } } }"
VERIFY_AUDIT = "{ verifyAudit { __typename ... on AuditVerification { ok eventsChecked reason } } }"

# What an error may not say: a traceback, a Python exception's class, the driver's or
# Neo4j's words, or Cypher.
INTERNALS = re.compile(
    r"Traceback|\b[A-Za-z_]\w*(?:Error|Exception)\b|\bneo4j\b|\bNeo\.\w+|\bcypher\b|\bbolt\b"
    r"|\b(?:MATCH|MERGE|UNWIND|OPTIONAL MATCH)\s*\(|\bRETURN\s+\w+\s*(?:AS|,)|File \"",
    re.IGNORECASE,
)


def canary_city() -> GraphBatch:
    city = demo_city.demo_city()
    city.records = [
        dataclasses.replace(record, summary=f"{CANARY}-HEALTH-{record.id} {record.summary}")
        if record.agency_id == demo_city.HEALTH_AGENCY_ID else record
        for record in city.records
    ]
    return city


def health_record_children(city: GraphBatch) -> list[str]:
    # A child's own records are in the child's network for whoever may see the child alone.
    children = {person.id for person in city.people if person.kind is PersonKind.CHILD}
    return sorted({
        record.person_id for record in city.records
        if record.agency_id == demo_city.HEALTH_AGENCY_ID and record.person_id in children
    })


@dataclasses.dataclass
class Fuzzed:
    client: TestClient
    provider: IdentityProvider
    driver: Driver
    ids: list[str]
    roles: list[str]
    # The children whose own health records carry canaries, and the contact whose concern does.
    canary_children: list[str]
    canary_contact: str

    def send(self, role: str, operation: str) -> tuple[int, dict[str, Any]]:
        response = self.client.post("/graphql", json={"query": operation}, headers=self.provider.bearer(role))
        return response.status_code, response.json()


@pytest.fixture
def fuzzed(graph_db: Driver, test_settings: Settings, tmp_path: Path) -> Iterator[Fuzzed]:
    provider = production(test_settings, tmp_path)
    city = canary_city()
    canary_records = [record for record in city.records if CANARY in record.summary]
    assert canary_records
    demo_city.load(graph_db, [city], database="neo4j", sealer=keyring(provider.settings))
    with TestClient(create_app(provider.settings, driver=graph_db)) as client:
        recorded = client.post(
            "/graphql", json={"query": RECORD_CONTACT, "variables": {"input": contact_input(concern=CONTACT_CANARY)}},
            headers=provider.bearer(demo_city.MASH_SOCIAL_WORKER_ID),
        ).json()["data"]["recordContact"]
        assert recorded["__typename"] == "Contact", recorded
        # The canaries reach a caller with a basis (health, for a child's own health record),
        # so an answer without one could carry them too.
        seen = client.post(
            "/graphql", json={"query": NETWORK_RECORDS, "variables": {"childId": health_record_children(city)[0]}},
            headers=provider.bearer(demo_city.HEALTH_OFFICER_ID),
        ).json()
        assert CANARY in str(seen), seen
        ids = sorted({
            recorded["id"],
            *(person.id for person in city.people), *(household.id for household in city.households),
            *(record.id for record in city.records), *(professional.id for professional in city.professionals),
            *(agency.id for agency in city.agencies), *(team.id for team in city.teams),
        })
        yield Fuzzed(
            client, provider, graph_db, ids, sorted(p.id for p in city.professionals),
            health_record_children(city), recorded["id"],
        )


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def scalars(ids: st.SearchStrategy[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    text = st.text(max_size=24)
    return {
        "ID": ids.map(_string),
        "Date": st.one_of(st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat), text).map(_string),
        "DateTime": st.one_of(
            st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)).map(
                datetime.isoformat
            ),
            text,
        ).map(_string),
    }


def internal_texts(body: dict[str, Any]) -> list[str]:
    messages = [str(error.get("message", "")) for error in body.get("errors") or []]
    return [message for message in messages if INTERNALS.search(message)]


def basis_exists(driver: Driver) -> bool:
    records, _, _ = driver.execute_query(GIVES_A_BASIS, database_="neo4j")
    return bool(records[0]["found"])


class TestGeneratedOperations:
    def test_no_500_no_internals_no_canary_without_a_basis_and_the_audit_chain_verifies(
        self, fuzzed: Fuzzed, test_settings: Settings
    ) -> None:
        sdl = str(build_schema(production=True))
        # Mostly ids the graph holds, so operations reach people, records and contacts
        # rather than stopping at "not found"; some of anything, for the paths that refuse.
        anywhere = scalars(st.one_of(st.sampled_from(fuzzed.ids), st.text(max_size=24)))
        calls = st.one_of(
            st.tuples(
                st.sampled_from(fuzzed.roles),
                st.one_of(queries(sdl, custom_scalars=anywhere), mutations(sdl, custom_scalars=anywhere)),
            ),
            # Reads of what the canaries are about, by those without a basis and by the one
            # whose own agency holds them, so the canaries are reached.
            st.tuples(
                st.sampled_from(sorted(NO_BASIS_ROLES | {demo_city.HEALTH_OFFICER_ID})),
                queries(sdl, fields=["familyNetwork"], custom_scalars=scalars(st.sampled_from(fuzzed.canary_children))),
            ),
            st.tuples(
                st.sampled_from(sorted(NO_BASIS_ROLES | {demo_city.MASH_SOCIAL_WORKER_ID})),
                queries(sdl, fields=["contact"], custom_scalars=scalars(st.just(fuzzed.canary_contact))),
            ),
        )
        outcomes: Counter[str] = Counter()

        @settings(
            max_examples=test_settings.fuzz_examples, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(call=calls)
        def the_hub_holds(call: tuple[str, str]) -> None:
            role, operation = call
            status, body = fuzzed.send(role, operation)
            outcome = _outcome(status, body)
            outcomes[outcome] += 1
            event(outcome)
            if CANARY in str(body):
                outcomes["canary in the answer"] += 1

            assert status != 500, (status, body)
            assert not internal_texts(body), body["errors"]
            if role in NO_BASIS_ROLES and CANARY in str(body):
                assert basis_exists(fuzzed.driver), (role, operation, body)
                outcomes["canary to a role without one, once a basis was made"] += 1

        started = time.monotonic()
        the_hub_holds()

        print(f"\nfuzz outcomes in {time.monotonic() - started:.0f}s: {dict(sorted(outcomes.items()))}")
        verified = fuzzed.send(demo_city.AUDITOR_ID, VERIFY_AUDIT)[1]["data"]["verifyAudit"]
        assert verified["ok"] is True, verified


def _outcome(status: int, body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    if status != 200:
        return f"http {status}"
    if not errors:
        return "data"
    if any(error.get("message") == "Unexpected error." for error in errors):
        return "masked failure"
    return "data with errors" if body.get("data") else "refused before execution"
