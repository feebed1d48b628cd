"""The auditor's replay equals the live answer recorded at each instant of a random history.

A history of consents given and withdrawn, overrides approved and revoked, and allocations
made and ended is played through the services against the demo city. After each step every
viewer reads the family network live, and the instant is noted. Afterwards the replay at
each noted instant must give exactly what the live read gave then: the basis, the consent,
override and break glass, the people, the records with their bases, and who knows whom.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from graph.access_rules import CONTENT_BASES
from graph.consent import ConsentRecord, ConsentScope, OverrideGround, OverrideRecord
from graph.model import AllocationRole
from graph.network import FamilyNetwork
from graph.values import to_python
from services.composition import Hub, assemble
from services.policy import load_policy
from services.principal import Principal, PrincipalLookup
from services.refusals import (
    ChildNotFound,
    InvalidInput,
    NoPolicyOnRecord,
    NotPermitted,
    ProfessionalNotFound,
    Refusal,
)
from services.replay import ExplanationAsOf, NetworkAsOf

OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
# A partner covered by targeted grants, one covered only by full ones, children's services,
# the professional allocated and ended, and a colleague in their team.
VIEWERS = (
    demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID, demo_city.MASH_SOCIAL_WORKER_ID,
    demo_city.FS_MENTAL_HEALTH_PRACTITIONER_ID, demo_city.FS_SOCIAL_WORKER_ID,
)
ALLOCATED = demo_city.FS_MENTAL_HEALTH_PRACTITIONER_ID
# The colleague moves out of the allocated professional's team and back; the police officer's
# roles change and change back.
COLLEAGUE = demo_city.FS_SOCIAL_WORKER_ID
STEPS = (
    "consent_full", "consent_police", "consent_backdated", "withdraw", "override_full", "override_health",
    "revoke", "allocate", "deallocate", "move_colleague", "change_police_roles",
)

# A child nobody works with yet, whose records more than one agency holds, with a parent who
# may give consent for them: every basis can come and go for it.
UNWORKED_CHILD = """
MATCH (parent:Adult)-[:PARENT_OF {parental_responsibility: true}]->(c:Child)
WHERE NOT EXISTS { (c)<-[:ALLOCATED_TO]-() }
  AND NOT EXISTS { (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(:Child)<-[:ALLOCATED_TO]-() }
  AND NOT EXISTS { (:Restriction)-[:RESTRICTS]->(c) }
WITH c, parent, COUNT { (:AgencyRecord)-[:ABOUT]->(c) } AS about
WITH c, parent, about,
     COUNT { MATCH (c)-[:PARENT_OF|SIBLING_OF|LIVES_IN*1..2]-(:Person)<-[:ABOUT]-(:AgencyRecord)-[:HELD_BY]->(ag)
             RETURN DISTINCT ag } AS holders
WHERE about > 0
RETURN c.id AS child_id, parent.id AS parent_id
ORDER BY holders DESC, about DESC, child_id
LIMIT 1
"""

Seen = tuple[object, ...]


def seen(found: FamilyNetwork | None) -> Seen:
    """What a live read shows, in the replay's terms: ids and bases."""
    if found is None:
        return ("nothing",)
    visible = found.basis in CONTENT_BASES
    return (
        found.basis, found.consent_id, found.override_id, found.break_glass_id,
        tuple(sorted(p.id for p in found.people)) if visible else (),
        tuple(sorted((r.id, r.basis, r.consent_id, r.override_id) for r in found.records)),
        tuple(sorted((k.person_id, k.agency_id) for k in found.known_to)),
    )


def replayed(found: NetworkAsOf) -> Seen:
    if found.basis is None and not found.known_to:
        return ("nothing",)
    return (
        found.basis, found.consent_id, found.override_id, found.break_glass_id,
        tuple(sorted(found.person_ids)) if found.basis in CONTENT_BASES else (),
        tuple(sorted((r.id, r.basis, r.consent_id, r.override_id) for r in found.records)),
        tuple(sorted((k.person_id, k.agency_id) for k in found.known_to)),
    )


@dataclass
class History:
    hub: Hub
    driver: Driver
    lookup: PrincipalLookup
    people: dict[str, Principal]
    child_id: str
    parent_id: str
    consents: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    allocated: bool = False
    colleague_moved: bool = False
    police_roles_changed: bool = False
    # (instant, viewer, what they saw live)
    noted: list[tuple[datetime, str, Seen]] = field(default_factory=list)

    def now(self) -> datetime:
        records, _, _ = self.driver.execute_query("RETURN datetime() AS now")
        moment: datetime = to_python(records[0]["now"])
        return moment

    def step(self, name: str) -> None:
        services = self.hub.services
        sw, manager = self.people[demo_city.MASH_SOCIAL_WORKER_ID], self.people[demo_city.CRS_MANAGER_ID]
        admin = self.people[demo_city.ADMINISTRATOR_ID]
        if name in ("consent_full", "consent_police", "consent_backdated"):
            full = name == "consent_full"
            # Given the day before it is recorded: no basis for any read before it was recorded.
            given_at = OFFICE_HOURS - timedelta(days=1) if name == "consent_backdated" else None
            given = services.consent.record_consent(
                sw, child_id=self.child_id, giver_id=self.parent_id,
                scope=ConsentScope.FULL if full else ConsentScope.TARGETED,
                agencies=[] if full else [demo_city.POLICE_AGENCY_ID], purpose="MASH enquiry",
                method="by telephone", expires_at=None, request_id="replay-test", given_at=given_at,
            )
            assert isinstance(given, ConsentRecord), given
            self.consents.append(given.id)
        elif name == "withdraw" and self.consents:
            services.consent.withdraw_consent(sw, consent_id=self.consents.pop(), request_id="replay-test")
        elif name in ("override_full", "override_health"):
            full = name == "override_full"
            asked = services.consent.request_override(
                sw, child_id=self.child_id, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
                justification="Seeking consent would alert the adult who poses the risk to the child.",
                scope=ConsentScope.FULL if full else ConsentScope.TARGETED,
                agencies=[] if full else [demo_city.HEALTH_AGENCY_ID], request_id="replay-test",
            )
            assert isinstance(asked, OverrideRecord), asked
            decided = services.consent.decide_override(
                manager, override_id=asked.id, approve=True, note="agreed", request_id="replay-test"
            )
            assert isinstance(decided, OverrideRecord), decided
            self.overrides.append(asked.id)
        elif name == "revoke" and self.overrides:
            services.consent.revoke_override(manager, override_id=self.overrides.pop(), request_id="replay-test")
        elif name == "allocate" and not self.allocated:
            services.workforce.allocate_child(
                admin, professional_id=ALLOCATED, child_id=self.child_id, role=AllocationRole.CO_ALLOCATED,
                request_id="replay-test",
            )
            self.allocated = True
        elif name == "deallocate" and self.allocated:
            services.workforce.deallocate_child(
                admin, professional_id=ALLOCATED, child_id=self.child_id, request_id="replay-test"
            )
            self.allocated = False
        elif name == "move_colleague":
            team = demo_city.FS_TEAM_ID if self.colleague_moved else demo_city.MASH_TEAM_ID
            moved = services.workforce.change_professional(
                admin, professional_id=COLLEAGUE, team_id=team, request_id="replay-test"
            )
            assert not isinstance(moved, Refusal), moved
            self.colleague_moved = not self.colleague_moved
        elif name == "change_police_roles":
            roles = ["police_mash_officer"] if self.police_roles_changed else ["voluntary_sector_worker"]
            changed = services.workforce.change_professional(
                admin, professional_id=demo_city.POLICE_OFFICER_ID, roles=roles, request_id="replay-test"
            )
            assert not isinstance(changed, Refusal), changed
            self.police_roles_changed = not self.police_roles_changed

    def note_what_each_viewer_sees(self) -> None:
        for viewer in VIEWERS:
            # Looked up afresh, as every request is: a move or new roles count from the next one.
            principal = self.lookup.principal(viewer)
            assert principal is not None, viewer
            found = self.hub.services.network.family_network(
                principal, self.child_id, depth=2, request_id="replay-test"
            )
            self.noted.append((self.now(), viewer, seen(found)))


@pytest.fixture
def history(demo_city_db: Driver, test_settings: Settings) -> Iterator[History]:
    hub = assemble(test_settings, driver=demo_city_db, consent_clock=lambda: OFFICE_HOURS)
    load_policy(demo_city_db, hub.policy, database=test_settings.neo4j_database, loaded_by="replay-test")
    lookup = PrincipalLookup(demo_city_db, database=test_settings.neo4j_database, policy_sync=hub.policy_sync)
    people = {}
    for professional_id in (*VIEWERS, demo_city.CRS_MANAGER_ID, demo_city.ADMINISTRATOR_ID, demo_city.AUDITOR_ID):
        principal = lookup.principal(professional_id)
        assert principal is not None, professional_id
        people[professional_id] = principal
    records, _, _ = demo_city_db.execute_query(UNWORKED_CHILD)
    yield History(hub, demo_city_db, lookup, people, records[0]["child_id"], records[0]["parent_id"])
    hub.close()


def replay_all(history: History) -> list[tuple[str, Seen, Seen]]:
    auditor = history.people[demo_city.AUDITOR_ID]
    answers = []
    for instant, viewer, live in history.noted:
        found = history.hub.services.replay.network_as_of(
            auditor, professional_id=viewer, child_id=history.child_id, as_of=instant, request_id="replay-test"
        )
        assert isinstance(found, NetworkAsOf), found
        answers.append((f"{viewer} at {instant.isoformat()}", live, replayed(found)))
    return answers


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=2, max_size=5))
def test_the_replay_at_each_instant_equals_what_was_seen_live_then(history: History, steps: list[str]) -> None:
    # Examples share the one graph, so each history continues the last one's: all the longer.
    start = len(history.noted)
    history.note_what_each_viewer_sees()
    for step in steps:
        history.step(step)
        history.note_what_each_viewer_sees()

    for who, live, replay in replay_all(history)[start:]:
        assert replay == live, who


def test_the_history_the_property_plays_does_change_what_viewers_see(history: History) -> None:
    # Were every step a no-op, the property would hold of a history with no history in it.
    history.note_what_each_viewer_sees()
    for step in (
        "consent_backdated", "withdraw", "consent_police", "override_health", "allocate", "move_colleague",
        "change_police_roles", "revoke", "withdraw", "move_colleague", "deallocate", "change_police_roles",
    ):
        history.step(step)
        history.note_what_each_viewer_sees()
    by_viewer: dict[str, set[Seen]] = {}
    for _, viewer, live in history.noted:
        by_viewer.setdefault(viewer, set()).add(live)

    assert len(by_viewer[demo_city.POLICE_OFFICER_ID]) >= 2
    assert len(by_viewer[demo_city.HEALTH_OFFICER_ID]) >= 2
    assert len(by_viewer[ALLOCATED]) >= 2
    assert len(by_viewer[COLLEAGUE]) >= 2
    for who, live, replay in replay_all(history):
        assert replay == live, who


def test_a_replay_before_the_consent_does_not_see_it_and_one_after_does(history: History) -> None:
    auditor, police = history.people[demo_city.AUDITOR_ID], demo_city.POLICE_OFFICER_ID
    before = history.now()
    history.step("consent_police")
    given_id = history.consents[-1]
    during = history.now()
    history.step("withdraw")
    after = history.now()
    replay = history.hub.services.replay

    answers = [
        replay.network_as_of(auditor, professional_id=police, child_id=history.child_id, as_of=moment,
                             request_id="replay-test")
        for moment in (before, during, after)
    ]

    assert all(isinstance(a, NetworkAsOf) for a in answers)
    then_before, then_during, then_after = (a for a in answers if isinstance(a, NetworkAsOf))
    assert then_before.consent_id is None and then_after.consent_id is None
    assert then_during.consent_id == given_id
    assert then_during.basis == "CONSENT"
    assert then_during.person_ids and then_before.basis != "CONSENT" and then_after.basis != "CONSENT"
    assert then_during.policy_revision == history.hub.policy.revision


def test_one_named_on_a_restriction_later_was_shut_out_until_named(history: History) -> None:
    manager = history.people[demo_city.CRS_MANAGER_ID]
    history.step("consent_police")
    history.note_what_each_viewer_sees()
    restrict = history.hub.services.grants.restrict_child
    restrict(manager, child_id=history.child_id, reason="a member of staff's family",
             named=[demo_city.MASH_SOCIAL_WORKER_ID], request_id="replay-test")
    history.note_what_each_viewer_sees()
    restrict(manager, child_id=history.child_id, reason="a member of staff's family",
             named=[demo_city.POLICE_OFFICER_ID], request_id="replay-test")
    history.note_what_each_viewer_sees()

    police = [live for _, viewer, live in history.noted if viewer == demo_city.POLICE_OFFICER_ID]
    assert police[1] != police[0] and police[2] == police[0]
    for who, live, replay in replay_all(history):
        assert replay == live, who


class TestRefusals:
    def test_only_an_auditor_replays(self, history: History) -> None:
        found = history.hub.services.replay.network_as_of(
            history.people[demo_city.POLICE_OFFICER_ID], professional_id=demo_city.POLICE_OFFICER_ID,
            child_id=history.child_id, as_of=history.now(), request_id="replay-test",
        )

        assert isinstance(found, NotPermitted)

    def test_an_instant_to_come_is_refused(self, history: History) -> None:
        found = history.hub.services.replay.network_as_of(
            history.people[demo_city.AUDITOR_ID], professional_id=demo_city.POLICE_OFFICER_ID,
            child_id=history.child_id, as_of=datetime(2999, 1, 1, tzinfo=UTC), request_id="replay-test",
        )

        assert isinstance(found, InvalidInput)

    def test_before_any_policy_was_loaded_there_is_nothing_to_judge_by(self, history: History) -> None:
        found = history.hub.services.replay.network_as_of(
            history.people[demo_city.AUDITOR_ID], professional_id=demo_city.POLICE_OFFICER_ID,
            child_id=history.child_id, as_of=datetime(2000, 1, 1, tzinfo=UTC), request_id="replay-test",
        )

        assert isinstance(found, NoPolicyOnRecord)

    def test_unknown_professional_and_child(self, history: History) -> None:
        replay, auditor = history.hub.services.replay, history.people[demo_city.AUDITOR_ID]
        now = history.now()

        assert isinstance(
            replay.network_as_of(auditor, professional_id="pro-nobody", child_id=history.child_id, as_of=now,
                                 request_id="replay-test"),
            ProfessionalNotFound,
        )
        assert isinstance(
            replay.network_as_of(auditor, professional_id=demo_city.POLICE_OFFICER_ID, child_id="person-nobody",
                                 as_of=now, request_id="replay-test"),
            ChildNotFound,
        )

    def test_explain_as_of_names_the_consent_in_force_then(self, history: History) -> None:
        history.step("consent_police")
        during = history.now()
        history.step("withdraw")
        explained = history.hub.services.replay.explain_as_of(
            history.people[demo_city.AUDITOR_ID], professional_id=demo_city.POLICE_OFFICER_ID,
            resource_id=history.child_id, child_id=None, as_of=during, request_id="replay-test",
        )
        live_now = history.hub.services.network.explain(
            history.people[demo_city.POLICE_OFFICER_ID], history.child_id, child_id=None
        )

        assert isinstance(explained, ExplanationAsOf)
        assert explained.explanation.basis == "CONSENT" and explained.explanation.consent_id is not None
        assert live_now.consent_id is None


def test_kin_count_from_when_the_hub_held_the_tie_not_from_when_its_source_asserted_it(history: History) -> None:
    auditor, worker = history.people[demo_city.AUDITOR_ID], demo_city.MASH_SOCIAL_WORKER_ID
    before = history.now()
    # As graph/writes.py loads a tie: asserted by its source years ago, loaded into the hub now.
    history.driver.execute_query(
        "MATCH (c:Person:Child {id: $child}) "
        "CREATE (:Person:Adult {id: 'person-replay-aunt', given_name: 'Aunt', family_name: 'Replay'})"
        "-[:RELATIVE_OF {kind: 'aunt_or_uncle', asserted_at: datetime('2020-01-01T00:00:00Z'),"
        " loaded_at: datetime()}]->(c)",
        child=history.child_id,
    )
    after = history.now()
    replay = history.hub.services.replay

    then, now = (
        replay.network_as_of(auditor, professional_id=worker, child_id=history.child_id, as_of=moment,
                             request_id="replay-test")
        for moment in (before, after)
    )

    assert isinstance(then, NetworkAsOf) and isinstance(now, NetworkAsOf)
    assert "person-replay-aunt" not in then.person_ids and "person-replay-aunt" in now.person_ids
