"""The test suite's own Neo4j: fetched through Maven, started on a free port, stopped at the end.

Every test gets an empty, migrated database (`graph_db`), so tests never see each other's
data. Schema is kept between tests that use the migrated graph, because re-creating
constraints for each test would dominate the suite's time; migration tests start empty.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import LiteralString, cast

import pytest
from neo4j import Driver, Query

from config.settings import PROJECT_ROOT, Settings
from devtools import local_neo4j
from graph import migrations
from graph.driver import connect

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
TEST_PASSWORD = "hub-test-password"
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@pytest.fixture(scope="session")
def neo4j_lib() -> Path:
    settings = Settings()
    return local_neo4j.fetch_distribution(settings.neo4j_cache_dir, settings.neo4j_version)


@pytest.fixture(scope="session")
def neo4j_server(neo4j_lib: Path) -> Iterator[local_neo4j.LocalNeo4j]:
    with tempfile.TemporaryDirectory(prefix="hub-test-neo4j-") as home:
        instance = local_neo4j.LocalNeo4j(
            home=Path(home),
            lib_dir=neo4j_lib,
            bolt_port=local_neo4j.free_port(),
            password=TEST_PASSWORD,
            heap="1g",
            pagecache="512m",
        )
        instance.start()
        try:
            yield instance
        finally:
            instance.stop()


@pytest.fixture(scope="session")
def test_settings(
    neo4j_server: local_neo4j.LocalNeo4j, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        neo4j_uri=neo4j_server.uri,
        neo4j_password=TEST_PASSWORD,
        neo4j_home=neo4j_server.home,
        dev_keys_dir=tmp_path_factory.mktemp("keys"),
    )


@pytest.fixture(scope="session")
def session_driver(test_settings: Settings) -> Iterator[Driver]:
    driver = connect(
        test_settings.neo4j_uri,
        test_settings.neo4j_user,
        test_settings.neo4j_password.get_secret_value(),
    )
    try:
        yield driver
    finally:
        driver.close()


def reset_database(driver: Driver, database: str = "neo4j") -> None:
    """Empties the database: data, then every constraint and index a test may have made."""
    with driver.session(database=database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    schema_listings = (
        ("CONSTRAINT", "SHOW CONSTRAINTS YIELD name"),
        ("INDEX", "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'"),
    )
    for kind, show in schema_listings:
        records, _, _ = driver.execute_query(cast(LiteralString, show), database_=database)
        for record in records:
            name = record["name"]
            # Schema names come from Neo4j itself, not from input; checked before use all the same.
            assert _SCHEMA_NAME.match(name), name
            statement = f"DROP {kind} {name} IF EXISTS"
            driver.execute_query(Query(cast(LiteralString, statement)), database_=database)


@pytest.fixture
def empty_db(session_driver: Driver) -> Driver:
    reset_database(session_driver)
    return session_driver


@pytest.fixture
def graph_db(session_driver: Driver) -> Driver:
    with session_driver.session(database="neo4j") as session:
        session.run(
            "MATCH (n) WHERE NOT n:__Neo4jMigration "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    migrations.migrate(session_driver, MIGRATIONS_DIR, database="neo4j")
    return session_driver
