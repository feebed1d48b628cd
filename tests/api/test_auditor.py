"""The auditor's view through the real API: who may use it, what it shows, and the chain's proof.

Tampering is done directly in Neo4j, as an operator with database access could; it must be
caught by verifyAudit and by the offline verify command on an export fetched over REST.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from protection.chain import generate_signing_key, sign_checkpoint
from tests.api.client import Hub, token_for
from tests.api.protected_hub import (
    JUSTIFICATION,
    NETWORK,
    REQUEST_OVERRIDE,
    approved_override,
    network,
    record_consent,
    request_override,
    run_hub_command,
    running_hub,
)
from tests.protection.test_chain import DELETE_EVENT, EDIT_ACTOR, RESIGN_CHECKPOINT, SWAP_SEQS, TRUNCATE_AFTER

CHECKPOINT_EVERY = 5

OVERRIDES = """
query($first: Int!, $after: String, $status: OverrideStatus) {
  overrides(first: $first, after: $after, status: $status) {
    __typename
    ... on OverrideReviewConnection {
      items {
        id childId ground status requestedBy decidedBy secondsToDecision expiresAt justification
        reads { actor agency action targets at }
      }
      pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""
EVENTS = """
query($first: Int!, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    __typename
    ... on AuditEventConnection {
      items { seq actor action overrideId targets hash } pageInfo { endCursor hasNextPage }
    }
    ... on Refusal { message }
  }
}
"""
VERIFY = """
{
  verifyAudit {
    __typename
    ... on AuditVerification { ok firstBrokenSeq reason checkpointsChecked sealedThroughSeq uncoveredEvents }
  }
}
"""
REJECT = """
mutation($id: ID!) { rejectOverride(input: {overrideId: $id, note: "Not proportionate"}) { __typename } }
"""
REVOKE = """
mutation($id: ID!) { revokeOverride(input: {overrideId: $id}) { __typename } }
"""
DECISION_CHECKPOINT: LiteralString = """
MATCH (e:AuditEvent {action: $action})
OPTIONAL MATCH (c:AuditCheckpoint {seq: e.seq})
RETURN e.seq AS seq, c.head_hash = e.hash AS sealed
"""
ALL_EVENTS: LiteralString = "MATCH (e:AuditEvent) RETURN e.seq AS seq ORDER BY seq"


@pytest.fixture
def settings(test_settings: Settings) -> Settings:
    return test_settings.model_copy(update={"audit_checkpoint_every": CHECKPOINT_EVERY})


@pytest.fixture
def hub(sealed_city_db: Driver, settings: Settings) -> Iterator[Hub]:
    with running_hub(sealed_city_db, settings) as running:
        yield running


def stored_seqs(driver: Driver) -> list[int]:
    records, _, _ = driver.execute_query(ALL_EVENTS, database_="neo4j")
    return [int(r["seq"]) for r in records]


def police_reads(hub: Hub, times: int) -> None:
    for _ in range(times):
        network(hub, demo_city.POLICE_OFFICER_ID)


class TestWhoMayUseIt:
    @pytest.mark.parametrize(
        "professional_id",
        [demo_city.ADMINISTRATOR_ID, demo_city.MASH_SOCIAL_WORKER_ID, demo_city.CRS_MANAGER_ID,
         demo_city.POLICE_OFFICER_ID],
    )
    def test_everyone_but_the_auditor_is_refused_every_part(self, hub: Hub, professional_id: str) -> None:
        request_override(hub)

        overrides = hub.graphql(professional_id, OVERRIDES, first=5)["overrides"]
        events = hub.graphql(professional_id, EVENTS, first=5)["auditEvents"]
        verified = hub.graphql(professional_id, VERIFY)["verifyAudit"]

        assert [overrides["__typename"], events["__typename"], verified["__typename"]] == ["NotPermitted"] * 3
        assert JUSTIFICATION not in str(overrides)

    def test_the_auditor_gets_every_part(self, hub: Hub) -> None:
        request_override(hub)

        overrides = hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=5)["overrides"]
        events = hub.graphql(demo_city.AUDITOR_ID, EVENTS, first=5)["auditEvents"]

        assert (overrides["__typename"], events["__typename"]) == ("OverrideReviewConnection", "AuditEventConnection")
        assert hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]["__typename"] == "AuditVerification"

    def test_the_auditor_sees_no_case_content(self, hub: Hub) -> None:
        approved_override(hub)

        # With no basis for the child, the family network reads as it would for an unknown id.
        found = hub.graphql(demo_city.AUDITOR_ID, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)

        assert found == {"familyNetwork": None}

    def test_export_is_for_the_auditor_only(self, hub: Hub) -> None:
        request_override(hub)

        anonymous = hub.client.get("/audit/export")
        administrator = hub.client.get("/audit/export", headers=_bearer(hub, demo_city.ADMINISTRATOR_ID))
        auditor = hub.client.get("/audit/export", headers=_bearer(hub, demo_city.AUDITOR_ID))

        assert anonymous.status_code == 401
        assert administrator.status_code == 403
        assert JUSTIFICATION not in administrator.text
        assert auditor.status_code == 200
        assert auditor.headers["content-type"].startswith("application/x-ndjson")


class TestOverrideReview:
    def test_shows_who_asked_who_decided_why_how_fast_and_every_read_under_it(self, hub: Hub) -> None:
        override_id = approved_override(hub)
        police_reads(hub, 2)

        page = hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=5)["overrides"]

        [review] = page["items"]
        assert review["id"] == override_id
        assert (review["requestedBy"], review["decidedBy"]) == (demo_city.MASH_SOCIAL_WORKER_ID,
                                                                demo_city.CRS_MANAGER_ID)
        assert review["ground"] == "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION"
        assert review["status"] == "APPROVED"
        assert review["justification"] == JUSTIFICATION
        assert review["secondsToDecision"] is not None and review["secondsToDecision"] >= 0
        assert review["expiresAt"] is not None
        assert len(review["reads"]) == 2
        assert {(r["actor"], r["agency"], r["action"]) for r in review["reads"]} == {
            (demo_city.POLICE_OFFICER_ID, demo_city.POLICE_AGENCY_ID, "network.read")
        }
        assert all(demo_city.DEMO_FAMILY_CHILD_ID in r["targets"] for r in review["reads"])

    def test_the_auditors_reading_of_justifications_is_itself_recorded(self, hub: Hub, graph_db: Driver) -> None:
        override_id = request_override(hub)

        hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=5)

        records, _, _ = graph_db.execute_query(
            "MATCH (e:AuditEvent {action: 'audit.overrides.read'}) RETURN e.actor AS actor, e.targets AS targets",
            database_="neo4j",
        )
        assert [(r["actor"], r["targets"]) for r in records] == [(demo_city.AUDITOR_ID, [override_id])]

    def test_status_filter_and_cursor_pages_cover_every_override_once(self, hub: Hub) -> None:
        approved = approved_override(hub)
        requested = {request_override(hub) for _ in range(4)}

        first = hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=2, status="REQUESTED")["overrides"]
        second = hub.graphql(
            demo_city.AUDITOR_ID, OVERRIDES, first=2, status="REQUESTED", after=first["pageInfo"]["endCursor"]
        )["overrides"]
        third = hub.graphql(
            demo_city.AUDITOR_ID, OVERRIDES, first=2, status="REQUESTED", after=second["pageInfo"]["endCursor"]
        )["overrides"]
        only_approved = hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, first=10, status="APPROVED")["overrides"]

        pages = [first, second, third]
        assert [len(p["items"]) for p in pages] == [2, 2, 0]
        assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, False, False]
        assert {item["id"] for p in pages for item in p["items"]} == requested
        assert [item["id"] for item in only_approved["items"]] == [approved]

    @pytest.mark.parametrize(("arguments", "refusal"), [
        ({"first": 0}, "InvalidInput"), ({"first": 101}, "InvalidInput"),
        ({"first": 5, "after": "not-a-cursor"}, "InvalidInput"),
    ])
    def test_unbounded_pages_and_foreign_cursors_are_refused(
        self, hub: Hub, arguments: dict[str, Any], refusal: str
    ) -> None:
        assert hub.graphql(demo_city.AUDITOR_ID, OVERRIDES, **arguments)["overrides"]["__typename"] == refusal
        assert hub.graphql(demo_city.AUDITOR_ID, EVENTS, **arguments)["auditEvents"]["__typename"] == refusal


class TestAuditEvents:
    def test_cursor_pages_walk_the_whole_chain_in_order(self, hub: Hub, graph_db: Driver) -> None:
        record_consent(hub)
        police_reads(hub, 6)
        seen: list[int] = []
        after: str | None = None
        while True:
            page = hub.graphql(demo_city.AUDITOR_ID, EVENTS, first=3, after=after)["auditEvents"]
            seen += [item["seq"] for item in page["items"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        assert seen == stored_seqs(graph_db)
        assert len(seen) == 7

    def test_filter_by_override_returns_its_events_only(self, hub: Hub) -> None:
        override_id = approved_override(hub)
        record_consent(hub)
        police_reads(hub, 1)

        page = hub.graphql(demo_city.AUDITOR_ID, EVENTS, first=50, filter={"overrideId": override_id})["auditEvents"]

        assert [item["action"] for item in page["items"]] == ["override.requested", "override.approved"]
        assert all(item["overrideId"] == override_id for item in page["items"])

    def test_filter_by_actor_and_action(self, hub: Hub) -> None:
        record_consent(hub)
        police_reads(hub, 2)

        page = hub.graphql(
            demo_city.AUDITOR_ID, EVENTS, first=50, filter={"actor": demo_city.POLICE_OFFICER_ID,
                                                            "action": "network.read"}
        )["auditEvents"]

        assert len(page["items"]) == 2
        assert {item["actor"] for item in page["items"]} == {demo_city.POLICE_OFFICER_ID}


def _bearer(hub: Hub, professional_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for(hub.settings, professional_id)}"}


def _make_chain(hub: Hub) -> None:
    """Twelve events: a consent and eleven reads on it; checkpoints are signed at 5 and 10."""
    record_consent(hub)
    police_reads(hub, 11)


def _edit(driver: Driver) -> None:
    driver.execute_query(EDIT_ACTOR, seq=7, database_="neo4j")


def _delete(driver: Driver) -> None:
    driver.execute_query(DELETE_EVENT, seq=7, database_="neo4j")


def _reorder(driver: Driver) -> None:
    driver.execute_query(SWAP_SEQS, first=7, second=8, database_="neo4j")


def _truncate(driver: Driver) -> None:
    # Everything after event 7 goes, including event 10 which a checkpoint signed.
    driver.execute_query(TRUNCATE_AFTER, seq=7, database_="neo4j")


def _resign(driver: Driver) -> None:
    records, _, _ = driver.execute_query(
        "MATCH (c:AuditCheckpoint {seq: 5}) RETURN c.head_hash AS head_hash, c.at AS at", database_="neo4j"
    )
    forged = sign_checkpoint(
        generate_signing_key(), seq=5, head_hash=records[0]["head_hash"], at=records[0]["at"]
    )
    driver.execute_query(
        RESIGN_CHECKPOINT, seq=5, key_id=forged.key_id, signature=forged.signature, database_="neo4j"
    )


# Where verifyAudit and the offline command find the first break. They differ only for the
# truncation: the export appends its own event (8) to the cut chain and seals it, so the
# checkpoint at 10, signed before that seal, shows the chain was cut back and regrown, and
# only events up to 5, the last checkpoint signed before 10, are still vouched for.
TAMPERING: list[tuple[str, Callable[[Driver], None], int, int]] = [
    ("edited event", _edit, 7, 7),
    ("deleted event", _delete, 7, 7),
    ("reordered events", _reorder, 7, 7),
    ("truncated tail after a checkpoint", _truncate, 8, 6),
    ("checkpoint re-signed with another key", _resign, 5, 5),
]


class TestTamperEvidence:
    def test_an_untouched_chain_verifies_online_and_offline(
        self, hub: Hub, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _make_chain(hub)

        verified = hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]
        offline = _verify_offline(hub, settings, tmp_path, monkeypatch)

        assert verified["ok"] is True and verified["checkpointsChecked"] == 2
        assert offline.exit_code == 0, offline.output
        assert offline.stdout.startswith("ok:")

    @pytest.mark.parametrize(
        ("tamper", "online_at", "offline_at"), [t[1:] for t in TAMPERING], ids=[t[0] for t in TAMPERING]
    )
    def test_tampering_is_named_by_verify_audit_and_the_offline_command(
        self, *, hub: Hub, graph_db: Driver, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, tamper: Callable[[Driver], None], online_at: int, offline_at: int,
    ) -> None:
        _make_chain(hub)

        tamper(graph_db)

        verified = hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]
        assert (verified["ok"], verified["firstBrokenSeq"]) == (False, online_at), verified
        offline = _verify_offline(hub, settings, tmp_path, monkeypatch)
        assert offline.exit_code == 1, offline.output
        assert f"first broken seq {offline_at}:" in offline.stdout


class TestCoverage:
    def test_verify_audit_counts_the_events_no_checkpoint_covers_yet(self, hub: Hub) -> None:
        _make_chain(hub)

        verified = hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]

        assert verified["ok"] is True, verified
        assert (verified["sealedThroughSeq"], verified["uncoveredEvents"]) == (10, 2)
        assert "2 events are not yet covered by a signed checkpoint" in verified["reason"]

    def test_an_export_leaves_nothing_uncovered(self, hub: Hub) -> None:
        _make_chain(hub)

        hub.client.get("/audit/export", headers=_bearer(hub, demo_city.AUDITOR_ID))
        verified = hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]

        assert (verified["sealedThroughSeq"], verified["uncoveredEvents"]) == (13, 0)


class TestOverrideDecisionsAreSealed:
    def test_an_approval_is_covered_by_a_checkpoint_at_once(self, hub: Hub, graph_db: Driver) -> None:
        approved_override(hub)

        assert _decision_sealed(graph_db, "override.approved")
        assert hub.graphql(demo_city.AUDITOR_ID, VERIFY)["verifyAudit"]["uncoveredEvents"] == 0

    def test_a_rejection_is_covered_by_a_checkpoint_at_once(self, hub: Hub, graph_db: Driver) -> None:
        override_id = request_override(hub)

        rejected = hub.graphql(demo_city.CRS_MANAGER_ID, REJECT, id=override_id)["rejectOverride"]

        assert rejected["__typename"] == "ConsentOverride", rejected
        assert _decision_sealed(graph_db, "override.rejected")

    def test_a_revocation_is_covered_by_a_checkpoint_at_once(self, hub: Hub, graph_db: Driver) -> None:
        override_id = approved_override(hub)
        police_reads(hub, 1)

        revoked = hub.graphql(demo_city.CRS_MANAGER_ID, REVOKE, id=override_id)["revokeOverride"]

        assert revoked["__typename"] == "ConsentOverride", revoked
        assert _decision_sealed(graph_db, "override.revoked")


def _decision_sealed(driver: Driver, action: str) -> bool:
    records, _, _ = driver.execute_query(DECISION_CHECKPOINT, action=action, database_="neo4j")
    [record] = records
    # A decision falling on a scheduled checkpoint's seq would prove nothing.
    assert record["seq"] % CHECKPOINT_EVERY != 0
    return record["sealed"] is True


def _verify_offline(
    hub: Hub, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    # The operator's export command: it records its own event and seals the chain over it,
    # so the export shows the chain as tampered, plus that one event.
    export = tmp_path / "export.jsonl"
    exported = run_hub_command(monkeypatch, settings, "audit", "export", "--out", str(export))
    assert exported.exit_code == 0, exported.output
    public_key = tmp_path / "audit.pem"
    public_key.write_bytes(hub.client.get("/audit/public-key").content)
    return run_hub_command(monkeypatch, settings, "audit", "verify", str(export), "--public-key", str(public_key))


class TestFailClosed:
    def test_a_failing_audit_append_fails_the_mutation_and_writes_nothing(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        record_consent(hub)
        # An event already holding the next seq makes the append violate the unique constraint
        # on AuditEvent.seq, as a forked chain would.
        graph_db.execute_query(
            "MATCH (h:AuditHead {name: 'main'}) CREATE (:AuditEvent {seq: h.seq + 1, actor: 'squatter'})",
            database_="neo4j",
        )
        keys_before = _count(graph_db, "MATCH (k:DataKey) RETURN count(k) AS n")

        response = hub.client.post(
            "/graphql",
            json={"query": REQUEST_OVERRIDE, "variables": {"input": {
                "childId": demo_city.DEMO_YOUNGEST_CHILD_ID, "ground": "CONSENT_CANNOT_BE_GIVEN",
                "justification": JUSTIFICATION,
            }}},
            headers=_bearer(hub, demo_city.MASH_SOCIAL_WORKER_ID),
        )

        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None and body["errors"]
        assert "Traceback" not in response.text and "AuditEvent" not in response.text
        assert _count(graph_db, "MATCH (o:ConsentOverride) RETURN count(o) AS n") == 0
        assert _count(graph_db, "MATCH (k:DataKey) RETURN count(k) AS n") == keys_before
        assert _count(graph_db, "MATCH (e:AuditEvent) WHERE e.actor <> 'squatter' RETURN count(e) AS n") == 1


def _count(driver: Driver, query: LiteralString) -> int:
    records, _, _ = driver.execute_query(query, database_="neo4j")
    return int(records[0]["n"])


class TestRestExport:
    def test_export_streams_the_chain_with_checkpoints_and_the_published_key(
        self, hub: Hub, graph_db: Driver, tmp_path: Path
    ) -> None:
        _make_chain(hub)

        lines = hub.client.get("/audit/export", headers=_bearer(hub, demo_city.AUDITOR_ID)).text.splitlines()
        public_key = hub.client.get("/audit/public-key")

        parsed = [json.loads(line) for line in lines]
        assert parsed[0]["type"] == "header"
        assert parsed[0]["public_key_pem"] == public_key.text
        # The export's own request is recorded and sealed before the chain is read, so the
        # export ends with it and with a checkpoint over it.
        assert [p["seq"] for p in parsed if p["type"] == "checkpoint"] == [5, 10, 13]
        assert [p["seq"] for p in parsed if p["type"] == "event"] == stored_seqs(graph_db)
        assert parsed[-1]["action"] == "audit.exported"
        [seal] = [p for p in parsed if p["type"] == "checkpoint" and p["seq"] == 13]
        assert seal["head_hash"] == parsed[-1]["hash"]

    def test_an_export_over_rest_verifies_offline_with_the_published_key(
        self, hub: Hub, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _make_chain(hub)
        export = tmp_path / "export.jsonl"
        export.write_text(hub.client.get("/audit/export", headers=_bearer(hub, demo_city.AUDITOR_ID)).text,
                          encoding="utf-8")
        public_key = tmp_path / "audit.pem"
        public_key.write_bytes(hub.client.get("/audit/public-key").content)

        verified = run_hub_command(
            monkeypatch, settings, "audit", "verify", str(export), "--public-key", str(public_key)
        )

        assert verified.exit_code == 0, verified.output
        assert verified.stdout.startswith("ok: 13 events and 3 signed checkpoints verified")
        assert f"it ends with event 13: audit.exported by {demo_city.AUDITOR_ID}" in verified.stdout
