"""A workbook page shows exactly what the policy and the caller's standing allow, entry by entry.

Hypothesis draws a household with a workbook held by a Family Safeguarding team, entries of
each visibility and discipline, and a caller of a random role and discipline who is, or is
not, in the holding team and the case holder of a child living (or who lived) in the
household. The oracle is the policy's bases for the role and the rule for DISCIPLINE
entries (the author's discipline, the case holder, and roles reading across disciplines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString, cast

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from config.settings import Settings
from graph.model import Role
from policies import Action, Basis, Policy, ResourceKind
from protection.audit_trail import AuditTrail
from services.key_material import keyring
from services.principal import Principal
from services.refusals import NotPermitted, WorkbookUnavailable
from services.workbook import WorkbookKnown, WorkbookService, WorkbookView

POLICY = Policy()
DISCIPLINES = ("social_work", "domestic_abuse", "adult_mental_health", "substance_misuse")


@dataclass(frozen=True)
class Case:
    role: Role
    discipline: str
    member: bool
    case_holder: str  # "", "current" (the child lives there now) or "past"
    entries: tuple[tuple[str, str], ...]  # (visibility, author's discipline)


cases = st.builds(
    Case,
    role=st.sampled_from(tuple(Role)),
    discipline=st.sampled_from(DISCIPLINES),
    member=st.booleans(),
    case_holder=st.sampled_from(["", "current", "past"]),
    entries=st.lists(
        st.tuples(st.sampled_from(["TEAM", "DISCIPLINE"]), st.sampled_from(DISCIPLINES)), min_size=1, max_size=5
    ).map(tuple),
)

WRITE_CASE: tuple[str, ...] = (
    """
    CREATE (ag:Agency {id: 'ag-council', kind: 'CHILDRENS_SERVICES', name: 'Council'})
    CREATE (holding:Team {id: 't-fs', service: 'FAMILY_SAFEGUARDING', name: 'FS'})-[:PART_OF]->(ag)
    CREATE (other:Team {id: 't-other', service: 'FAMILY_HELP', name: 'Other'})-[:PART_OF]->(ag)
    CREATE (me:Professional {id: 'reader', roles: [$role], discipline: $discipline})
    FOREACH (_ IN CASE WHEN $member THEN [1] ELSE [] END | CREATE (me)-[:MEMBER_OF]->(holding))
    FOREACH (_ IN CASE WHEN $member THEN [] ELSE [1] END | CREATE (me)-[:MEMBER_OF]->(other))
    CREATE (h:Household {id: 'h-1'})
    CREATE (c:Person:Child {id: 'c-1'})-[:LIVES_IN {until: CASE WHEN $case_holder = 'past' THEN date() END}]->(h)
    CREATE (w:Workbook {id: 'w-1', household_id: 'h-1'})-[:FOR]->(h)
    CREATE (w)-[:HELD_BY]->(holding)
    FOREACH (_ IN CASE WHEN $case_holder <> '' THEN [1] ELSE [] END |
        CREATE (me)-[:ALLOCATED_TO {role: 'case_holder'}]->(c))
    """,
    """
    MATCH (w:Workbook {id: 'w-1'})
    UNWIND range(0, size($entries) - 1) AS i
    CREATE (e:WorkbookEntry {id: 'e-' + i, section: 'ASSESSMENT', section_rank: 0, visibility: $entries[i][0],
                             discipline: $entries[i][1], version: 1, created_at: datetime() - duration({minutes: i})})
           -[:IN]->(w)
    CREATE (:WorkbookEntryVersion {id: 'e-' + i + '-v1', version: 1, written_at: datetime(), body: null,
                                   discipline: $entries[i][1]})-[:OF]->(e)
    """,
)


def write_case(driver: Driver, case: Case) -> None:
    driver.execute_query("MATCH (n) WHERE NOT n:__Neo4jMigration DETACH DELETE n")
    parameters = {
        "role": case.role.value, "discipline": case.discipline, "member": case.member,
        "case_holder": case.case_holder, "entries": [list(entry) for entry in case.entries],
    }
    with driver.session(database="neo4j") as session, session.begin_transaction() as tx:
        for statement in WRITE_CASE:
            tx.run(cast(LiteralString, statement), parameters).consume()
        tx.commit()


def bases(case: Case, action: Action) -> frozenset[Basis]:
    return POLICY.allowed_bases([case.role.value], ResourceKind.WORKBOOK_ENTRY, action)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_a_workbook_page_is_what_the_policy_and_the_standing_allow_entry_by_entry(
    graph_db: Driver, test_settings: Settings, case: Case
) -> None:
    write_case(graph_db, case)
    service = WorkbookService(
        graph_db, database="neo4j", policy=POLICY, audit_sink=AuditTrail(Ed25519PrivateKey.generate()),
        keyring=keyring(test_settings),
    )
    principal = Principal(
        professional_id="reader", name="Reader", agency_id="ag-council", agency_kind="CHILDRENS_SERVICES",
        team_id="t-fs" if case.member else "t-other", team_service="", roles=(case.role.value,),
        discipline=case.discipline,
    )

    page = service.workbook(principal, "h-1", request_id="r")

    readable = bases(case, Action.READ)
    case_holder = case.case_holder == "current"
    standing = case.member or case_holder
    if not readable & {Basis.ALLOCATED, Basis.EXISTENCE}:
        assert not isinstance(page, WorkbookView | WorkbookKnown)
        assert isinstance(page, NotPermitted)
    elif Basis.ALLOCATED in readable and standing:
        assert isinstance(page, WorkbookView)
        across = case.member and Basis.ALLOCATED in bases(case, Action.READ_ACROSS_DISCIPLINES)
        expected = {
            f"e-{i}": visibility == "TEAM" or discipline == case.discipline or case_holder or across
            for i, (visibility, discipline) in enumerate(case.entries)
        }
        assert {entry.id: entry.withheld_reason is None for entry in page.entries} == expected
    elif Basis.EXISTENCE in readable:
        assert isinstance(page, WorkbookKnown)
    else:
        assert isinstance(page, WorkbookUnavailable)
