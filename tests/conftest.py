"""The test suite's own Neo4j, the graphs its tests start from, and the hub over them.

Neo4j is fetched through Maven, started on a free port and stopped at the end. A test asks
for the graph it starts from by the fixture it takes:

- `graph_db`: empty but migrated;
- `demo_city_db`: the demo city, its record summaries not stored;
- `sealed_city_db`: the demo city with every summary sealed under the test keys;
- `empty_db`: nothing at all, not even the schema (the migration tests).

Each graph is built once per session and captured (`tests.graph_state`); before every test
the database is put back to exactly the graph it asked for, whatever the last test did, so
tests never see each other's data and none pays for loading the city again.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import LiteralString, cast

import pytest
from neo4j import Driver, Query

from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city, local_neo4j
from graph import migrations
from graph.driver import connect
from services.key_material import keyring
from tests.graph_state import GraphState

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


class SeededGraphs:
    """The graphs tests start from, each built the first time it is asked for and put back after."""

    MIGRATED = "migrated"
    DEMO_CITY = "demo city"
    SEALED_CITY = "demo city, summaries sealed"

    def __init__(self, driver: Driver, settings: Settings) -> None:
        self._driver = driver
        self._builds: dict[str, Callable[[Driver], object]] = {
            self.MIGRATED: lambda _: None,
            self.DEMO_CITY: lambda d: demo_city.load(d, [demo_city.demo_city()], database="neo4j"),
            self.SEALED_CITY: lambda d: demo_city.load(
                d, [demo_city.demo_city()], database="neo4j", sealer=keyring(settings),
            ),
        }
        self._states: dict[str, GraphState] = {}

    def start_from(self, name: str) -> Driver:
        state = self._states.get(name)
        if state is None:
            reset_database(self._driver)
            migrations.migrate(self._driver, MIGRATIONS_DIR, database="neo4j")
            self._builds[name](self._driver)
            self._states[name] = GraphState.capture(self._driver, name)
        else:
            state.restore(self._driver)
        return self._driver

    def state(self, name: str) -> GraphState:
        return self._states[name]


@pytest.fixture(scope="session")
def seeded_graphs(session_driver: Driver, test_settings: Settings) -> SeededGraphs:
    return SeededGraphs(session_driver, test_settings)


# The fixtures that name a seeded graph, most specific first: a test taking one of them
# (itself or through another fixture) starts from that graph rather than the empty one.
_SEEDED_BY_FIXTURE = (
    ("sealed_city_db", SeededGraphs.SEALED_CITY),
    ("demo_city_db", SeededGraphs.DEMO_CITY),
)


@pytest.fixture
def graph_db(request: pytest.FixtureRequest, seeded_graphs: SeededGraphs) -> Driver:
    wanted = next(
        (name for fixture, name in _SEEDED_BY_FIXTURE if fixture in request.fixturenames), SeededGraphs.MIGRATED,
    )
    return seeded_graphs.start_from(wanted)


@pytest.fixture
def demo_city_db(graph_db: Driver) -> Driver:
    return graph_db


@pytest.fixture
def sealed_city_db(graph_db: Driver) -> Driver:
    return graph_db

