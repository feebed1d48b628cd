"""The Family Safeguarding workbook through the API: who reads what, amendments, sign-off.

The demo family's household (household-001-a) is case-held by Emma Walsh of Family
Safeguarding Team 1, so its workbook is held by that team. Everything goes through the
GraphQL endpoint of the real app, against the real Neo4j, policy, audit chain and keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from services.key_material import keyring
from tests.api.client import Hub

HOUSEHOLD = demo_city.DEMO_FAMILY_HOUSEHOLD_ID
MANAGER = demo_city.FS_TEAM_MANAGER_ID
CASE_HOLDER = demo_city.FS_SOCIAL_WORKER_ID
DOMESTIC_ABUSE = demo_city.FS_DOMESTIC_ABUSE_WORKER_ID
MENTAL_HEALTH = demo_city.FS_MENTAL_HEALTH_PRACTITIONER_ID
SUBSTANCE_MISUSE = demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID

MENTAL_HEALTH_NOTE = "Mother's depot medication was changed in October; she reports low mood since."

WORKBOOK = """
query($household: ID!, $section: WorkbookSection, $first: Int! = 50, $after: String) {
  workbook(householdId: $household, section: $section, first: $first, after: $after) {
    __typename
    ... on Workbook {
      id householdId standing heldBy { id name }
      entries {
        items {
          id section visibility discipline version access withheldReason body bodyUnavailable
          author { id name } locked lockedBySupervision signedOffBy { id } refersTo
          history { version body bodyUnavailable author { id } }
        }
        pageInfo { endCursor hasNextPage }
      }
      sections { section entries { id } }
    }
    ... on WorkbookKnown { householdId heldBy { id name } openedOn }
    ... on Refusal { message }
  }
}
"""

ADD = """
mutation($household: ID!, $section: WorkbookSection!, $body: String!,
         $visibility: WorkbookVisibility = TEAM, $refersTo: [ID!]) {
  addWorkbookEntry(input: {householdId: $household, section: $section, body: $body,
                   visibility: $visibility, refersTo: $refersTo}) {
    __typename
    ... on WorkbookEntry { id version section visibility discipline body access author { id } refersTo }
    ... on Refusal { message }
  }
}
"""

AMEND = """
mutation($id: ID!, $expected: Int!, $body: String!) {
  amendWorkbookEntry(input: {entryId: $id, expectedVersion: $expected, body: $body}) {
    __typename
    ... on WorkbookEntry { id version body author { id } history { version body author { id } } }
    ... on AmendConflict { message entryId expectedVersion currentVersion currentAuthor { id name } currentWrittenAt }
    ... on EntryLocked { message supervisionEntryId signedOffBy { id name } signedOffAt }
    ... on Refusal { message }
  }
}
"""

SIGN_OFF = """
mutation($id: ID!) {
  signOffSupervision(input: {entryId: $id}) {
    __typename
    ... on SupervisionSignedOff { supervision { id locked signedOffBy { id name } } lockedEntryIds }
    ... on EntryLocked { message }
    ... on Refusal { message }
  }
}
"""


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Iterator[Hub]:
    with TestClient(create_app(test_settings, driver=sealed_city_db)) as client:
        yield Hub(client, test_settings)


def team_member(driver: Driver, *, team_id: str, role: str, other_than: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (p:Professional)-[:MEMBER_OF]->(:Team {id: $team}) WHERE $role IN p.roles AND p.id <> $other "
        "RETURN p.id AS id ORDER BY id LIMIT 1",
        team=team_id, role=role, other=other_than,
    )
    return str(records[0]["id"])


def add(hub: Hub, who: str, *, section: str = "ASSESSMENT", body: str = "Home visit: all three children seen.",
        **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(who, ADD, household=HOUSEHOLD, section=section, body=body,
                                         **variables)["addWorkbookEntry"]
    return result


def added_id(hub: Hub, who: str, **changes: Any) -> str:
    entry = add(hub, who, **changes)
    assert entry["__typename"] == "WorkbookEntry", entry
    return str(entry["id"])


def read(hub: Hub, who: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = hub.graphql(who, WORKBOOK, household=HOUSEHOLD, **variables)["workbook"]
    return result


def written(driver: Driver) -> tuple[int, int]:
    """How many workbook entries and versions the graph holds."""
    records, _, _ = driver.execute_query(
        "RETURN COUNT { (:WorkbookEntry) } AS entries, COUNT { (:WorkbookEntryVersion) } AS versions"
    )
    return records[0]["entries"], records[0]["versions"]


def entry_in(workbook: dict[str, Any], entry_id: str) -> dict[str, Any]:
    return next(entry for entry in workbook["entries"]["items"] if entry["id"] == entry_id)


class TestWhoReadsTheWorkbook:
    @pytest.mark.parametrize("member", [MANAGER, CASE_HOLDER, DOMESTIC_ABUSE, MENTAL_HEALTH, SUBSTANCE_MISUSE])
    def test_every_member_of_the_holding_team_reads_team_entries(self, hub: Hub, member: str) -> None:
        entry_id = added_id(hub, DOMESTIC_ABUSE, body="Safety plan agreed with mother.")

        workbook = read(hub, member)

        assert workbook["__typename"] == "Workbook"
        assert workbook["heldBy"] == [{"id": demo_city.FS_TEAM_ID, "name": "Family Safeguarding Team 1"}]
        assert entry_in(workbook, entry_id)["body"] == "Safety plan agreed with mother."
        assert entry_in(workbook, entry_id)["access"] == "READABLE"

    def test_a_member_of_another_family_safeguarding_team_learns_nothing(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        added_id(hub, CASE_HOLDER)
        outsider = team_member(graph_db, team_id="team-fs-2", role="family_safeguarding_social_worker",
                               other_than="")

        held = read(hub, outsider)
        unknown = hub.graphql(outsider, WORKBOOK, household="household-that-does-not-exist")["workbook"]

        assert held["__typename"] == "WorkbookUnavailable"
        # The same answer whether or not there is a workbook to refuse.
        assert unknown == held

    @pytest.mark.parametrize("partner", [demo_city.MASH_SOCIAL_WORKER_ID, demo_city.POLICE_OFFICER_ID,
                                         demo_city.HEALTH_OFFICER_ID])
    def test_mash_and_partners_learn_only_that_the_team_holds_the_family(self, hub: Hub, partner: str) -> None:
        added_id(hub, CASE_HOLDER, body="Nothing here may reach the MASH.")

        known = read(hub, partner)

        assert known == {
            "__typename": "WorkbookKnown", "householdId": HOUSEHOLD,
            "heldBy": [{"id": demo_city.FS_TEAM_ID, "name": "Family Safeguarding Team 1"}],
            "openedOn": known["openedOn"],
        }
        assert known["openedOn"] is not None

    @pytest.mark.parametrize("role_holder", [demo_city.AUDITOR_ID, demo_city.ADMINISTRATOR_ID,
                                             demo_city.VOLUNTARY_WORKER_ID])
    def test_roles_without_a_workbook_line_are_refused_outright(self, hub: Hub, role_holder: str) -> None:
        assert read(hub, role_holder)["__typename"] == "NotPermitted"

    def test_the_case_holder_from_outside_the_team_reads_it(self, hub: Hub, graph_db: Driver) -> None:
        family_help = team_member(graph_db, team_id="team-family-help", role="social_worker", other_than="")
        graph_db.execute_query(
            "MATCH (p:Professional {id: $pro}), (c:Child {id: $child}) "
            "MERGE (p)-[:ALLOCATED_TO {role: 'case_holder'}]->(c)",
            pro=family_help, child=demo_city.DEMO_YOUNGEST_CHILD_ID,
        )
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")

        workbook = read(hub, family_help)

        assert workbook["standing"] == "CASE_HOLDER"
        assert entry_in(workbook, entry_id)["body"] == MENTAL_HEALTH_NOTE


class TestDisciplineEntries:
    @pytest.mark.parametrize(("reader", "sees"), [
        (MENTAL_HEALTH, True),  # the author's discipline
        (CASE_HOLDER, True),  # the case-holding social worker
        (MANAGER, True),  # the team manager
        (DOMESTIC_ABUSE, False),
        (SUBSTANCE_MISUSE, False),
    ])
    def test_reach_the_discipline_the_case_holder_and_the_manager(self, hub: Hub, reader: str, sees: bool) -> None:
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")

        entry = entry_in(read(hub, reader), entry_id)

        assert entry["discipline"] == "adult_mental_health"
        assert entry["author"]["id"] == MENTAL_HEALTH
        if sees:
            assert (entry["access"], entry["body"], entry["withheldReason"]) == ("READABLE", MENTAL_HEALTH_NOTE, None)
        else:
            assert entry["access"] == "WITHHELD"
            assert entry["body"] is None
            assert "adult mental health" in entry["withheldReason"]

    def test_a_social_worker_in_the_team_who_does_not_hold_the_case_sees_it_withheld(
        self, hub: Hub, graph_db: Driver
    ) -> None:
        colleague = team_member(graph_db, team_id=demo_city.FS_TEAM_ID, role="family_safeguarding_social_worker",
                                other_than=CASE_HOLDER)
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")

        entry = entry_in(read(hub, colleague), entry_id)

        assert (entry["access"], entry["body"]) == ("WITHHELD", None)

    def test_history_of_a_withheld_entry_is_withheld_too(self, hub: Hub) -> None:
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")
        amended = hub.graphql(MENTAL_HEALTH, AMEND, id=entry_id, expected=1, body="Reviewed by the GP.")
        assert amended["amendWorkbookEntry"]["version"] == 2

        entry = entry_in(read(hub, DOMESTIC_ABUSE), entry_id)

        assert [v["body"] for v in entry["history"]] == [None]
        assert entry["history"][0]["bodyUnavailable"] is not None

    def test_an_entry_you_may_not_see_cannot_be_amended(self, hub: Hub) -> None:
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")

        refused = hub.graphql(DOMESTIC_ABUSE, AMEND, id=entry_id, expected=1, body="Overwritten?")

        assert refused["amendWorkbookEntry"]["__typename"] == "EntryUnavailable"
        assert entry_in(read(hub, MENTAL_HEALTH), entry_id)["body"] == MENTAL_HEALTH_NOTE


class TestAmending:
    def test_amend_with_the_version_read_makes_a_new_version_and_keeps_the_old(self, hub: Hub) -> None:
        entry_id = added_id(hub, CASE_HOLDER, body="Father not seen.")

        amended = hub.graphql(DOMESTIC_ABUSE, AMEND, id=entry_id, expected=1, body="Father seen at the second visit.")

        entry = amended["amendWorkbookEntry"]
        assert (entry["version"], entry["body"], entry["author"]["id"]) == (
            2, "Father seen at the second visit.", DOMESTIC_ABUSE)
        assert entry["history"] == [{"version": 1, "body": "Father not seen.", "author": {"id": CASE_HOLDER}}]
        assert entry_in(read(hub, MANAGER), entry_id)["history"][0]["body"] == "Father not seen."

    def test_amend_with_a_stale_version_is_a_conflict_naming_who_wrote_the_current_one(self, hub: Hub) -> None:
        entry_id = added_id(hub, CASE_HOLDER, body="First draft.")
        hub.graphql(DOMESTIC_ABUSE, AMEND, id=entry_id, expected=1, body="Second draft.")

        stale = hub.graphql(SUBSTANCE_MISUSE, AMEND, id=entry_id, expected=1, body="My overwrite.")

        conflict = stale["amendWorkbookEntry"]
        assert conflict["__typename"] == "AmendConflict"
        assert (conflict["expectedVersion"], conflict["currentVersion"]) == (1, 2)
        assert conflict["currentAuthor"] == {"id": DOMESTIC_ABUSE, "name": "Lorraine Hayes"}
        entry = entry_in(read(hub, CASE_HOLDER), entry_id)
        assert (entry["version"], entry["body"]) == (2, "Second draft.")
        assert [v["body"] for v in entry["history"]] == ["First draft."]

    @pytest.mark.parametrize(("expected", "body"), [(0, "text"), (1, "   "), (1, "x" * 20_001)])
    def test_bad_input_is_refused_and_changes_nothing(self, hub: Hub, expected: int, body: str) -> None:
        entry_id = added_id(hub, CASE_HOLDER, body="Unchanged.")

        refused = hub.graphql(CASE_HOLDER, AMEND, id=entry_id, expected=expected, body=body)

        assert refused["amendWorkbookEntry"]["__typename"] == "InvalidInput"
        assert entry_in(read(hub, CASE_HOLDER), entry_id)["version"] == 1

    def test_unknown_entries_and_outsiders_get_the_same_answer(self, hub: Hub, graph_db: Driver) -> None:
        entry_id = added_id(hub, CASE_HOLDER)
        outsider = team_member(graph_db, team_id="team-fs-2", role="family_safeguarding_social_worker",
                               other_than="")

        theirs = hub.graphql(outsider, AMEND, id=entry_id, expected=1, body="x")["amendWorkbookEntry"]
        missing = hub.graphql(CASE_HOLDER, AMEND, id="entry-missing", expected=1, body="x")["amendWorkbookEntry"]

        assert theirs == missing == {"__typename": "EntryUnavailable", "message": missing["message"]}


class TestAdding:
    def test_partners_outside_the_team_cannot_write(self, hub: Hub) -> None:
        refused = add(hub, demo_city.MASH_SOCIAL_WORKER_ID)

        assert refused["__typename"] == "NotPermitted"
        assert read(hub, CASE_HOLDER)["entries"]["items"] == []

    def test_references_must_be_entries_of_this_workbook(self, hub: Hub) -> None:
        refused = add(hub, CASE_HOLDER, refersTo=["entry-from-elsewhere"])

        assert refused["__typename"] == "InvalidInput"
        assert "entry-from-elsewhere" in refused["message"]

    def test_entries_read_by_section_then_newest_first_across_pages(self, hub: Hub) -> None:
        plan = added_id(hub, CASE_HOLDER, section="PLAN", body="Plan 1")
        older = added_id(hub, CASE_HOLDER, section="ASSESSMENT", body="Assessment 1")
        newer = added_id(hub, CASE_HOLDER, section="ASSESSMENT", body="Assessment 2")
        session = added_id(hub, DOMESTIC_ABUSE, section="PROGRAMME_SESSION", body="Session 1")

        first = read(hub, MANAGER, first=2)
        rest = read(hub, MANAGER, first=2, after=first["entries"]["pageInfo"]["endCursor"])

        assert [e["id"] for e in first["entries"]["items"] + rest["entries"]["items"]] == [newer, older, session, plan]
        assert [page["entries"]["pageInfo"]["hasNextPage"] for page in (first, rest)] == [True, False]
        assert [s["section"] for s in first["sections"]] == ["ASSESSMENT"]
        assert [e["id"] for e in read(hub, MANAGER, section="PLAN")["entries"]["items"]] == [plan]

    def test_a_cursor_that_was_not_returned_is_refused(self, hub: Hub) -> None:
        assert read(hub, MANAGER, after="not-a-cursor")["__typename"] == "InvalidInput"

    def test_once_the_familys_key_is_destroyed_nothing_more_is_written_and_the_refusal_says_why(
        self, hub: Hub, sealed_city_db: Driver, test_settings: Settings
    ) -> None:
        entry_id = added_id(hub, CASE_HOLDER)
        with sealed_city_db.session() as session:
            session.execute_write(lambda tx: keyring(test_settings).shred(tx, HOUSEHOLD))
        before = written(sealed_city_db)

        added = add(hub, CASE_HOLDER, body="Written after the erasure.")
        amended = hub.graphql(CASE_HOLDER, AMEND, id=entry_id, expected=1, body="Amended after it.")

        assert added["__typename"] == amended["amendWorkbookEntry"]["__typename"] == "InvalidInput"
        assert "erased" in added["message"]
        assert written(sealed_city_db) == before


class TestSupervisionSignOff:
    def test_locks_the_record_and_the_entries_it_names(self, hub: Hub) -> None:
        analysis = added_id(hub, CASE_HOLDER, section="ANALYSIS", body="Risk is escalating.")
        plan = added_id(hub, DOMESTIC_ABUSE, section="PLAN", body="Weekly sessions with mother.")
        untouched = added_id(hub, SUBSTANCE_MISUSE, section="PLAN", body="Not discussed.")
        supervision = added_id(hub, MANAGER, section="GROUP_SUPERVISION", body="Agreed: keep on plan.",
                               refersTo=[analysis, plan])

        signed = hub.graphql(MANAGER, SIGN_OFF, id=supervision)["signOffSupervision"]

        assert signed["__typename"] == "SupervisionSignedOff"
        assert sorted(signed["lockedEntryIds"]) == sorted([analysis, plan])
        assert signed["supervision"]["signedOffBy"] == {"id": MANAGER, "name": "Claire Bennett"}
        for locked in (analysis, plan, supervision):
            refused = hub.graphql(CASE_HOLDER, AMEND, id=locked, expected=1, body="Changed my mind.")
            assert refused["amendWorkbookEntry"]["__typename"] == "EntryLocked"
            assert refused["amendWorkbookEntry"]["supervisionEntryId"] == supervision
        free = hub.graphql(CASE_HOLDER, AMEND, id=untouched, expected=1, body="Discussed next time.")
        assert free["amendWorkbookEntry"]["version"] == 2

    def test_later_thinking_is_a_new_entry_referring_to_the_locked_one(self, hub: Hub) -> None:
        supervision = added_id(hub, MANAGER, section="GROUP_SUPERVISION", body="Agreed: keep on plan.")
        hub.graphql(MANAGER, SIGN_OFF, id=supervision)

        follow_up = add(hub, CASE_HOLDER, section="REVIEW", body="New incident: plan revisited.",
                        refersTo=[supervision])

        assert follow_up["refersTo"] == [supervision]

    @pytest.mark.parametrize("who", [CASE_HOLDER, MENTAL_HEALTH, demo_city.CRS_MANAGER_ID])
    def test_only_the_team_manager_signs_off(self, hub: Hub, who: str) -> None:
        supervision = added_id(hub, MANAGER, section="GROUP_SUPERVISION", body="Agreed.")

        refused = hub.graphql(who, SIGN_OFF, id=supervision)["signOffSupervision"]

        assert refused["__typename"] == "NotPermitted"
        assert entry_in(read(hub, MANAGER), supervision)["locked"] is False

    def test_a_manager_of_another_team_cannot(self, hub: Hub, graph_db: Driver) -> None:
        supervision = added_id(hub, MANAGER, section="GROUP_SUPERVISION", body="Agreed.")
        other_manager = team_member(graph_db, team_id="team-fs-2", role="family_safeguarding_team_manager",
                                    other_than="")

        refused = hub.graphql(other_manager, SIGN_OFF, id=supervision)["signOffSupervision"]

        assert refused["__typename"] == "EntryUnavailable"

    def test_only_supervision_records_and_only_once(self, hub: Hub) -> None:
        plan = added_id(hub, CASE_HOLDER, section="PLAN", body="Plan.")
        supervision = added_id(hub, MANAGER, section="GROUP_SUPERVISION", body="Agreed.")

        not_supervision = hub.graphql(MANAGER, SIGN_OFF, id=plan)["signOffSupervision"]
        first = hub.graphql(MANAGER, SIGN_OFF, id=supervision)["signOffSupervision"]
        again = hub.graphql(MANAGER, SIGN_OFF, id=supervision)["signOffSupervision"]

        assert not_supervision["__typename"] == "InvalidInput"
        assert first["__typename"] == "SupervisionSignedOff"
        assert again["__typename"] == "EntryLocked"


class TestAtRestAndAudited:
    def test_bodies_are_stored_only_as_ciphertext(self, hub: Hub, graph_db: Driver) -> None:
        entry_id = added_id(hub, MENTAL_HEALTH, body=MENTAL_HEALTH_NOTE, visibility="DISCIPLINE")
        hub.graphql(MENTAL_HEALTH, AMEND, id=entry_id, expected=1, body="Second thoughts on the medication.")

        records, _, _ = graph_db.execute_query(
            "MATCH (v:WorkbookEntryVersion {entry_id: $id}) RETURN v.body AS body", id=entry_id
        )

        assert len(records) == 2
        for record in records:
            assert "medication" not in record["body"]

    def test_every_read_and_write_is_in_the_audit_chain(self, hub: Hub, graph_db: Driver) -> None:
        entry_id = added_id(hub, CASE_HOLDER)
        hub.graphql(DOMESTIC_ABUSE, AMEND, id=entry_id, expected=1, body="Amended.")
        hub.graphql(SUBSTANCE_MISUSE, AMEND, id=entry_id, expected=1, body="Stale.")
        read(hub, MANAGER)
        read(hub, demo_city.POLICE_OFFICER_ID)

        records, _, _ = graph_db.execute_query(
            "MATCH (e:AuditEvent) WHERE e.action STARTS WITH 'workbook.' "
            "RETURN e.actor AS actor, e.action AS action, e.basis AS basis ORDER BY e.seq"
        )

        assert [(r["actor"], r["action"], r["basis"]) for r in records] == [
            (CASE_HOLDER, "workbook.entry_added", "ALLOCATED"),
            (DOMESTIC_ABUSE, "workbook.entry_amended", "ALLOCATED"),
            (SUBSTANCE_MISUSE, "workbook.amend_conflict", "ALLOCATED"),
            (MANAGER, "workbook.read", "ALLOCATED"),
            (demo_city.POLICE_OFFICER_ID, "workbook.existence_read", "EXISTENCE"),
        ]
