"""The short completion path (api/graphql/fast_completion.py) answers byte for byte as graphql-core.

Generated selections of the family network (fields in any order and repeated, aliases,
`__typename`, inline and named fragments, `@skip` and `@include` with literals and variables)
are executed twice over the sealed demo city, by callers who see it on different bases: once by
the hub's schema and once by the same schema with graphql-core's own completion, and the two
results, serialised, must be the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import Driver
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql import fast_completion
from api.graphql.context import Context
from api.graphql.schema import build_schema
from benchmarks.harness import FAMILY_NETWORK_QUERY
from config.settings import Settings
from devtools import demo_city
from services.composition import Hub, assemble
from services.principal import Caller, PrincipalLookup

# Generated operations, each executed twice by each schema.
EXAMPLES = 150

CALLERS = (
    demo_city.MASH_SOCIAL_WORKER_ID, demo_city.POLICE_OFFICER_ID, demo_city.HEALTH_OFFICER_ID,
    demo_city.FS_SOCIAL_WORKER_ID, demo_city.AUDITOR_ID,
)
CHILDREN = (demo_city.DEMO_FAMILY_CHILD_ID, demo_city.DEMO_YOUNGEST_CHILD_ID, demo_city.DEMO_YOUNG_CARER_ID,
            "person-002-05", "no-such-child")
DIRECTIVES = ("", "", "", " @skip(if: true)", " @include(if: false)", " @include(if: true)",
              " @skip(if: $switch)", " @include(if: $switch)")

FAST = build_schema()
STOCK = build_schema()
STOCK.execution_context_class = StrawberryGraphQLCoreExecutionContext
def _network_type() -> GraphQLObjectType:
    found = FAST._schema.type_map["FamilyNetwork"]
    assert isinstance(found, GraphQLObjectType)
    return found


NETWORK_TYPE = _network_type()


def _named(graphql_type: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


@dataclass
class _Fragments:
    definitions: list[str]


@st.composite
def _selection(draw: st.DrawFn, object_type: GraphQLObjectType, fragments: _Fragments, depth: int) -> str:
    parts: list[str] = []
    kinds = ["field", "field", "field", "typename", "inline", "spread"] if depth < 3 else ["field", "typename"]
    for _ in range(draw(st.integers(1, 5 if depth == 0 else 3))):
        kind = draw(st.sampled_from(kinds))
        directive = draw(st.sampled_from(DIRECTIVES))
        if kind == "typename":
            parts.append(draw(st.sampled_from(["", "kindOfThing: "])) + "__typename" + directive)
        elif kind == "inline":
            condition = draw(st.sampled_from(["", f" on {object_type.name}"]))
            parts.append(f"...{condition}{directive} {{ {draw(_selection(object_type, fragments, depth + 1))} }}")
        elif kind == "spread":
            name = f"Part{len(fragments.definitions)}"
            fragments.definitions.append("")  # the name is taken before the body draws others
            index = len(fragments.definitions) - 1
            body = draw(_selection(object_type, fragments, depth + 1))
            fragments.definitions[index] = f"fragment {name} on {object_type.name} {{ {body} }}"
            parts.append(f"...{name}{directive}")
        else:
            name = draw(st.sampled_from(sorted(object_type.fields)))
            alias = draw(st.sampled_from(["", "", f"{name}Again: "]))
            inner = _named(object_type.fields[name].type)
            sub = ""
            if isinstance(inner, GraphQLObjectType):
                sub = " { " + draw(_selection(inner, fragments, depth + 1)) + " }"
            parts.append(f"{alias}{name}{directive}{sub}")
    return " ".join(parts)


@st.composite
def operations(draw: st.DrawFn) -> str:
    fragments = _Fragments([])
    body = draw(_selection(NETWORK_TYPE, fragments, 0))
    alias = draw(st.sampled_from(["", "network: "]))
    return (
        "query Generated($childId: ID!, $switch: Boolean!) { "
        f"{alias}familyNetwork(childId: $childId, depth: 2) {{ {body} }} }} " + " ".join(fragments.definitions)
    )


@pytest.fixture
def hub(sealed_city_db: Driver, test_settings: Settings) -> Hub:
    return assemble(test_settings, driver=sealed_city_db)


def _answer(schema: Any, hub: Hub, caller: str, query: str, variables: dict[str, Any]) -> str:
    lookup = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync)
    principal = lookup.principal(caller)
    assert principal is not None
    context = Context(services=hub.services, caller=Caller.known(principal), request_id="fast-completion-test")
    result = schema.execute_sync(query, variable_values=variables, context_value=context)
    return json.dumps({
        "data": result.data, "errors": [error.formatted for error in result.errors or []],
    })


class TestSameBytes:
    @given(query=operations(), caller=st.sampled_from(CALLERS), child_id=st.sampled_from(CHILDREN),
           switch=st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def test_a_generated_selection_completes_as_graphql_core_completes_it(
        self, hub: Hub, query: str, caller: str, child_id: str, switch: bool,
    ) -> None:
        variables = {"childId": child_id, "switch": switch}

        assert _answer(FAST, hub, caller, query, variables) == _answer(STOCK, hub, caller, query, variables)

    @pytest.mark.parametrize("caller", CALLERS)
    def test_the_benchmarks_whole_network_completes_as_graphql_core_completes_it(
        self, hub: Hub, caller: str,
    ) -> None:
        for child_id in CHILDREN:
            variables = {"childId": child_id}

            fast = _answer(FAST, hub, caller, FAMILY_NETWORK_QUERY, variables)

            assert fast == _answer(STOCK, hub, caller, FAMILY_NETWORK_QUERY, variables)
            assert '"errors": []' in fast


class TestTheShortPathIsTaken:
    def test_a_network_is_completed_by_a_compiled_plan_that_the_next_request_reuses(self, hub: Hub) -> None:
        before = fast_completion.plans_in_cache()
        query = FAMILY_NETWORK_QUERY + " "  # a text of its own, so a plan of its own
        variables = {"childId": demo_city.DEMO_FAMILY_CHILD_ID}

        _answer(FAST, hub, demo_city.MASH_SOCIAL_WORKER_ID, query, variables)
        after_one = fast_completion.plans_in_cache()
        _answer(FAST, hub, demo_city.MASH_SOCIAL_WORKER_ID, query, variables)

        assert after_one == before + 1
        assert fast_completion.plans_in_cache() == after_one

    def test_the_stock_schema_compiles_nothing(self, hub: Hub) -> None:
        before = fast_completion.plans_in_cache()

        _answer(STOCK, hub, demo_city.MASH_SOCIAL_WORKER_ID, FAMILY_NETWORK_QUERY + "  ",
                {"childId": demo_city.DEMO_FAMILY_CHILD_ID})

        assert fast_completion.plans_in_cache() == before
