"""`hub import people` as an administrator runs it, against the demo city in the real Neo4j:
a council's agencies, teams, professionals and allocations come in from CSV, a second import
changes nothing and says so, a dry run writes nothing, and a bad line is named with nothing
written. The import is one audit event by the operator, and the chain still verifies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, LiteralString, NamedTuple

import pytest
from neo4j import Driver
from typer.testing import Result

from config.settings import Settings
from devtools import demo_city
from services.composition import assemble, audit_trail
from services.principal import PrincipalLookup
from tests.api.protected_hub import run_hub_command
from tests.graph_state import FINGERPRINTS

AGENCIES = """id,name,kind
agency-marshfield,Marshfield Borough Council Children's Services,CHILDRENS_SERVICES
agency-marshfield-police,Marshfield Police,POLICE
"""
TEAMS = """id,name,service,agency_id
team-marshfield-mash,Marshfield MASH,CRS_MASH,agency-marshfield
team-marshfield-fs,Marshfield Family Safeguarding,FAMILY_SAFEGUARDING,agency-marshfield
team-marshfield-police,Marshfield Police Safeguarding Hub,PARTNER_MASH,agency-marshfield-police
"""
PROFESSIONALS = """id,name,roles,team_id,external_id,discipline
pro-m-001,Grace Obi,mash_social_worker,team-marshfield-mash,grace.obi@marshfield.example,social_work
pro-m-002,Leon Marsh,crs_manager;mash_social_worker,team-marshfield-mash,,management
pro-m-003,Ruth Avery,family_safeguarding_social_worker,team-marshfield-fs,ruth.avery@marshfield.example,social_work
pro-m-004,DC Imran Ali,police_mash_officer,team-marshfield-police,,police
"""
ALLOCATIONS = """professional_id,child_id,role,since
pro-m-003,{child},case_holder,2026-01-05
"""

# A child no one is allocated to, at home in a household without a workbook.
UNALLOCATED_CHILD: LiteralString = """
MATCH (c:Person:Child)-[l:LIVES_IN]->(h:Household)
WHERE l.until IS NULL AND NOT EXISTS { (:Professional)-[:ALLOCATED_TO]->(c) }
  AND NOT EXISTS { (:Workbook)-[:FOR]->(h) }
RETURN c.id AS child_id, c.given_name AS given_name, c.family_name AS family_name, h.id AS household_id
ORDER BY child_id LIMIT 1
"""
PROFESSIONALS_IN: LiteralString = """
MATCH (p:Professional)-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(a:Agency)
WHERE p.id STARTS WITH 'pro-m-'
RETURN p.id AS id, p.name AS name, p.roles AS roles, t.id AS team, a.id AS agency, p.external_id AS external_id,
       p.discipline AS discipline
"""
ALLOCATIONS_OF: LiteralString = """
MATCH (p:Professional)-[a:ALLOCATED_TO|WAS_ALLOCATED_TO]->(:Child {id: $child_id})
RETURN p.id AS professional_id, type(a) AS kind, a.role AS role, toString(a.since) AS since
"""
WORKBOOK_FOR: LiteralString = """
MATCH (w:Workbook)-[:FOR]->(:Household {id: $household_id}), (w)-[:HELD_BY]->(t:Team) RETURN t.id AS team
"""
IMPORT_EVENTS: LiteralString = """
MATCH (e:AuditEvent {action: 'people.imported'}) RETURN e.actor AS actor, e.targets AS targets ORDER BY e.seq
"""


class Council:
    """The files of a council's people, in a folder, each changeable before an import."""

    def __init__(self, folder: Path, child_id: str) -> None:
        self.folder = folder
        self.files = {
            "agencies.csv": AGENCIES, "teams.csv": TEAMS, "professionals.csv": PROFESSIONALS,
            "allocations.csv": ALLOCATIONS.format(child=child_id),
        }
        self.write()

    def write(self) -> None:
        self.folder.mkdir(exist_ok=True)
        for name, content in self.files.items():
            (self.folder / name).write_text(content, encoding="utf-8")

    def change(self, name: str, old: str, new: str) -> None:
        assert old in self.files[name]
        self.files[name] = self.files[name].replace(old, new, 1)
        self.write()


@pytest.fixture
def child(demo_city_db: Driver) -> dict[str, Any]:
    records, _, _ = demo_city_db.execute_query(UNALLOCATED_CHILD, database_="neo4j")
    return dict(records[0])


@pytest.fixture
def council(tmp_path: Path, child: dict[str, Any]) -> Council:
    return Council(tmp_path / "marshfield", str(child["child_id"]))


@pytest.fixture
def hub_import(
    monkeypatch: pytest.MonkeyPatch, test_settings: Settings
) -> Callable[..., Result]:
    def run(*arguments: str) -> Result:
        return run_hub_command(monkeypatch, test_settings, "import", "people", *arguments, "--by", "ben")

    return run


def fingerprints(driver: Driver) -> tuple[list[Any], list[Any]]:
    records, _, _ = driver.execute_query(FINGERPRINTS, database_="neo4j")
    return sorted(map(str, records[0]["nodes"])), sorted(map(str, records[0]["relationships"]))


def professionals(driver: Driver) -> set[tuple[Any, ...]]:
    records, _, _ = driver.execute_query(PROFESSIONALS_IN, database_="neo4j")
    return {
        (r["id"], r["name"], tuple(r["roles"]), r["team"], r["agency"], r["external_id"], r["discipline"])
        for r in records
    }


def allocations(driver: Driver, child_id: str) -> set[tuple[str, str, str, str]]:
    records, _, _ = driver.execute_query(ALLOCATIONS_OF, child_id=child_id, database_="neo4j")
    return {(r["professional_id"], r["kind"], r["role"], r["since"]) for r in records}


def import_events(driver: Driver) -> list[tuple[str, list[str]]]:
    records, _, _ = driver.execute_query(IMPORT_EVENTS, database_="neo4j")
    return [(r["actor"], list(r["targets"])) for r in records]


def lines(result: Result) -> list[str]:
    return result.stdout.strip().splitlines()


class TestACouncilsPeopleComeIn:
    def test_its_agencies_teams_professionals_and_allocations_are_imported(
        self, demo_city_db: Driver, council: Council, child: dict[str, Any], hub_import: Callable[..., Result]
    ) -> None:
        result = hub_import(str(council.folder))

        assert result.exit_code == 0, result.output
        assert lines(result)[:5] == [
            "imported, and recorded in the audit chain as by operator:ben",
            "agencies: 2 created, 0 updated, 0 unchanged",
            "teams: 3 created, 0 updated, 0 unchanged",
            "professionals: 4 created, 0 updated, 0 unchanged",
            "allocations: 1 created, 0 updated, 0 unchanged, 0 ended",
        ]
        assert professionals(demo_city_db) == {
            ("pro-m-001", "Grace Obi", ("mash_social_worker",), "team-marshfield-mash", "agency-marshfield",
             "grace.obi@marshfield.example", "social_work"),
            ("pro-m-002", "Leon Marsh", ("crs_manager", "mash_social_worker"), "team-marshfield-mash",
             "agency-marshfield", None, "management"),
            ("pro-m-003", "Ruth Avery", ("family_safeguarding_social_worker",), "team-marshfield-fs",
             "agency-marshfield", "ruth.avery@marshfield.example", "social_work"),
            ("pro-m-004", "DC Imran Ali", ("police_mash_officer",), "team-marshfield-police",
             "agency-marshfield-police", None, "police"),
        }
        assert allocations(demo_city_db, child["child_id"]) == {
            ("pro-m-003", "ALLOCATED_TO", "case_holder", "2026-01-05"),
        }

    def test_a_case_holder_in_a_family_safeguarding_team_opens_the_familys_workbook(
        self, demo_city_db: Driver, council: Council, child: dict[str, Any], hub_import: Callable[..., Result]
    ) -> None:
        assert hub_import(str(council.folder)).exit_code == 0

        records, _, _ = demo_city_db.execute_query(
            WORKBOOK_FOR, household_id=child["household_id"], database_="neo4j",
        )
        assert [r["team"] for r in records] == ["team-marshfield-fs"]

    def test_the_import_is_one_audit_event_by_the_operator_with_its_counts_and_the_chain_verifies(
        self, demo_city_db: Driver, council: Council, test_settings: Settings, hub_import: Callable[..., Result]
    ) -> None:
        hub_import(str(council.folder))

        ((actor, targets),) = import_events(demo_city_db)
        assert actor == "operator:ben"
        assert targets[:4] == [
            "agencies: 2 created, 0 updated, 0 unchanged", "teams: 3 created, 0 updated, 0 unchanged",
            "professionals: 4 created, 0 updated, 0 unchanged",
            "allocations: 1 created, 0 updated, 0 unchanged, 0 ended",
        ]
        assert targets[4].startswith("sha256:") and len(targets) == 5
        assert audit_trail(test_settings).verify_online(demo_city_db).ok

    def test_the_files_may_be_named_one_by_one(
        self, demo_city_db: Driver, council: Council, hub_import: Callable[..., Result]
    ) -> None:
        result = hub_import(str(council.folder / "agencies.csv"), str(council.folder / "teams.csv"))

        assert result.exit_code == 0, result.output
        assert lines(result)[1:] == [
            "agencies: 2 created, 0 updated, 0 unchanged", "teams: 3 created, 0 updated, 0 unchanged",
            "created agency agency-marshfield: \"Marshfield Borough Council Children's Services\", CHILDRENS_SERVICES",
            "created agency agency-marshfield-police: 'Marshfield Police', POLICE",
            "created team team-marshfield-mash: 'Marshfield MASH', CRS_MASH, in agency-marshfield",
            "created team team-marshfield-fs: 'Marshfield Family Safeguarding', FAMILY_SAFEGUARDING, "
            "in agency-marshfield",
            "created team team-marshfield-police: 'Marshfield Police Safeguarding Hub', PARTNER_MASH, "
            "in agency-marshfield-police",
        ]


class TestImportingAgain:
    def test_a_second_import_of_the_same_files_changes_nothing_and_says_so(
        self, demo_city_db: Driver, council: Council, hub_import: Callable[..., Result]
    ) -> None:
        hub_import(str(council.folder))
        before = fingerprints(demo_city_db)

        again = hub_import(str(council.folder))

        assert again.exit_code == 0, again.output
        assert lines(again) == [
            "nothing to change: the hub already holds what the files say",
            "agencies: 0 created, 0 updated, 2 unchanged",
            "teams: 0 created, 0 updated, 3 unchanged",
            "professionals: 0 created, 0 updated, 4 unchanged",
            "allocations: 0 created, 0 updated, 1 unchanged, 0 ended",
        ]
        assert fingerprints(demo_city_db) == before
        assert len(import_events(demo_city_db)) == 1

    def test_what_changed_is_updated_and_named_and_a_move_keeps_the_old_team_in_the_history(
        self, demo_city_db: Driver, council: Council, hub_import: Callable[..., Result]
    ) -> None:
        hub_import(str(council.folder))
        council.change(
            "professionals.csv", "pro-m-001,Grace Obi,mash_social_worker,team-marshfield-mash",
            "pro-m-001,Grace Obi,family_safeguarding_social_worker,team-marshfield-fs",
        )

        result = hub_import(str(council.folder))

        assert "professionals: 0 created, 1 updated, 3 unchanged" in lines(result)
        assert (
            "updated professional pro-m-001: roles mash_social_worker -> family_safeguarding_social_worker; "
            "team team-marshfield-mash -> team-marshfield-fs"
        ) in lines(result)
        records, _, _ = demo_city_db.execute_query(
            "MATCH (:Professional {id: 'pro-m-001'})-[:WAS_MEMBER_OF]->(t:Team) RETURN t.id AS team",
            database_="neo4j",
        )
        assert [r["team"] for r in records] == ["team-marshfield-mash"]

    def test_a_new_case_holder_ends_the_allocation_of_the_one_before(
        self, demo_city_db: Driver, council: Council, child: dict[str, Any], hub_import: Callable[..., Result]
    ) -> None:
        hub_import(str(council.folder))
        council.change("allocations.csv", "pro-m-003,", "pro-m-002,")

        result = hub_import(str(council.folder))

        assert "allocations: 1 created, 0 updated, 0 unchanged, 1 ended" in lines(result)
        assert (
            f"ended allocation pro-m-003 to {child['child_id']}: case_holder: the case is now held by pro-m-002"
        ) in lines(result)
        assert allocations(demo_city_db, child["child_id"]) == {
            ("pro-m-002", "ALLOCATED_TO", "case_holder", "2026-01-05"),
            ("pro-m-003", "WAS_ALLOCATED_TO", "case_holder", "2026-01-05"),
        }


class TestADryRun:
    def test_says_what_would_change_and_writes_nothing(
        self, demo_city_db: Driver, council: Council, child: dict[str, Any], hub_import: Callable[..., Result]
    ) -> None:
        before = fingerprints(demo_city_db)

        result = hub_import(str(council.folder), "--dry-run")

        assert result.exit_code == 0, result.output
        shown = lines(result)
        assert shown[:5] == [
            "dry run: nothing was written",
            "agencies: 2 created, 0 updated, 0 unchanged",
            "teams: 3 created, 0 updated, 0 unchanged",
            "professionals: 4 created, 0 updated, 0 unchanged",
            "allocations: 1 created, 0 updated, 0 unchanged, 0 ended",
        ]
        assert (
            "created professional pro-m-002: 'Leon Marsh', crs_manager;mash_social_worker, in team-marshfield-mash"
        ) in shown
        assert f"created allocation pro-m-003 to {child['child_id']}: case_holder" in shown
        assert len(shown) == 5 + 2 + 3 + 4 + 1
        # Who the child is never appears: an allocation is ids and a role.
        assert child["given_name"] not in result.output and child["family_name"] not in result.output
        assert fingerprints(demo_city_db) == before


class BadLine(NamedTuple):
    """In file `name`, `old` becomes `new`: the import then refuses with `problem`."""

    name: str
    old: str
    new: str
    problem: str


class TestBadInputIsNamedAndNothingIsWritten:
    @pytest.mark.parametrize(
        "bad",
        [BadLine(*case) for case in [
            ("professionals.csv", "team-marshfield-mash,,management", "team-nowhere,,management",
             "professionals.csv line 3: unknown team 'team-nowhere': not in the hub nor in teams.csv"),
            ("professionals.csv", "Grace Obi,mash_social_worker", "Grace Obi,wizard",
             "professionals.csv line 2: unknown role 'wizard': not a role the policy names"),
            ("teams.csv", "team-marshfield-fs,", "team-marshfield-mash,",
             "teams.csv line 3: duplicate id 'team-marshfield-mash' (also on line 2)"),
            ("professionals.csv", "id,name,roles,team_id,", "id,name,roles,",
             "professionals.csv line 1: missing column 'team_id'"),
            ("agencies.csv", "Marshfield Police,POLICE", "Marshfield Police,CONSTABULARY",
             "agencies.csv line 3: unknown kind 'CONSTABULARY' (one of CHILDRENS_SERVICES, POLICE, HEALTH, "
             "EDUCATION, PROBATION, HOUSING, YOUTH_JUSTICE, VOLUNTARY)"),
            ("allocations.csv", "pro-m-003,person-", "pro-m-003,person-404-",
             "allocations.csv line 2: unknown child 'person-404-"),
            ("allocations.csv", "case_holder", "social_worker",
             "allocations.csv line 2: unknown role 'social_worker' (one of case_holder, co_allocated)"),
            ("professionals.csv", "grace.obi@marshfield.example", "ruth.avery@marshfield.example",
             "professionals.csv line 4: duplicate external id 'ruth.avery@marshfield.example' (also on line 2)"),
        ]],
        ids=["unknown team", "unknown role", "duplicate id", "missing column", "unknown agency kind",
             "unknown child", "unknown allocation role", "duplicate external id"],
    )
    def test_the_file_and_line_are_named_in_one_line_and_nothing_is_written(
        self, demo_city_db: Driver, council: Council, hub_import: Callable[..., Result], bad: BadLine,
    ) -> None:
        council.change(bad.name, bad.old, bad.new)
        before = fingerprints(demo_city_db)

        result = hub_import(str(council.folder))

        assert result.exit_code == 1
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {bad.problem}")
        assert "Traceback" not in result.output
        assert fingerprints(demo_city_db) == before

    def test_a_file_that_is_not_one_of_the_four_is_named(
        self, demo_city_db: Driver, council: Council, hub_import: Callable[..., Result]
    ) -> None:
        (council.folder / "staff.csv").write_text("id\n", encoding="utf-8")

        result = hub_import(str(council.folder))

        assert result.exit_code == 1
        assert result.stderr.strip().splitlines() == [
            "error: staff.csv: not one of agencies.csv, teams.csv, professionals.csv, allocations.csv"
        ]

    def test_a_leaver_is_not_brought_back(
        self, demo_city_db: Driver, council: Council, test_settings: Settings, hub_import: Callable[..., Result]
    ) -> None:
        hub_import(str(council.folder))
        hub = assemble(test_settings, driver=demo_city_db)
        administrator = PrincipalLookup(
            demo_city_db, database="neo4j", policy_sync=hub.policy_sync,
        ).principal(demo_city.ADMINISTRATOR_ID)
        assert administrator is not None
        hub.services.workforce.deactivate_professional(administrator, professional_id="pro-m-004", request_id="t-1")
        before = fingerprints(demo_city_db)

        result = hub_import(str(council.folder))

        assert result.exit_code == 1
        assert result.stderr.strip().splitlines() == [
            "error: professionals.csv line 5: pro-m-004 has left (deactivated): an import does not bring a leaver back"
        ]
        assert fingerprints(demo_city_db) == before
