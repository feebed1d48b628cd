"""Every read about one child decides on the facts for *that* child, as Casbin would.

The same drawn cases as the network's property test (records, consents and overrides in
every state, allocation to the reader or a teammate, a household worked by the team, break
glass, restriction, a random role in a random agency), asked of the use cases that return
case content other than the network: the child's consents, explainAccess, and people
search. The oracle is `Policy.decide` on facts worked out from the drawn case.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from neo4j import Driver

from graph.model import AgencyKind
from policies import Action, BasisFacts, Policy, ResourceKind
from protection.audit_trail import AuditTrail
from services.consent import ConsentService
from services.network import NetworkService
from services.paging import Page
from services.principal import Principal
from services.refusals import NotPermitted
from services.search import SearchService
from tests.policies.test_compiled_filter_property import CHILD, POLICY, Case, agency_id, cases, facts, write_case

OFFICE_HOURS = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
CHILD_NAME = "Zebedee"

NAME_CHILD_AND_CONSENT_GIVER = """
MATCH (c:Person {id: $child})<-[:PARENT_OF]-(mother:Person {id: 'a-1'})
SET c.given_name = $name, c.family_name = 'Quill', c.dob = date('2015-03-02')
WITH c, mother
MATCH (k:Consent)-[:COVERS]->(c)
CREATE (mother)-[:GAVE]->(k)
"""


def principal(case: Case) -> Principal:
    return Principal(
        professional_id="reader", name="Reader", agency_id=agency_id(case.reader_agency),
        agency_kind=case.reader_agency.value, team_id="t-1", team_service="MASH", roles=(case.role.value,),
    )


def child_facts(case: Case) -> BasisFacts:
    """The child-level facts: children's services' own, as a consent or an explanation of the child sees them."""
    return facts(case, AgencyKind.CHILDRENS_SERVICES)


def search_facts(case: Case) -> BasisFacts:
    """A candidate is judged through every child of its households, as it appears in their networks.

    OWN_AGENCY also holds where the reader's agency holds a record about the child. The
    sibling c-2, who lives or lived in the child's household, is allocated to the reader's
    teammate in every drawn case, so ALLOCATED holds through it unless the child itself is
    restricted to others.
    """
    own_record = any(person == CHILD and holder is case.reader_agency for person, holder in case.records)
    found = child_facts(case)
    return BasisFacts(
        own_agency=found.own_agency or (own_record and not case.shut_out), consent=found.consent,
        override=found.override, allocated=not case.shut_out, break_glass=found.break_glass,
    )


def prepare(driver: Driver, case: Case) -> None:
    write_case(driver, case)
    driver.execute_query(NAME_CHILD_AND_CONSENT_GIVER, child=CHILD, name=CHILD_NAME)


_settings = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def trail() -> AuditTrail:
    return AuditTrail(Ed25519PrivateKey.generate())


@pytest.mark.slow
@_settings
@given(case=cases)
def test_a_childs_consents_are_read_exactly_when_casbin_allows_on_this_childs_facts(
    graph_db: Driver, case: Case
) -> None:
    prepare(graph_db, case)
    service = ConsentService(graph_db, database="neo4j", policy=POLICY, audit_sink=trail(), clock=lambda: OFFICE_HOURS)

    found = service.consents(principal(case), child_id=CHILD, first=100, after=None)

    decision = POLICY.decide([case.role.value], ResourceKind.CONSENT, Action.READ, child_facts(case))
    if not POLICY.allowed_bases([case.role.value], ResourceKind.CONSENT, Action.READ):
        assert isinstance(found, NotPermitted)
    elif decision.discloses_content:
        assert isinstance(found, Page)
        assert {c.id for c in found.items} == {f"k-{i}" for i in range(len(case.consents))}
    else:
        assert found == Page.empty()


@pytest.mark.slow
@_settings
@given(case=cases)
def test_explain_access_for_the_child_gives_casbins_decision_on_this_childs_facts(
    graph_db: Driver, case: Case
) -> None:
    prepare(graph_db, case)
    service = NetworkService(graph_db, database="neo4j", policy=POLICY, audit_sink=trail())

    explained = service.explain(principal(case), CHILD, child_id=None)

    decision = POLICY.decide([case.role.value], ResourceKind.PERSON, Action.READ, child_facts(case))
    assert (explained.allowed, explained.basis) == (
        decision.discloses_content, decision.basis.value if decision.basis else None
    )


@pytest.mark.slow
@_settings
@given(case=cases)
def test_people_search_lists_the_child_exactly_when_casbin_allows_and_on_its_basis(
    graph_db: Driver, case: Case
) -> None:
    prepare(graph_db, case)
    service = SearchService(graph_db, database="neo4j", policy=POLICY, audit_sink=trail())
    readable = Policy().compile_read_filter([case.role.value])

    page = service.search_people(principal(case), name=CHILD_NAME, dob=None, first=10, after=None, request_id="r")

    if not readable.get("person"):
        assert isinstance(page, NotPermitted)
        return
    assert isinstance(page, Page)
    decision = POLICY.decide([case.role.value], ResourceKind.PERSON, Action.READ, search_facts(case))
    listed = {c.id: c.basis for c in page.items}
    if decision.discloses_content:
        assert decision.basis is not None
        assert listed == {CHILD: decision.basis.value}
    else:
        assert listed == {}
