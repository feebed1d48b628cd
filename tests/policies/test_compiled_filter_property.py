"""The policy compiled into the network query agrees with Casbin asked record by record.

Hypothesis draws small families, records held by random agencies, consents and overrides
in every state, and a caller with a random role in a random agency. The family network
query (with the caller's compiled read filter as parameters) runs against the real Neo4j;
the oracle works out each record's facts from the drawn data and asks `Policy.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from graph import network
from graph.model import AgencyKind, Role
from policies import Action, BasisFacts, Policy, ResourceKind, record_kind_for

POLICY = Policy()
NOW = datetime.now(UTC)
CHILD = "c-1"
PEOPLE = (CHILD, "a-1", "a-2", "c-2")
AGENCY_KINDS = tuple(AgencyKind)


def agency_id(kind: AgencyKind) -> str:
    return "ag-" + kind.value.lower()


@dataclass(frozen=True)
class Grant:
    """A consent or an override: in force or not, FULL or naming some agencies."""

    in_force: bool
    full: bool
    agencies: frozenset[AgencyKind]

    def covers(self, reader: AgencyKind, holder: AgencyKind) -> bool:
        """Children's services and a covered partner exchange; two partners only if both are named."""

        def reaches(kind: AgencyKind) -> bool:
            return self.full or kind is AgencyKind.CHILDRENS_SERVICES or kind in self.agencies

        council = AgencyKind.CHILDRENS_SERVICES
        both_named = reader in self.agencies and holder in self.agencies
        return (
            self.in_force and reaches(reader) and reaches(holder)
            and (council in (reader, holder) or reader is holder or both_named)
        )


@dataclass(frozen=True)
class Case:
    records: tuple[tuple[str, AgencyKind], ...]
    consents: tuple[tuple[Grant, str], ...]  # with how it is not in force: "", withdrawn, expired
    overrides: tuple[tuple[Grant, str], ...]  # with its status, or "EXPIRED" for an old approval
    role: Role
    reader_agency: AgencyKind
    allocated: bool
    # A teammate holds the child's case, or a child of the same household.
    teammate_allocated: bool
    household_worked: bool
    break_glass: str  # "", "in_force" or "expired"
    restricted: str  # "", "named" (the reader is named on it) or "not_named"

    @property
    def shut_out(self) -> bool:
        return self.restricted == "not_named"

    @property
    def related(self) -> bool:
        return not self.shut_out and (self.allocated or self.teammate_allocated or self.household_worked)


agency_sets = st.frozensets(st.sampled_from(AGENCY_KINDS), max_size=3)
consents = st.tuples(st.booleans(), agency_sets, st.sampled_from(["", "withdrawn", "expired"])).map(
    lambda t: (Grant(in_force=t[2] == "", full=t[0], agencies=t[1]), t[2])
)
overrides = st.tuples(
    st.booleans(), agency_sets, st.sampled_from(["APPROVED", "REQUESTED", "REJECTED", "REVOKED", "EXPIRED"])
).map(lambda t: (Grant(in_force=t[2] == "APPROVED", full=t[0], agencies=t[1]), t[2]))
cases = st.builds(
    Case,
    records=st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(AGENCY_KINDS)), max_size=8).map(tuple),
    consents=st.lists(consents, max_size=2).map(tuple),
    overrides=st.lists(overrides, max_size=2).map(tuple),
    role=st.sampled_from(tuple(Role)),
    reader_agency=st.sampled_from(AGENCY_KINDS),
    allocated=st.booleans(),
    teammate_allocated=st.booleans(),
    household_worked=st.booleans(),
    break_glass=st.sampled_from(["", "in_force", "expired"]),
    restricted=st.sampled_from(["", "named", "not_named"]),
)

# One statement per part, so that an empty list of records or consents ends nothing else.
WRITE_CASE: tuple[str, ...] = (
    """
    UNWIND $agencies AS kind
    CREATE (:Agency {id: 'ag-' + toLower(kind), kind: kind, name: kind})
    """,
    """
    MATCH (home:Agency {id: $reader_agency_id})
    CREATE (home)<-[:PART_OF]-(:Team {id: 't-1', service: 'MASH'})
           <-[:MEMBER_OF]-(me:Professional {id: 'reader', roles: [$role]})
    CREATE (c:Person:Child {id: $child})
    CREATE (a1:Person:Adult {id: 'a-1'})-[:PARENT_OF {parental_responsibility: true}]->(c)
    CREATE (:Person:Adult {id: 'a-2'})-[:PARTNER_OF]->(a1)
    CREATE (:Person:Child {id: 'c-2'})-[:SIBLING_OF]->(c)
    FOREACH (_ IN CASE WHEN $allocated THEN [1] ELSE [] END |
        CREATE (me)-[:ALLOCATED_TO {role: 'case_holder'}]->(c))
    """,
    """
    MATCH (me:Professional {id: 'reader'})-[:MEMBER_OF]->(t:Team), (c:Person {id: $child}),
          (sibling:Person {id: 'c-2'})
    CREATE (mate:Professional {id: 'teammate', roles: ['social_worker']})-[:MEMBER_OF]->(t)
    CREATE (h:Household {id: 'h-1'})
    CREATE (c)-[:LIVES_IN]->(h)
    CREATE (sibling)-[:LIVES_IN {until: CASE WHEN $household_worked THEN null ELSE date() END}]->(h)
    FOREACH (_ IN CASE WHEN $teammate_allocated THEN [1] ELSE [] END |
        CREATE (mate)-[:ALLOCATED_TO {role: 'case_holder'}]->(c))
    CREATE (mate)-[:ALLOCATED_TO {role: 'case_holder'}]->(sibling)
    FOREACH (_ IN CASE WHEN $break_glass <> '' THEN [1] ELSE [] END |
        CREATE (me)-[:OPENED]->(:BreakGlass {id: 'b-1', opened_at: datetime() - duration('PT2H'),
            expires_at: CASE $break_glass WHEN 'in_force' THEN datetime() + duration('PT1H')
                        ELSE datetime() - duration('PT1H') END})-[:FOR]->(c))
    FOREACH (_ IN CASE WHEN $restricted <> '' THEN [1] ELSE [] END |
        CREATE (r:Restriction {id: 'x-1', child_id: $child})-[:RESTRICTS]->(c)
        FOREACH (_ IN CASE WHEN $restricted = 'named' THEN [1] ELSE [] END |
            CREATE (me)-[:NAMED_ON]->(r)))
    """,
    """
    UNWIND $records AS record
    MATCH (p:Person {id: record.person}), (ag:Agency {id: record.agency})
    CREATE (p)<-[:ABOUT]-(:AgencyRecord {id: record.id, summary: 'x', category: 'note'})-[:HELD_BY]->(ag)
    """,
    """
    MATCH (c:Person {id: $child})
    UNWIND $consents AS k
    CREATE (:Consent {id: k.id, scope: k.scope, agencies: k.agencies, given_at: datetime(),
                      withdrawn_at: k.withdrawn_at, expires_at: k.expires_at})-[:COVERS]->(c)
    """,
    """
    MATCH (c:Person {id: $child})
    UNWIND $overrides AS o
    CREATE (:ConsentOverride {id: o.id, status: o.status, scope: o.scope, agencies: o.agencies,
                              decided_at: datetime(), expires_at: o.expires_at})-[:FOR]->(c)
    """,
)


def write_case(driver: Driver, case: Case) -> None:
    def scope(grant: Grant) -> dict[str, Any]:
        return {"scope": "FULL" if grant.full else "TARGETED", "agencies": sorted(agency_id(a) for a in grant.agencies)}

    hour_ago, tomorrow = NOW - timedelta(hours=1), NOW + timedelta(days=1)
    parameters: dict[str, Any] = {
        "agencies": [kind.value for kind in AGENCY_KINDS], "reader_agency_id": agency_id(case.reader_agency),
        "role": case.role.value, "child": CHILD, "allocated": case.allocated,
        "teammate_allocated": case.teammate_allocated, "household_worked": case.household_worked,
        "break_glass": case.break_glass, "restricted": case.restricted,
        "records": [{"id": f"r-{i}", "person": person, "agency": agency_id(kind)}
                    for i, (person, kind) in enumerate(case.records)],
        "consents": [{"id": f"k-{i}", **scope(grant), "withdrawn_at": hour_ago if how == "withdrawn" else None,
                      "expires_at": hour_ago if how == "expired" else tomorrow}
                     for i, (grant, how) in enumerate(case.consents)],
        # An expired override is an approval whose time has run out.
        "overrides": [{"id": f"o-{i}", **scope(grant), "status": "APPROVED" if status == "EXPIRED" else status,
                       "expires_at": hour_ago if status == "EXPIRED" else tomorrow}
                      for i, (grant, status) in enumerate(case.overrides)],
    }
    driver.execute_query("MATCH (n) WHERE NOT n:__Neo4jMigration DETACH DELETE n")
    with driver.session(database="neo4j") as session, session.begin_transaction() as tx:
        for statement in WRITE_CASE:
            tx.run(cast(LiteralString, statement), parameters).consume()
        tx.commit()


def facts(case: Case, holder: AgencyKind) -> BasisFacts:
    reader = case.reader_agency
    if case.shut_out:
        return BasisFacts()
    return BasisFacts(
        own_agency=holder is reader,
        allocated=case.related,
        consent=any(grant.covers(reader, holder) for grant, _ in case.consents),
        override=any(grant.covers(reader, holder) for grant, _ in case.overrides),
        break_glass=case.break_glass == "in_force",
    )


def expected(case: Case) -> tuple[str | None, dict[str, str], set[tuple[str, str]]]:
    """The network's basis, the readable records with their basis, and who is known to whom."""
    roles = [case.role.value]
    person = POLICY.decide(roles, ResourceKind.PERSON, Action.READ, facts(case, AgencyKind.CHILDRENS_SERVICES))
    members = set(PEOPLE) if person.discloses_content else {CHILD}
    readable: dict[str, str] = {}
    known: set[tuple[str, str]] = set()
    for i, (subject, holder) in enumerate(case.records):
        if subject not in members:
            continue
        decision = POLICY.decide(roles, record_kind_for(holder), Action.READ, facts(case, holder))
        if decision.allowed:
            known.add((subject, agency_id(holder)))
        if decision.discloses_content:
            assert decision.basis is not None
            readable[f"r-{i}"] = decision.basis.value
    return (person.basis.value if person.basis else None), readable, known


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_compiled_filter_returns_exactly_what_casbin_allows_record_by_record(graph_db: Driver, case: Case) -> None:
    write_case(graph_db, case)
    viewer = network.Viewer(
        professional_id="reader", agency_id=agency_id(case.reader_agency), agency_kind=case.reader_agency.value,
        read_bases=POLICY.compile_read_filter([case.role.value]),
    )

    with graph_db.session(database="neo4j") as session:
        found = session.execute_read(network.get_family_network, child_id=CHILD, depth=2, viewer=viewer)

    assert found is not None
    network_basis, readable, known = expected(case)
    assert found.basis == network_basis
    assert {r.id: r.basis for r in found.records} == readable
    assert {(k.person_id, k.agency_id) for k in found.known_to} == known
