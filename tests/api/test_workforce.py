"""What changes daily in who works where, over the real API: professionals added, changed and
deactivated by the administrator; children allocated and de-allocated by the administrator and
the managers who allocate. Everyone else is refused, with one answer for a real id and an
invented one; every change is in the audit chain, which still verifies."""

from __future__ import annotations

import json
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from devtools import demo_city
from tests.api.client import Hub, token_for

ADMINISTRATOR = demo_city.ADMINISTRATOR_ID
FS_MANAGER = demo_city.FS_TEAM_MANAGER_ID
FS_SOCIAL_WORKER = demo_city.FS_SOCIAL_WORKER_ID
REFUSED = {"MASH social worker": demo_city.MASH_SOCIAL_WORKER_ID, "police officer": demo_city.POLICE_OFFICER_ID}

ADD = """
mutation($input: AddProfessionalInput!) {
  addProfessional(input: $input) {
    __typename
    ... on Professional { id name roles teamId discipline externalId leftAt }
    ... on Refusal { message }
  }
}
"""
CHANGE = """
mutation($input: ChangeProfessionalInput!) {
  changeProfessional(input: $input) {
    __typename ... on Professional { id roles teamId discipline } ... on Refusal { message }
  }
}
"""
DEACTIVATE = """
mutation($input: DeactivateProfessionalInput!) {
  deactivateProfessional(input: $input) {
    __typename ... on Professional { id teamId leftAt } ... on Refusal { message }
  }
}
"""
ALLOCATE = """
mutation($input: AllocateChildInput!) {
  allocateChild(input: $input) {
    __typename
    ... on ChildAllocation { professionalId childId role since until replacedCaseHolderIds }
    ... on Refusal { message }
  }
}
"""
DEALLOCATE = """
mutation($input: DeallocateChildInput!) {
  deallocateChild(input: $input) {
    __typename ... on ChildAllocation { professionalId childId role since until } ... on Refusal { message }
  }
}
"""
RESTRICT = """
mutation($id: ID!) { restrictChild(input: {childId: $id, reason: "staff family"}) { __typename } }
"""
ME = "{ me { professionalId teamId roles } }"
WORKBOOK = """
query($id: ID!) { workbook(householdId: $id, first: 5) { __typename } }
"""
VERIFY = "{ verifyAudit { __typename ... on AuditVerification { ok reason } } }"

# A child no one is allocated to, at home in a household without a workbook.
UNALLOCATED_CHILD: LiteralString = """
MATCH (c:Person:Child)-[l:LIVES_IN]->(h:Household)
WHERE l.until IS NULL AND NOT EXISTS { (:Professional)-[:ALLOCATED_TO]->(c) }
  AND NOT EXISTS { (:Workbook)-[:FOR]->(h) }
  AND NOT EXISTS { (:Restriction)-[:RESTRICTS]->(c) }
RETURN c.id AS child_id, h.id AS household_id ORDER BY child_id LIMIT 1
"""
CASE_HOLDER: LiteralString = """
MATCH (p:Professional)-[:ALLOCATED_TO {role: 'case_holder'}]->(c:Person:Child)
WHERE NOT EXISTS { (:Restriction)-[:RESTRICTS]->(c) }
RETURN p.id AS professional_id, c.id AS child_id ORDER BY child_id LIMIT 1
"""
ALLOCATIONS: LiteralString = """
MATCH (p:Professional)-[a:ALLOCATED_TO|WAS_ALLOCATED_TO]->(:Child {id: $child_id})
RETURN p.id AS professional_id, type(a) AS kind, a.role AS role, a.until IS NOT NULL AS ended
"""
MEMBERSHIPS_ENDED: LiteralString = """
MATCH (:Professional {id: $id})-[m:WAS_MEMBER_OF]->(t:Team) RETURN t.id AS team, m.until IS NOT NULL AS ended
"""
EVENTS: LiteralString = """
MATCH (e:AuditEvent {action: $action}) RETURN e.actor AS actor, e.targets AS targets ORDER BY e.seq
"""


def ask(hub: Hub, who: str, document: str, **variables: Any) -> dict[str, Any]:
    data = hub.graphql(who, document, **variables)
    (answer,) = data.values()
    assert isinstance(answer, dict)
    return answer


def unallocated_child(driver: Driver) -> tuple[str, str]:
    records, _, _ = driver.execute_query(UNALLOCATED_CHILD, database_="neo4j")
    return str(records[0]["child_id"]), str(records[0]["household_id"])


def allocations(driver: Driver, child_id: str) -> set[tuple[str, str, str, bool]]:
    records, _, _ = driver.execute_query(ALLOCATIONS, child_id=child_id, database_="neo4j")
    return {(r["professional_id"], r["kind"], r["role"], r["ended"]) for r in records}


def events(driver: Driver, action: str) -> list[tuple[str, list[str]]]:
    records, _, _ = driver.execute_query(EVENTS, action=action, database_="neo4j")
    return [(r["actor"], list(r["targets"])) for r in records]


def chain_verifies(hub: Hub) -> None:
    verified = ask(hub, demo_city.AUDITOR_ID, VERIFY)
    assert verified == {"__typename": "AuditVerification", "ok": True, "reason": verified["reason"]}


def new_professional(**changes: Any) -> dict[str, Any]:
    return {
        "id": "pro-9001", "name": "Aisha Khan", "roles": ["family_safeguarding_social_worker"],
        "teamId": demo_city.FS_TEAM_ID, "discipline": "social_work", "externalId": "aisha.khan@fenbridge.example",
        **changes,
    }


def blank(answer: dict[str, Any], *ids: str) -> str:
    text = json.dumps(answer, sort_keys=True)
    for value in ids:
        text = text.replace(value, "<id>")
    return text


class TestAllocateChild:
    @pytest.mark.parametrize(
        "who", [ADMINISTRATOR, FS_MANAGER, demo_city.CRS_MANAGER_ID],
        ids=["administrator", "FS manager", "CRS manager"],
    )
    def test_the_administrator_and_the_managers_who_allocate_allocate_a_child(
        self, hub: Hub, demo_city_db: Driver, who: str
    ) -> None:
        child_id, _ = unallocated_child(demo_city_db)

        answer = ask(hub, who, ALLOCATE, input={"professionalId": FS_SOCIAL_WORKER, "childId": child_id})

        assert answer["__typename"] == "ChildAllocation"
        assert (answer["professionalId"], answer["childId"], answer["role"], answer["until"]) == (
            FS_SOCIAL_WORKER, child_id, "case_holder", None,
        )
        assert allocations(demo_city_db, child_id) == {(FS_SOCIAL_WORKER, "ALLOCATED_TO", "case_holder", False)}
        assert events(demo_city_db, "child.allocated") == [(who, [FS_SOCIAL_WORKER, child_id, "case_holder"])]
        chain_verifies(hub)

    def test_an_allocation_to_a_family_safeguarding_case_holder_opens_the_familys_workbook(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        child_id, household_id = unallocated_child(demo_city_db)
        before = ask(hub, FS_SOCIAL_WORKER, WORKBOOK, id=household_id)["__typename"]

        ask(hub, ADMINISTRATOR, ALLOCATE, input={"professionalId": FS_SOCIAL_WORKER, "childId": child_id})

        assert before == "WorkbookUnavailable"
        assert ask(hub, FS_SOCIAL_WORKER, WORKBOOK, id=household_id)["__typename"] == "Workbook"
        # The rest of the team stands in it too: the workbook is held by the team.
        assert ask(hub, demo_city.FS_DOMESTIC_ABUSE_WORKER_ID, WORKBOOK, id=household_id)["__typename"] == "Workbook"

    def test_a_new_case_holder_ends_the_allocation_of_the_one_before_which_stays_in_the_history(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        records, _, _ = demo_city_db.execute_query(CASE_HOLDER, database_="neo4j")
        holder, child_id = str(records[0]["professional_id"]), str(records[0]["child_id"])
        newcomer = demo_city.SECOND_MASH_SOCIAL_WORKER_ID if holder != demo_city.SECOND_MASH_SOCIAL_WORKER_ID else (
            demo_city.MASH_SOCIAL_WORKER_ID
        )

        answer = ask(hub, demo_city.CRS_MANAGER_ID, ALLOCATE, input={"professionalId": newcomer, "childId": child_id})

        assert answer["replacedCaseHolderIds"] == [holder]
        found = allocations(demo_city_db, child_id)
        assert (newcomer, "ALLOCATED_TO", "case_holder", False) in found
        assert (holder, "WAS_ALLOCATED_TO", "case_holder", True) in found
        assert (holder, "ALLOCATED_TO", "case_holder", False) not in found

    def test_allocating_again_in_the_same_role_changes_and_records_nothing(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        child_id, _ = unallocated_child(demo_city_db)
        allocation = {"professionalId": FS_SOCIAL_WORKER, "childId": child_id, "role": "co_allocated"}
        first = ask(hub, ADMINISTRATOR, ALLOCATE, input=allocation)

        again = ask(hub, ADMINISTRATOR, ALLOCATE, input=allocation)

        assert again == first
        assert len(events(demo_city_db, "child.allocated")) == 1

    def test_an_unknown_child_or_professional_is_named_as_missing_to_the_administrator(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        child_id, _ = unallocated_child(demo_city_db)

        no_child = ask(
            hub, ADMINISTRATOR, ALLOCATE, input={"professionalId": FS_SOCIAL_WORKER, "childId": "person-404"},
        )
        no_one = ask(hub, ADMINISTRATOR, ALLOCATE, input={"professionalId": "pro-404", "childId": child_id})

        assert (no_child["__typename"], no_one["__typename"]) == ("ChildNotFound", "ProfessionalNotFound")

    def test_a_restricted_childs_allocations_are_changed_only_by_those_named_on_its_restriction(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        child_id, _ = unallocated_child(demo_city_db)
        restricted = ask(hub, demo_city.CRS_MANAGER_ID, RESTRICT, id=child_id)
        allocation = {"professionalId": FS_SOCIAL_WORKER, "childId": child_id}

        by_administrator = ask(hub, ADMINISTRATOR, ALLOCATE, input=allocation)
        invented = ask(hub, ADMINISTRATOR, ALLOCATE, input={**allocation, "childId": "person-404-01"})
        by_the_manager_named = ask(hub, demo_city.CRS_MANAGER_ID, ALLOCATE, input=allocation)

        assert restricted["__typename"] == "ChildRestriction"
        assert by_administrator["__typename"] == "ChildNotFound"
        assert blank(by_administrator, child_id) == blank(invented, "person-404-01")
        assert by_the_manager_named["__typename"] == "ChildAllocation"
        assert ask(hub, ADMINISTRATOR, DEALLOCATE, input=allocation)["__typename"] == "AllocationNotFound"

    @pytest.mark.parametrize("who", REFUSED.values(), ids=REFUSED.keys())
    def test_refused_to_anyone_else_alike_for_a_real_and_an_invented_child(
        self, hub: Hub, demo_city_db: Driver, who: str
    ) -> None:
        child_id, _ = unallocated_child(demo_city_db)

        real = ask(hub, who, ALLOCATE, input={"professionalId": FS_SOCIAL_WORKER, "childId": child_id})
        invented = ask(hub, who, ALLOCATE, input={"professionalId": "pro-404", "childId": "person-404-01"})

        assert real["__typename"] == "NotPermitted"
        assert blank(real, child_id, FS_SOCIAL_WORKER) == blank(invented, "person-404-01", "pro-404")
        assert allocations(demo_city_db, child_id) == set()


class TestDeallocateChild:
    def test_ending_an_allocation_keeps_it_in_the_childs_history(self, hub: Hub, demo_city_db: Driver) -> None:
        child_id, _ = unallocated_child(demo_city_db)
        allocation = {"professionalId": FS_SOCIAL_WORKER, "childId": child_id}
        ask(hub, FS_MANAGER, ALLOCATE, input=allocation)

        ended = ask(hub, FS_MANAGER, DEALLOCATE, input=allocation)

        assert ended["__typename"] == "ChildAllocation" and ended["until"] is not None
        assert allocations(demo_city_db, child_id) == {(FS_SOCIAL_WORKER, "WAS_ALLOCATED_TO", "case_holder", True)}
        assert events(demo_city_db, "child.deallocated") == [(FS_MANAGER, [FS_SOCIAL_WORKER, child_id, "case_holder"])]
        assert ask(hub, FS_MANAGER, DEALLOCATE, input=allocation)["__typename"] == "AllocationNotFound"
        chain_verifies(hub)

    @pytest.mark.parametrize("who", REFUSED.values(), ids=REFUSED.keys())
    def test_refused_to_anyone_else_alike_for_a_real_and_an_invented_allocation(
        self, hub: Hub, demo_city_db: Driver, who: str
    ) -> None:
        records, _, _ = demo_city_db.execute_query(CASE_HOLDER, database_="neo4j")
        holder, child_id = str(records[0]["professional_id"]), str(records[0]["child_id"])

        real = ask(hub, who, DEALLOCATE, input={"professionalId": holder, "childId": child_id})
        invented = ask(hub, who, DEALLOCATE, input={"professionalId": "pro-404", "childId": "person-404-01"})

        assert real["__typename"] == "NotPermitted"
        assert blank(real, child_id, holder) == blank(invented, "person-404-01", "pro-404")
        assert (holder, "ALLOCATED_TO", "case_holder", False) in allocations(demo_city_db, child_id)


class TestAddProfessional:
    def test_the_administrator_adds_a_professional_who_may_then_sign_in(self, hub: Hub, demo_city_db: Driver) -> None:
        added = ask(hub, ADMINISTRATOR, ADD, input=new_professional())

        assert added == {
            "__typename": "Professional", "id": "pro-9001", "name": "Aisha Khan",
            "roles": ["family_safeguarding_social_worker"], "teamId": demo_city.FS_TEAM_ID,
            "discipline": "social_work", "externalId": "aisha.khan@fenbridge.example", "leftAt": None,
        }
        assert ask(hub, "pro-9001", ME) == {
            "professionalId": "pro-9001", "teamId": demo_city.FS_TEAM_ID,
            "roles": ["family_safeguarding_social_worker"],
        }
        assert events(demo_city_db, "professional.added") == [(ADMINISTRATOR, ["pro-9001", demo_city.FS_TEAM_ID])]
        chain_verifies(hub)

    def test_an_id_or_external_id_already_held_is_refused(self, hub: Hub) -> None:
        ask(hub, ADMINISTRATOR, ADD, input=new_professional())

        same_id = ask(hub, ADMINISTRATOR, ADD, input=new_professional(externalId=None))
        same_external = ask(hub, ADMINISTRATOR, ADD, input=new_professional(id="pro-9002"))

        assert (same_id["__typename"], same_external["__typename"]) == ("ProfessionalExists", "ProfessionalExists")

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"roles": ["wizard"]}, "unknown role 'wizard': not a role the policy names"),
            ({"roles": []}, "give at least one role"),
            ({"teamId": "team-nowhere"}, "no such team 'team-nowhere'"),
            ({"id": "pro 9001"}, "the id 'pro 9001' is not an id"),
            ({"name": "Ali\u202eKhan"}, "the name contains control or direction-changing characters"),
        ],
        ids=["unknown role", "no role", "unknown team", "not an id", "a name that forges"],
    )
    def test_bad_input_is_named(self, hub: Hub, changes: dict[str, Any], message: str) -> None:
        answer = ask(hub, ADMINISTRATOR, ADD, input=new_professional(**changes))

        assert answer["__typename"] == "InvalidInput"
        assert answer["message"].startswith(message)

    @pytest.mark.parametrize("who", [*REFUSED.values(), FS_MANAGER], ids=[*REFUSED.keys(), "FS manager"])
    def test_refused_to_anyone_but_the_administrator(self, hub: Hub, demo_city_db: Driver, who: str) -> None:
        real = ask(hub, who, ADD, input=new_professional(id=FS_SOCIAL_WORKER))
        invented = ask(hub, who, ADD, input=new_professional())

        assert real["__typename"] == "NotPermitted"
        assert blank(real, FS_SOCIAL_WORKER) == blank(invented, "pro-9001")
        assert events(demo_city_db, "professional.added") == []


class TestChangeProfessional:
    def test_a_move_to_another_team_and_new_roles_apply_from_the_next_request(
        self, hub: Hub, demo_city_db: Driver
    ) -> None:
        who = demo_city.SECOND_MASH_SOCIAL_WORKER_ID

        changed = ask(hub, ADMINISTRATOR, CHANGE, input={
            "professionalId": who, "teamId": demo_city.EDT_TEAM_ID, "roles": ["edt_practitioner"],
        })

        assert changed == {
            "__typename": "Professional", "id": who, "roles": ["edt_practitioner"], "teamId": demo_city.EDT_TEAM_ID,
            "discipline": "social_work",
        }
        assert ask(hub, who, ME) == {
            "professionalId": who, "teamId": demo_city.EDT_TEAM_ID, "roles": ["edt_practitioner"],
        }
        records, _, _ = demo_city_db.execute_query(MEMBERSHIPS_ENDED, id=who, database_="neo4j")
        assert [(r["team"], r["ended"]) for r in records] == [(demo_city.MASH_TEAM_ID, True)]
        assert events(demo_city_db, "professional.changed") == [(ADMINISTRATOR, [who, demo_city.EDT_TEAM_ID])]

    def test_nothing_to_change_and_an_unknown_professional_are_refused(self, hub: Hub) -> None:
        nothing = ask(hub, ADMINISTRATOR, CHANGE, input={"professionalId": FS_SOCIAL_WORKER})
        unknown = ask(hub, ADMINISTRATOR, CHANGE, input={"professionalId": "pro-404", "roles": ["social_worker"]})

        assert (nothing["__typename"], unknown["__typename"]) == ("InvalidInput", "ProfessionalNotFound")

    def test_an_administrator_cannot_take_their_own_administrator_role(self, hub: Hub) -> None:
        answer = ask(hub, ADMINISTRATOR, CHANGE, input={"professionalId": ADMINISTRATOR, "roles": ["auditor"]})

        assert answer["__typename"] == "InvalidInput"

    @pytest.mark.parametrize("who", REFUSED.values(), ids=REFUSED.keys())
    def test_refused_to_anyone_but_the_administrator(self, hub: Hub, who: str) -> None:
        real = ask(hub, who, CHANGE, input={"professionalId": FS_SOCIAL_WORKER, "roles": ["crs_manager"]})
        invented = ask(hub, who, CHANGE, input={"professionalId": "pro-404", "roles": ["crs_manager"]})

        assert real["__typename"] == "NotPermitted"
        assert blank(real, FS_SOCIAL_WORKER) == blank(invented, "pro-404")
        assert ask(hub, FS_SOCIAL_WORKER, ME)["roles"] == ["family_safeguarding_social_worker"]


class TestDeactivateProfessional:
    def test_a_leavers_token_is_refused_on_their_next_request(self, hub: Hub, demo_city_db: Driver) -> None:
        leaver = demo_city.SECOND_MASH_SOCIAL_WORKER_ID
        token = token_for(hub.settings, leaver)
        assert ask(hub, leaver, ME)["professionalId"] == leaver

        left = ask(hub, ADMINISTRATOR, DEACTIVATE, input={"professionalId": leaver})

        assert left["__typename"] == "Professional" and left["teamId"] is None and left["leftAt"] is not None
        answer = hub.client.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert events(demo_city_db, "professional.deactivated") == [(ADMINISTRATOR, [leaver])]
        assert ask(hub, ADMINISTRATOR, DEACTIVATE, input={"professionalId": leaver})["__typename"] == (
            "ProfessionalNotFound"
        )
        chain_verifies(hub)

    def test_a_leaver_signed_in_to_the_pages_is_signed_out_on_their_next_click(self, hub: Hub) -> None:
        leaver = demo_city.SECOND_MASH_SOCIAL_WORKER_ID
        form = hub.client.get("/sign-in")
        csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        hub.client.post("/sign-in/development", data={"csrf_token": csrf, "professional_id": leaver, "next": "/"})
        assert hub.client.get("/", follow_redirects=False).status_code == 200

        ask(hub, ADMINISTRATOR, DEACTIVATE, input={"professionalId": leaver})

        answer = hub.client.get("/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")

    def test_an_administrator_cannot_deactivate_themselves(self, hub: Hub) -> None:
        assert ask(hub, ADMINISTRATOR, DEACTIVATE, input={"professionalId": ADMINISTRATOR})["__typename"] == (
            "InvalidInput"
        )

    @pytest.mark.parametrize("who", REFUSED.values(), ids=REFUSED.keys())
    def test_refused_to_anyone_but_the_administrator(self, hub: Hub, who: str) -> None:
        real = ask(hub, who, DEACTIVATE, input={"professionalId": FS_SOCIAL_WORKER})
        invented = ask(hub, who, DEACTIVATE, input={"professionalId": "pro-404"})

        assert real["__typename"] == "NotPermitted"
        assert blank(real, FS_SOCIAL_WORKER) == blank(invented, "pro-404")
        assert ask(hub, FS_SOCIAL_WORKER, ME)["professionalId"] == FS_SOCIAL_WORKER
