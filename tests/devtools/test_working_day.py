"""The demo's working day: every list a professional opens has work in it, once, the same for a seed.

The city and its day are seeded once for the module through the services, as `hub seed`
does; the tests read it back from the graph and through the real API, and change nothing
but the audit chain, except the last two, which seed again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, LiteralString

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city
from devtools.working_day import WorkingDay, seed_working_day
from graph import migrations
from services.key_material import keyring
from tests.api.client import Hub

SEED = 7
# A Tuesday in London: 10:30 is a CRS manager's office hours, 23:00 is the EDT's night.
OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def empty_city(driver: Driver, settings: Settings) -> None:
    with driver.session(database="neo4j") as session:
        session.run(
            "MATCH (n) WHERE NOT n:__Neo4jMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    migrations.migrate(driver, PROJECT_ROOT / "migrations", database="neo4j")
    demo_city.load(driver, [demo_city.demo_city(SEED)], database="neo4j", sealer=keyring(settings))


def seed(driver: Driver, settings: Settings) -> WorkingDay | None:
    return seed_working_day(settings, driver, demo_city.demo_city(SEED), seed=SEED, now=NOW)


@pytest.fixture(scope="module")
def day(session_driver: Driver, test_settings: Settings) -> WorkingDay:
    empty_city(session_driver, test_settings)
    written = seed(session_driver, test_settings)
    assert written is not None
    return written


@pytest.fixture
def driver(day: WorkingDay, session_driver: Driver) -> Driver:
    return session_driver


def hub_at(driver: Driver, settings: Settings, clock: datetime) -> Iterator[Hub]:
    with TestClient(create_app(settings, driver=driver, consent_clock=lambda: clock)) as client:
        yield Hub(client, settings)


@pytest.fixture
def hub(driver: Driver, test_settings: Settings) -> Iterator[Hub]:
    yield from hub_at(driver, test_settings, OFFICE_HOURS)


@pytest.fixture
def night_hub(driver: Driver, test_settings: Settings) -> Iterator[Hub]:
    yield from hub_at(driver, test_settings, NIGHT)


def rows(driver: Driver, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params)
    return [record.data() for record in records]


def count(driver: Driver, query: LiteralString) -> int:
    [row] = rows(driver, query)
    return int(row["n"])


class TestWhatTheDayHolds:
    def test_open_contacts_of_each_urgency_some_overdue(self, driver: Driver) -> None:
        found = rows(
            driver,
            "MATCH (k:Contact {status: 'OPEN'}) RETURN k.urgency AS urgency, k.due_by < datetime() AS overdue",
        )

        assert {(row["urgency"], row["overdue"]) for row in found} == {
            (urgency, overdue) for urgency in ("RED", "AMBER", "GREEN") for overdue in (True, False)
        }

    def test_decided_contacts_with_each_outcome_and_one_awaiting_a_managers_agreement(self, driver: Driver) -> None:
        outcomes = rows(driver, "MATCH (k:Contact {status: 'DECIDED'}) RETURN collect(DISTINCT k.outcome) AS o")

        assert sorted(outcomes[0]["o"]) == sorted(
            ("NO_FURTHER_ACTION", "ADVICE_TO_REFERRER", "FAMILY_HELP", "FAMILY_SAFEGUARDING", "JIGSAW",
             "YOUNG_PEOPLES_SERVICE", "SECTION_47_STRATEGY_MEETING")
        )
        assert count(driver, "MATCH (d:ContactDecision {status: 'PROPOSED'}) RETURN count(d) AS n") >= 1

    def test_consents_current_expired_and_withdrawn_each_given_before_it_ended(self, driver: Driver) -> None:
        found = rows(
            driver,
            "MATCH (k:Consent) RETURN CASE WHEN k.withdrawn_at IS NOT NULL THEN 'withdrawn'"
            " WHEN k.expires_at <= datetime() THEN 'expired' ELSE 'current' END AS state,"
            " k.given_at <= coalesce(k.withdrawn_at, k.expires_at, k.given_at) AS in_order",
        )

        assert {row["state"] for row in found} == {"current", "expired", "withdrawn"}
        assert all(row["in_order"] for row in found)

    def test_an_override_awaiting_a_decision_and_an_approved_one_with_reads_under_it(self, driver: Driver) -> None:
        statuses = rows(driver, "MATCH (o:ConsentOverride) RETURN o.status AS status, o.id AS id")
        [approved] = [row["id"] for row in statuses if row["status"] == "APPROVED"]
        reads = rows(
            driver,
            "MATCH (e:AuditEvent {override_id: $id, basis: 'OVERRIDE'}) RETURN collect(DISTINCT e.action) AS a",
            id=approved,
        )

        assert "REQUESTED" in {row["status"] for row in statuses}
        assert {"network.read", "information.read"} <= set(reads[0]["a"])

    def test_requests_awaiting_answers_answered_declined_withdrawn_and_closed(self, driver: Driver) -> None:
        shares = rows(driver, "MATCH (s:InformationShare) RETURN collect(DISTINCT s.shared) AS shared")
        unanswered = count(
            driver,
            "MATCH (r:InformationRequest)-[:ADDRESSED_TO]->(a:Agency)"
            " WHERE NOT EXISTS { (:InformationShare {agency: a.id})-[:ANSWERS]->(r) } RETURN count(*) AS n",
        )
        closed = count(
            driver,
            "MATCH (r:InformationRequest)-[:FOR_CONTACT]->(:Contact {status: 'DECIDED'}) RETURN count(r) AS n",
        )
        withdrawn = count(
            driver,
            "MATCH (r:InformationRequest), (k:Consent {id: r.consent_id}) WHERE k.withdrawn_at IS NOT NULL"
            " RETURN count(r) AS n",
        )

        assert sorted(shares[0]["shared"]) == [False, True]
        assert unanswered > 0 and closed > 0 and withdrawn > 0

    def test_what_was_written_is_what_the_summary_says(self, day: WorkingDay, driver: Driver) -> None:
        assert day == WorkingDay(
            contacts=count(driver, "MATCH (k:Contact) RETURN count(k) AS n"),
            consents=count(driver, "MATCH (k:Consent) RETURN count(k) AS n"),
            overrides=count(driver, "MATCH (o:ConsentOverride) RETURN count(o) AS n"),
            requests=count(driver, "MATCH (r:InformationRequest) RETURN count(r) AS n"),
        )

    def test_the_audit_chain_verifies(self, hub: Hub) -> None:
        verified = hub.graphql(demo_city.AUDITOR_ID, "query { verifyAudit { ... on AuditVerification { ok } } }")

        assert verified["verifyAudit"] == {"ok": True}


QUEUE = "query { contacts(first: 50) { ... on ContactConnection { items { id overdue urgency } } } }"
AWAITING_AGREEMENT = """
query { contactDecisionsAwaitingAgreement(first: 20) { ... on ContactDecisionProposalConnection { items { id } } } }
"""
OVERRIDES_AWAITING = """
query { overridesAwaitingDecision(first: 20) {
  ... on OverrideAwaitingDecisionConnection { items { override { id justification } child { givenName } } }
} }
"""
INBOX = """
query { informationRequestInbox(first: 20) {
  ... on InboxRequestConnection { items { request { id status } child { givenName } } }
} }
"""
REVIEW = """
query { overrides(first: 20) { ... on OverrideReviewConnection { items { status reads { action } } } } }
"""


class TestEachRoleSeesItsWork:
    def test_the_front_door_queue_has_overdue_contacts_of_each_urgency(self, hub: Hub) -> None:
        items = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, QUEUE)["contacts"]["items"]

        assert {item["urgency"] for item in items if item["overdue"]} == {"RED", "AMBER", "GREEN"}

    def test_a_crs_manager_has_an_override_and_a_decision_to_decide_in_office_hours(self, hub: Hub) -> None:
        overrides = hub.graphql(demo_city.CRS_MANAGER_ID, OVERRIDES_AWAITING)["overridesAwaitingDecision"]["items"]
        proposals = hub.graphql(demo_city.CRS_MANAGER_ID, AWAITING_AGREEMENT)["contactDecisionsAwaitingAgreement"]

        assert overrides and all(item["override"]["justification"] for item in overrides)
        assert all(item["child"]["givenName"] for item in overrides)
        assert proposals["items"]

    def test_the_edt_on_call_senior_manager_has_the_override_at_night(self, night_hub: Hub) -> None:
        items = night_hub.graphql(demo_city.EDT_SENIOR_MANAGER_ID, OVERRIDES_AWAITING)["overridesAwaitingDecision"]

        assert items["items"]

    @pytest.mark.parametrize(
        ("officer", "statuses"),
        [
            (demo_city.POLICE_OFFICER_ID, {"OPEN", "WITHDRAWN"}),
            (demo_city.HEALTH_OFFICER_ID, {"OPEN", "CLOSED"}),
            (demo_city.EDUCATION_OFFICER_ID, {"OPEN", "CLOSED"}),
        ],
    )
    def test_partners_have_requests_in_their_inbox(self, hub: Hub, officer: str, statuses: set[str]) -> None:
        items = hub.graphql(officer, INBOX)["informationRequestInbox"]["items"]

        assert statuses <= {item["request"]["status"] for item in items}
        assert any(item["child"]["givenName"] for item in items)

    def test_the_auditor_reviews_the_approved_override_and_the_reads_under_it(self, hub: Hub) -> None:
        items = hub.graphql(demo_city.AUDITOR_ID, REVIEW)["overrides"]["items"]

        [approved] = [item for item in items if item["status"] == "APPROVED"]
        assert approved["reads"]


class TestSeedingAgain:
    def test_seeding_again_adds_nothing(self, driver: Driver, test_settings: Settings) -> None:
        before = count(driver, "MATCH (n) RETURN count(n) AS n")

        assert seed(driver, test_settings) is None
        assert count(driver, "MATCH (n) RETURN count(n) AS n") == before

    def test_the_same_seed_writes_the_same_day(self, driver: Driver, test_settings: Settings) -> None:
        written = day_as_written(driver)
        empty_city(driver, test_settings)

        assert seed(driver, test_settings) is not None
        assert day_as_written(driver) == written


def day_as_written(driver: Driver) -> list[dict[str, Any]]:
    """The day without the ids and stamps the services make: who, about which child, what, when."""
    return rows(
        driver,
        """
        MATCH (k:Contact)-[:CONCERNS]->(c:Child)
        RETURN c.id AS child, k.recorded_by AS recorded_by, k.urgency AS urgency, k.received_at AS received_at,
               k.status AS status, k.outcome AS outcome, k.referrer_name AS referrer, k.channel AS channel,
               COLLECT { MATCH (g:Consent)-[:COVERS]->(c)
                         RETURN [g.scope, g.agencies, g.expires_at, g.withdrawn_at IS NULL] AS consent
                         ORDER BY consent } AS consents,
               COLLECT { MATCH (o:ConsentOverride)-[:FOR]->(c) RETURN [o.status, o.requested_by] AS o ORDER BY o }
                   AS overrides,
               COLLECT { MATCH (r:InformationRequest)-[:FOR_CONTACT]->(k)
                         RETURN [r.scope, r.agencies, r.basis,
                                 COLLECT { MATCH (s:InformationShare)-[:ANSWERS]->(r)
                                           RETURN [s.agency, s.shared] AS s ORDER BY s }] AS r ORDER BY r }
                   AS requests
        ORDER BY child
        """,
    )
