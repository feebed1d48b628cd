"""The @neo4j/graphql peer on a tiny county: it starts, answers the hub's question, and its
answers are checked against the hand-written Cypher and the hub before anything is timed.

Correctness only, never speed. The library needs APOC, which the suite's Neo4j lacks, so these
tests start a Neo4j of their own with it (benchmarks/apoc.py), as `hub bench run` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import SecretStr

from benchmarks import apoc, county, handwritten, harness, peer_graphql
from config.settings import Settings
from devtools import local_neo4j
from graph import migrations
from graph.driver import connect
from policies import POLICY_PATH

TINY = county.CountyParameters(families=12, seed=5, chunk_families=5)
PASSWORD = "hub-peer-test-password"

pytestmark = pytest.mark.skipif(
    peer_graphql.unavailable_reason() is not None, reason=peer_graphql.unavailable_reason() or ""
)


@pytest.fixture(scope="module")
def apoc_neo4j(neo4j_lib: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_neo4j.LocalNeo4j]:
    settings = Settings()
    jars = apoc.fetch(settings.neo4j_cache_dir, neo4j_lib)
    home = tmp_path_factory.mktemp("peer-neo4j")
    apoc.install_plugins(home, jars)
    instance = local_neo4j.LocalNeo4j(
        home=home, lib_dir=apoc.lib_with_apoc(neo4j_lib, jars), bolt_port=local_neo4j.free_port(),
        password=PASSWORD, heap="512m", pagecache="256m",
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def peer_settings(apoc_neo4j: local_neo4j.LocalNeo4j, test_settings: Settings) -> Settings:
    return test_settings.model_copy(update={
        "neo4j_uri": apoc_neo4j.uri, "neo4j_password": SecretStr(PASSWORD), "neo4j_home": apoc_neo4j.home,
    })


@pytest.fixture(scope="module")
def tiny_driver(peer_settings: Settings) -> Iterator[Driver]:
    driver = connect(peer_settings.neo4j_uri, peer_settings.neo4j_user, PASSWORD)
    migrations.migrate(driver, county.MIGRATIONS_DIR, database="neo4j")
    county.ensure_county(driver, TINY, database="neo4j")
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(scope="module")
def cast(tiny_driver: Driver) -> harness.Cast:
    return harness._cast(tiny_driver, "neo4j", harness.RunOptions(samples=8, warmup=1))


@pytest.fixture(scope="module")
def running(
    peer_settings: Settings, tiny_driver: Driver, cast: harness.Cast, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[harness.ApiProcess, peer_graphql.Peers]]:
    folder = tmp_path_factory.mktemp("peer-run")
    agency_id = peer_graphql.agency_of(tiny_driver, cast.social_worker, database="neo4j")
    with (
        harness.api_process(peer_settings, name="policy", policy=POLICY_PATH, folder=folder) as api,
        peer_graphql.peers(peer_settings, folder=folder, professional_id=cast.social_worker,
                           agency_id=agency_id) as started,
    ):
        yield api, started


class TestTheInstance:
    def test_it_has_the_apoc_functions_the_library_requires(self, tiny_driver: Driver) -> None:
        assert apoc.present(tiny_driver, database="neo4j")


class TestAnswers:
    def test_without_authorization_it_finds_the_people_and_records_of_the_hand_written_cypher(
        self, running: tuple[harness.ApiProcess, peer_graphql.Peers], tiny_driver: Driver, cast: harness.Cast,
    ) -> None:
        _, started = running
        client, _ = started.clients()
        for child in cast.children:
            answer = client.network(child["id"])

            assert answer is not None, client.last_failure
            found = peer_graphql.found_by_peer(answer)
            by_hand = peer_graphql.found_by_hand(handwritten.family_network(tiny_driver, child["id"], database="neo4j"))
            assert found == by_hand
            assert child["id"] in found.people
        client.close()

    def test_with_authorization_it_returns_only_the_records_of_the_agency_its_token_names(
        self, running: tuple[harness.ApiProcess, peer_graphql.Peers], tiny_driver: Driver, cast: harness.Cast,
    ) -> None:
        _, started = running
        _, client = started.clients()
        held = 0
        for child in cast.children:
            answer = client.network(child["id"])

            assert answer is not None, client.last_failure
            agencies = {r["agency"]["id"] for m in answer["network"] for r in m["records"]}
            assert agencies <= {started.agency_id}
            held += len(peer_graphql.found_by_peer(answer).records)
        assert held > 0
        client.close()

    def test_a_token_the_peer_did_not_sign_shows_no_record(
        self, running: tuple[harness.ApiProcess, peer_graphql.Peers], cast: harness.Cast,
    ) -> None:
        _, started = running
        forged = peer_graphql.token_for("another key entirely, not the run's", professional_id=cast.social_worker,
                                        agency_id=started.agency_id)
        client = peer_graphql.PeerClient(started.authorization.port, token=forged)

        answers = [client.network(child["id"]) for child in cast.children]

        assert all(answer is not None for answer in answers), client.last_failure
        assert not any(r for answer in answers if answer for m in answer["network"] for r in m["records"])
        client.close()


class TestComparison:
    def test_the_checks_pass_and_every_variant_is_timed_without_errors(
        self, running: tuple[harness.ApiProcess, peer_graphql.Peers], tiny_driver: Driver, cast: harness.Cast,
        peer_settings: Settings,
    ) -> None:
        api, started = running
        tokens = harness._tokens(peer_settings, cast)
        hub = harness.GraphQLClient(api.port, tokens)
        options = harness.RunOptions(samples=8, warmup=1)

        figures = harness._family_network(
            tiny_driver, database="neo4j", client_on=hub, client_off=hub, cast=cast, options=options, peers=started,
        )
        throughput = harness._network_throughput(api.port, tokens, cast, started, clients=3, seconds=1.0)

        assert figures["errors"] == {}
        for variant in ("peer_open", "peer_authorization"):
            assert figures[variant]["n"] == len(cast.children) - options.warmup
            assert 0 < figures[variant]["p50_ms"] <= figures[variant]["p95_ms"]
            assert figures[f"ratio_graphql_to_{variant}_p50"] > 0
        assert set(throughput) == {"hub", "peer_open", "peer_authorization"}
        assert all(t["errors"] == 0 and t["requests"] > 0 for t in throughput.values())
        hub.close()

    def test_the_checks_fail_when_the_peer_is_asked_as_another_agency(
        self, running: tuple[harness.ApiProcess, peer_graphql.Peers], tiny_driver: Driver, cast: harness.Cast,
        peer_settings: Settings,
    ) -> None:
        api, started = running
        hub = harness.GraphQLClient(api.port, harness._tokens(peer_settings, cast))
        # The hub is asked as the social worker; the peer told it serves another agency's caller.
        elsewhere = peer_graphql.Peers(open=started.open, authorization=started.authorization,
                                       token=started.token, agency_id="agency-that-holds-nothing")
        opened, authorised = started.clients()

        with pytest.raises(harness.BenchmarkError, match="peer with authorization vs the hub"):
            harness._check_peer(tiny_driver, "neo4j", hub, cast, elsewhere, peer_open=opened,
                                peer_authorization=authorised)
        hub.close()
        opened.close()
        authorised.close()


class TestWithoutNode:
    def test_the_peer_is_skipped_with_a_reason_when_node_is_not_on_the_path(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))

        assert peer_graphql.unavailable_reason() == (
            "Node.js is not installed: the @neo4j/graphql peer is skipped (install Node.js 20 or later)")
