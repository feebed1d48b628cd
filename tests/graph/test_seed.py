from __future__ import annotations

from collections import Counter
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from devtools import demo_city
from graph.model import AllocationRole, GraphBatch, PersonKind, Role, Service

# Only what the seed writes: migrations may add bookkeeping nodes of their own.
NODE_COUNTS: LiteralString = """
MATCH (n) UNWIND labels(n) AS label
WITH label WHERE label IN $labels
RETURN label, count(*) AS n
"""

RELATIONSHIP_COUNTS: LiteralString = """
MATCH ()-[r]->() WITH type(r) AS type WHERE type IN $types
RETURN type, count(*) AS n
"""

SEEDED_LABELS = ["Agency", "Team", "Professional", "Person", "Child", "Adult", "Household",
                 "AgencyRecord", "Workbook"]
SEEDED_TYPES = ["PART_OF", "MEMBER_OF", "LIVES_IN", "PARENT_OF", "SIBLING_OF", "PARTNER_OF",
                "CARER_OF", "RELATIVE_OF", "ALLOCATED_TO", "HELD_BY", "ABOUT", "FOR"]

LIVES_IN: LiteralString = """
MATCH (p:Person)-[l:LIVES_IN]->(h:Household)
WHERE p.id STARTS WITH $family
RETURN p.id, h.id, l.until IS NULL
"""

PARENTS: LiteralString = """
MATCH (a:Adult)-[r:PARENT_OF]->(:Child {id: $child_id})
RETURN a.id, r.parental_responsibility
"""

CURRENT_HOMES: LiteralString = """
MATCH (:Person {id: $person_id})-[l:LIVES_IN]->(h:Household) WHERE l.until IS NULL
RETURN h.id
"""

COUNCIL_TEAMS: LiteralString = """
MATCH (t:Team)-[:PART_OF]->(:Agency {id: $agency_id})
RETURN t.id, t.service
"""

AGENCIES_WITH_MASH_OFFICERS: LiteralString = """
MATCH (:Professional)-[:MEMBER_OF]->(:Team {service: 'PARTNER_MASH'})-[:PART_OF]->(a:Agency)
RETURN DISTINCT a.id
"""

PARTNER_AGENCIES: LiteralString = """
MATCH (a:Agency) WHERE a.kind <> 'CHILDRENS_SERVICES'
RETURN a.id
"""

PROFESSIONALS: LiteralString = """
MATCH (p:Professional)-[:MEMBER_OF]->(t:Team)
WHERE p.id IN $ids
RETURN p.id, p.roles[0], t.id
"""

TEAM_DISCIPLINES: LiteralString = """
MATCH (p:Professional)-[:MEMBER_OF]->(:Team {id: $team_id})
RETURN DISTINCT p.discipline
"""

HOUSEHOLDS_AND_CHILDREN: LiteralString = """
RETURN COUNT { MATCH (h:Household) WHERE h.id ENDS WITH '-a' } AS homes,
       COUNT { MATCH (c:Child) } AS children
"""

HOLDERS_OF_RECORDS_ABOUT_HOUSEHOLD: LiteralString = """
MATCH (a:Agency)<-[:HELD_BY]-(:AgencyRecord)-[:ABOUT]->(:Person)-[:LIVES_IN]->
      (:Household {id: $household_id})
RETURN DISTINCT a.id
"""

ALLOCATIONS: LiteralString = """
MATCH (p:Professional)-[a:ALLOCATED_TO]->(:Child {id: $child_id})
RETURN p.id, a.role
"""

CARERS: LiteralString = """
MATCH (carer:Person)-[:CARER_OF]->(cared:Person)
WHERE carer.id STARTS WITH $family
RETURN carer.id, cared.id
"""

NODE_IDS: LiteralString = """
MATCH (n) WHERE any(label IN labels(n) WHERE label IN $labels)
RETURN count(n) AS nodes, count(DISTINCT n.id) AS ids
"""


def _rows(driver: Driver, query: LiteralString, **params: Any) -> set[tuple[Any, ...]]:
    records, _, _ = driver.execute_query(query, params, database_="neo4j")
    return {tuple(record.values()) for record in records}


def _counts(driver: Driver) -> tuple[dict[str, int], dict[str, int]]:
    return (dict(_rows(driver, NODE_COUNTS, labels=SEEDED_LABELS)),
            dict(_rows(driver, RELATIONSHIP_COUNTS, types=SEEDED_TYPES)))


def _node_ids(batch: GraphBatch) -> list[str]:
    kinds = (batch.agencies, batch.teams, batch.professionals, batch.people, batch.households,
             batch.records)
    return [item.id for kind in kinds for item in kind]


@pytest.fixture
def city(demo_city_db: Driver) -> GraphBatch:
    batch = demo_city.demo_city()
    return batch


class TestDeterminism:
    def test_same_seed_gives_an_identical_city(self) -> None:
        assert demo_city.demo_city(7) == demo_city.demo_city(7)

    def test_different_seed_gives_a_different_city(self) -> None:
        assert demo_city.demo_city(7) != demo_city.demo_city(8)

    def test_demo_family_is_the_same_whatever_the_seed(self) -> None:
        def family(batch: GraphBatch) -> list[object]:
            return [p for p in batch.people if p.id.startswith("person-001-")]

        assert family(demo_city.demo_city(7)) == family(demo_city.demo_city(8))

    def test_same_seed_gives_an_identical_county(self) -> None:
        assert list(demo_city.county(300, seed=3)) == list(demo_city.county(300, seed=3))
        assert list(demo_city.county(300, seed=3)) != list(demo_city.county(300, seed=4))


def _workbooks_expected(city: GraphBatch) -> set[tuple[str, str]]:
    """(household, team) for each current home of a child case-held by a Family Safeguarding worker."""
    fs_teams = {t.id for t in city.teams if t.service is Service.FAMILY_SAFEGUARDING}
    team_of = {p.id: p.team_id for p in city.professionals if p.team_id in fs_teams}
    homes = {(lives.person_id, lives.household_id) for lives in city.lives_in if lives.until is None}
    return {
        (household, team_of[a.professional_id])
        for a in city.allocations
        if a.role is AllocationRole.CASE_HOLDER and a.professional_id in team_of
        for person, household in homes if person == a.child_id
    }


class TestDemoCityLoaded:
    def test_every_item_of_the_batch_is_in_the_graph(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        kinds = Counter(p.kind for p in city.people)
        workbooks = _workbooks_expected(city)
        expected_nodes = {
            "Agency": len(city.agencies), "Team": len(city.teams),
            "Professional": len(city.professionals), "Person": len(city.people),
            "Child": kinds[PersonKind.CHILD], "Adult": kinds[PersonKind.ADULT],
            "Household": len(city.households), "AgencyRecord": len(city.records),
            "Workbook": len({household for household, _ in workbooks}),
        }
        expected_relationships = {
            "PART_OF": len(city.teams), "MEMBER_OF": len(city.professionals),
            "LIVES_IN": len(city.lives_in), "PARENT_OF": len(city.parent_of),
            "SIBLING_OF": len(city.sibling_of), "PARTNER_OF": len(city.partner_of),
            "CARER_OF": len(city.carer_of), "RELATIVE_OF": len(city.relative_of),
            "ALLOCATED_TO": len(city.allocations), "HELD_BY": len(city.records) + len(workbooks),
            "ABOUT": len(city.records), "FOR": len({household for household, _ in workbooks}),
        }

        assert _counts(graph_db) == (expected_nodes, expected_relationships)

    def test_demo_family_lives_where_the_batch_says(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        expected = {
            (lives.person_id, lives.household_id, lives.until is None)
            for lives in city.lives_in if lives.person_id.startswith("person-001-")
        }

        assert _rows(graph_db, LIVES_IN, family="person-001-") == expected
        assert (demo_city.DEMO_FAMILY_CHILD_ID, demo_city.DEMO_FAMILY_HOUSEHOLD_ID, True) in expected
        assert (demo_city.DEMO_PARTNER_ID, demo_city.DEMO_FAMILY_HOUSEHOLD_ID, True) in expected

    def test_demo_child_has_a_mother_with_pr_and_a_father_without(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        parents = _rows(graph_db, PARENTS, child_id=demo_city.DEMO_FAMILY_CHILD_ID)

        assert parents == {(demo_city.DEMO_MOTHER_ID, True), (demo_city.DEMO_FATHER_ID, False)}
        assert parents == {
            (p.adult_id, p.parental_responsibility)
            for p in city.parent_of if p.child_id == demo_city.DEMO_FAMILY_CHILD_ID
        }

    def test_father_without_pr_lives_elsewhere(self, graph_db: Driver, city: GraphBatch) -> None:
        assert _rows(graph_db, CURRENT_HOMES, person_id=demo_city.DEMO_FATHER_ID) == {
            (demo_city.DEMO_FATHER_HOUSEHOLD_ID,)
        }

    def test_front_door_and_council_teams_exist_with_their_services(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        teams = _rows(graph_db, COUNCIL_TEAMS, agency_id=demo_city.COUNCIL_AGENCY_ID)

        assert {
            (demo_city.MASH_TEAM_ID, Service.CRS_MASH), (demo_city.EDT_TEAM_ID, Service.EDT),
            (demo_city.FS_TEAM_ID, Service.FAMILY_SAFEGUARDING),
            (demo_city.QUALITY_ASSURANCE_TEAM_ID, Service.QUALITY_ASSURANCE),
            (demo_city.SYSTEMS_TEAM_ID, Service.SYSTEMS),
        } <= teams
        services = Counter(service for _, service in teams)
        assert services[Service.FAMILY_SAFEGUARDING] >= 2
        assert services[Service.FAMILY_HUB] == 7
        council_services = set(Service) - {Service.PARTNER_MASH, Service.PARTNER_SERVICE}
        assert set(services) == council_services

    def test_every_partner_agency_has_a_mash_officer(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        partners = _rows(graph_db, PARTNER_AGENCIES)

        assert len(partners) == 7
        assert _rows(graph_db, AGENCIES_WITH_MASH_OFFICERS) == partners

    def test_named_professionals_hold_their_roles_in_their_teams(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        expected = {
            (demo_city.MASH_SOCIAL_WORKER_ID, Role.MASH_SOCIAL_WORKER, demo_city.MASH_TEAM_ID),
            (demo_city.SECOND_MASH_SOCIAL_WORKER_ID, Role.MASH_SOCIAL_WORKER, demo_city.MASH_TEAM_ID),
            (demo_city.CRS_MANAGER_ID, Role.CRS_MANAGER, demo_city.MASH_TEAM_ID),
            (demo_city.SECOND_CRS_MANAGER_ID, Role.CRS_MANAGER, demo_city.MASH_TEAM_ID),
            (demo_city.EDT_PRACTITIONER_ID, Role.EDT_PRACTITIONER, demo_city.EDT_TEAM_ID),
            (demo_city.EDT_SENIOR_MANAGER_ID, Role.EDT_ON_CALL_SENIOR_MANAGER, demo_city.EDT_TEAM_ID),
            (demo_city.POLICE_OFFICER_ID, Role.POLICE_MASH_OFFICER, "team-police-mash"),
            (demo_city.HEALTH_OFFICER_ID, Role.HEALTH_MASH_OFFICER, "team-health-mash"),
            (demo_city.EDUCATION_OFFICER_ID, Role.EDUCATION_MASH_OFFICER, "team-education-mash"),
            (demo_city.PROBATION_OFFICER_ID, Role.PROBATION_MASH_OFFICER, "team-probation-mash"),
            (demo_city.HOUSING_OFFICER_ID, Role.HOUSING_MASH_OFFICER, "team-housing-mash"),
            (demo_city.YOUTH_JUSTICE_OFFICER_ID, Role.YOUTH_JUSTICE_MASH_OFFICER,
             "team-youth-justice-mash"),
            (demo_city.VOLUNTARY_WORKER_ID, Role.VOLUNTARY_SECTOR_WORKER, "team-voluntary-mash"),
            (demo_city.AUDITOR_ID, Role.AUDITOR, demo_city.QUALITY_ASSURANCE_TEAM_ID),
            (demo_city.ADMINISTRATOR_ID, Role.ADMINISTRATOR, demo_city.SYSTEMS_TEAM_ID),
            (demo_city.FS_TEAM_MANAGER_ID, Role.FAMILY_SAFEGUARDING_TEAM_MANAGER, demo_city.FS_TEAM_ID),
            (demo_city.FS_SOCIAL_WORKER_ID, Role.FAMILY_SAFEGUARDING_SOCIAL_WORKER, demo_city.FS_TEAM_ID),
            (demo_city.FS_DOMESTIC_ABUSE_WORKER_ID, Role.DOMESTIC_ABUSE_WORKER, demo_city.FS_TEAM_ID),
            (demo_city.FS_MENTAL_HEALTH_PRACTITIONER_ID, Role.ADULT_MENTAL_HEALTH_PRACTITIONER,
             demo_city.FS_TEAM_ID),
            (demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID, Role.SUBSTANCE_MISUSE_WORKER, demo_city.FS_TEAM_ID),
        }

        assert _rows(graph_db, PROFESSIONALS, ids=[pro_id for pro_id, _, _ in expected]) == expected

    def test_family_safeguarding_team_has_every_discipline(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        assert _rows(graph_db, TEAM_DISCIPLINES, team_id=demo_city.FS_TEAM_ID) == {
            ("management",), ("social_work",), ("domestic_abuse",), ("adult_mental_health",),
            ("substance_misuse",),
        }

    def test_there_are_fifty_families_with_one_to_four_children_each(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        ((homes, children),) = _rows(graph_db, HOUSEHOLDS_AND_CHILDREN)

        assert homes == demo_city.DEMO_CITY_FAMILIES
        assert demo_city.DEMO_CITY_FAMILIES <= children <= 4 * demo_city.DEMO_CITY_FAMILIES

    def test_demo_family_has_records_held_by_police_health_and_education(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        holders = _rows(graph_db, HOLDERS_OF_RECORDS_ABOUT_HOUSEHOLD,
                        household_id=demo_city.DEMO_FAMILY_HOUSEHOLD_ID)

        assert {(demo_city.POLICE_AGENCY_ID,), (demo_city.HEALTH_AGENCY_ID,),
                (demo_city.EDUCATION_AGENCY_ID,)} <= holders

    def test_demo_child_is_held_by_the_family_safeguarding_social_worker(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        assert _rows(graph_db, ALLOCATIONS, child_id=demo_city.DEMO_FAMILY_CHILD_ID) == {
            (demo_city.FS_SOCIAL_WORKER_ID, "case_holder")
        }

    def test_demo_young_carer_cares_for_the_mother(
        self, graph_db: Driver, city: GraphBatch
    ) -> None:
        assert _rows(graph_db, CARERS, family="person-001-") == {
            (demo_city.DEMO_YOUNG_CARER_ID, demo_city.DEMO_MOTHER_ID)
        }


class TestLoadingTwice:
    def test_second_load_duplicates_nothing(self, graph_db: Driver, city: GraphBatch) -> None:
        before = _counts(graph_db)

        demo_city.load(graph_db, [demo_city.demo_city()])

        assert _counts(graph_db) == before


class TestLoad:
    def test_returns_and_reports_every_item_written(self, graph_db: Driver) -> None:
        progress: list[int] = []

        written = demo_city.load(graph_db, demo_city.county(120, chunk_families=50), batch_size=500,
                            on_progress=progress.append)

        assert written == sum(progress) == demo_city.count_items(demo_city.county(120))


class TestCounty:
    def test_families_have_realistic_proportions(self) -> None:
        families = 2_000
        batch = GraphBatch()
        for chunk in demo_city.county(families):
            batch.extend(chunk)
        children = sum(1 for p in batch.people if p.kind is PersonKind.CHILD)
        allocated = {a.child_id for a in batch.allocations}

        assert 1.9 <= children / families <= 2.3
        assert 3.6 <= len(batch.people) / children <= 4.4
        assert 1.0 <= len(batch.records) / families <= 4.5
        assert 0.2 <= len(allocated) / children <= 0.7

    def test_one_case_holding_professional_per_about_forty_families(self) -> None:
        first = next(demo_city.county(4_000))
        case_holders = [
            p for p in first.professionals
            if p.roles[0] in {Role.FAMILY_SAFEGUARDING_SOCIAL_WORKER, Role.SOCIAL_WORKER}
        ]

        assert 30 <= 4_000 / len(case_holders) <= 50

    def test_organisation_comes_once_in_the_first_chunk(self) -> None:
        chunks = list(demo_city.county(500, chunk_families=200))

        assert [len(c.agencies) > 0 for c in chunks] == [True, False, False]
        assert [len({h.id[:-2] for h in c.households}) for c in chunks] == [200, 200, 100]

    def test_loads_beside_the_demo_city_without_sharing_an_id(self, graph_db: Driver) -> None:
        city = demo_city.demo_city()
        county = list(demo_city.county(500))
        ids = _node_ids(city) + [i for chunk in county for i in _node_ids(chunk)]
        everything = GraphBatch()
        for batch in (city, *county):
            everything.extend(batch)
        ids += sorted({f"workbook-{household}" for household, _ in _workbooks_expected(everything)})

        demo_city.load(graph_db, [city, *county])

        assert _rows(graph_db, NODE_IDS, labels=SEEDED_LABELS) == {(len(ids), len(set(ids)))}
        assert len(set(ids)) == len(ids)
