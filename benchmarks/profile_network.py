"""Where the time of one `familyNetwork` request goes, stage by stage, in this process.

    python -m benchmarks.profile_network [--samples 200] [--pyinstrument profile.html]

Runs against the benchmark Neo4j (start it and load the graph with `hub bench county`). Each
stage adds one layer of the hub on top of the previous one, interleaved per child:

1. the hand-written Cypher (no access rules) through the driver;
2. the hub's network query (access rules compiled in) in a read transaction;
3. the same query in the write transaction the service uses, without the audit events;
4. the service call: the query plus the audit events of CONSENT and OVERRIDE reads;
5. the caller's lookup that authenticated every request before the network query confirmed the
   caller itself (token verified, professional read), for comparison;
6. the whole GraphQL operation executed by strawberry in process (token verified, resolvers with
   the caller confirmed in the network query, types, output);
7. the same with graphql-core completing every field itself (api/graphql/fast_completion.py off),
   to show what the compiled completion saves.

With --pyinstrument, stage 6 is also profiled and the profile written as HTML.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import strawberry
from neo4j import Driver, ManagedTransaction
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.app import create_app
from api.auth import Authenticator, build_verifier
from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.identity import ensure_dev_keypair, mint_token
from benchmarks import county, handwritten, harness
from config.settings import Settings, get_settings
from graph import network
from graph.driver import connect
from services.composition import assemble
from services.principal import PrincipalLookup


def _stages(settings: Settings, driver: Driver, cast: harness.Cast) -> dict[str, Callable[[str], Any]]:
    database = settings.neo4j_database
    hub = assemble(settings, driver=driver)
    service = hub.services.network
    authenticator = Authenticator(
        build_verifier(settings), PrincipalLookup(driver, database=database, policy_sync=hub.policy_sync)
    )
    private_pem, _ = ensure_dev_keypair(settings.dev_keys_dir)
    bearer = "Bearer " + mint_token(private_pem, subject=cast.social_worker, issuer=settings.jwt_issuer,
                                    audience=settings.jwt_audience, lifetime_seconds=3600)
    principal = authenticator.principal(bearer)
    viewer = service.viewer(principal)
    services = hub.services
    schema = build_schema()
    field_by_field = build_schema()
    field_by_field.execution_context_class = StrawberryGraphQLCoreExecutionContext

    def query(tx: ManagedTransaction, child_id: str) -> network.FamilyNetwork | None:
        return network.get_family_network(tx, child_id=child_id, depth=2, viewer=viewer)

    def read_only(child_id: str) -> Any:
        with driver.session(database=database) as session:
            return session.execute_read(query, child_id)

    def in_write_transaction(child_id: str) -> Any:
        with driver.session(database=database) as session:
            return session.execute_write(query, child_id)

    def graphql_by(executing: strawberry.Schema) -> Callable[[str], Any]:
        def graphql(child_id: str) -> Any:
            # As the API does: the token verified, the caller confirmed by the network query.
            context = Context(services=services, caller=authenticator.caller(bearer), request_id="profile-network")
            result = executing.execute_sync(harness.FAMILY_NETWORK_QUERY, variable_values={"childId": child_id},
                                            context_value=context)
            if result.errors:
                raise RuntimeError(str(result.errors[0]))
            return result.data
        return graphql

    return {
        "1 hand-written Cypher": lambda c: handwritten.family_network(driver, c, database=database),
        "2 hub query, read tx": read_only,
        "3 hub query, write tx": in_write_transaction,
        "4 service (query + audit)": lambda c: service.family_network(
            principal, c, depth=2, request_id="profile-network"),
        "5 authentication": lambda _: authenticator.principal(bearer),
        "6 GraphQL in process": graphql_by(schema),
        "7 GraphQL, field by field": graphql_by(field_by_field),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_network")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--bolt-port", type=int, default=county.BENCH_BOLT_PORT)
    parser.add_argument("--pyinstrument", type=Path, help="write a profile of stage 6 here (HTML)")
    arguments = parser.parse_args(argv)
    settings = get_settings()
    instance = county.bench_server(settings, bolt_port=arguments.bolt_port)
    settings = county.bench_settings(settings, instance)
    create_app(settings)  # makes the development keys the stages need, as the API would
    driver = connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    try:
        options = harness.RunOptions(samples=arguments.samples, warmup=10)
        cast = harness._cast(driver, settings.neo4j_database, options)
        harness.forget_earlier_workloads(driver, settings.neo4j_database, cast)
        stages = _stages(settings, driver, cast)
        timings = {name: harness.Timings() for name in stages}
        names = list(stages)
        random.Random(1).shuffle(cast.children)
        for child in cast.children:  # a warm page cache, as in `hub bench run`
            for stage in stages.values():
                stage(child["id"])
        for index, child in enumerate(cast.children):
            rotation = index % len(names)
            for name in names[rotation:] + names[:rotation]:
                elapsed = _timed(stages[name], child["id"])
                if index >= options.warmup:
                    timings[name].seconds.append(elapsed)
        for name, timing in timings.items():
            summary = timing.summary()
            print(f"{name:28} p50 {summary['p50_ms']:7.2f} ms   p95 {summary['p95_ms']:7.2f} ms")
        if arguments.pyinstrument is not None:
            _profile(stages["6 GraphQL in process"], cast, arguments.pyinstrument)
    finally:
        driver.close()


def _timed(stage: Callable[[str], Any], child_id: str) -> float:
    started = time.perf_counter()
    stage(child_id)
    return time.perf_counter() - started


def _profile(stage: Callable[[str], Any], cast: harness.Cast, output: Path) -> None:
    from pyinstrument import Profiler  # noqa: PLC0415 (a development dependency, needed only here)

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for child in cast.children:
        stage(child["id"])
    profiler.stop()
    output.write_text(profiler.output_html())
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
