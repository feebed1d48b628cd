from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from neo4j import Driver

from graph import migrations
from tests.conftest import MIGRATIONS_DIR


def _constraint_names(driver: Driver) -> set[str]:
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name")
    return {r["name"] for r in records}


def _index_names(driver: Driver) -> set[str]:
    records, _, _ = driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")
    return {r["name"] for r in records}


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    return folder


class TestFromEmpty:
    def test_applies_every_file_in_order_and_records_the_chain(self, empty_db: Driver) -> None:
        applied_now = migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")

        expected = [m.version for m in migrations.discover(MIGRATIONS_DIR)]
        assert [m.version for m in applied_now] == expected
        recorded = migrations.applied(empty_db, database="neo4j")
        assert [(r.version, r.source) for r in recorded] == [(m.version, m.source) for m in applied_now]
        assert [r.checksum for r in recorded] == [m.checksum for m in applied_now]

    def test_creates_unique_ids_and_the_name_search_index(self, empty_db: Driver) -> None:
        migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")

        assert {"person_id", "agency_id", "team_id", "professional_id", "household_id"} <= _constraint_names(empty_db)
        assert "person_names" in _index_names(empty_db)


class TestRepeated:
    def test_second_run_applies_nothing_and_keeps_one_chain(self, empty_db: Driver) -> None:
        migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")
        again = migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")

        assert again == []
        records, _, _ = empty_db.execute_query("MATCH (m:__Neo4jMigration) RETURN count(m) AS n")
        assert records[0]["n"] == len(migrations.discover(MIGRATIONS_DIR)) + 1

    def test_new_file_is_applied_after_the_existing_chain(self, empty_db: Driver, tmp_path: Path) -> None:
        folder = _copy(tmp_path)
        migrations.migrate(empty_db, folder, database="neo4j")
        (folder / "V900__add_a_marker.cypher").write_text("CREATE (:Marker {id: 'm1'});\n")

        applied_now = migrations.migrate(empty_db, folder, database="neo4j")

        assert [m.version for m in applied_now] == ["900"]
        assert migrations.applied(empty_db, database="neo4j")[-1].source == "V900__add_a_marker.cypher"


class TestChangedFile:
    def test_changed_applied_file_is_refused_naming_it(self, empty_db: Driver, tmp_path: Path) -> None:
        folder = _copy(tmp_path)
        migrations.migrate(empty_db, folder, database="neo4j")
        first = sorted(folder.glob("V001__*.cypher"))[0]
        first.write_text(first.read_text() + "\n// an edit\n")

        with pytest.raises(migrations.MigrationChanged, match=first.name):
            migrations.migrate(empty_db, folder, database="neo4j")


class TestFailure:
    def test_failing_statement_is_named_and_earlier_migrations_stay(self, empty_db: Driver, tmp_path: Path) -> None:
        folder = _copy(tmp_path)
        (folder / "V900__broken.cypher").write_text(
            "CREATE (:Marker {id: 'ok'});\nTHIS IS NOT CYPHER;\n"
        )

        with pytest.raises(migrations.MigrationFailed, match=r"V900__broken.cypher: statement 2"):
            migrations.migrate(empty_db, folder, database="neo4j")

        versions = [r.version for r in migrations.applied(empty_db, database="neo4j")]
        assert versions == [m.version for m in migrations.discover(MIGRATIONS_DIR)]
        records, _, _ = empty_db.execute_query("MATCH (l:__Neo4jMigrationsLock) RETURN count(l) AS n")
        assert records[0]["n"] == 0


class TestLock:
    def test_a_held_lock_stops_a_second_migrator(self, empty_db: Driver) -> None:
        migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")
        empty_db.execute_query(
            "CREATE (:__Neo4jMigrationsLock {name: 'hub', owner: 'other@host', locked_at: datetime()})"
        )

        with pytest.raises(migrations.MigrationLocked, match="other@host"):
            migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j")

        migrations.break_lock(empty_db, database="neo4j")
        assert migrations.migrate(empty_db, MIGRATIONS_DIR, database="neo4j") == []

    def test_bad_file_name_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "add_things.cypher").write_text("RETURN 1;")
        with pytest.raises(migrations.MigrationError, match=r"add_things\.cypher"):
            migrations.discover(tmp_path)
