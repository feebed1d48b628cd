"""The GraphQL contract has one shape: every mutation takes one `input`, every list is a
connection of one kind with a required bound, and a page's position is said in one place.

These read the built schema, not data, so they fail the moment a field is added that
breaks the shape, whoever adds it.
"""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from api.graphql.schema import build_schema

SCHEMA: GraphQLSchema = build_schema()._schema


def _root(name: str) -> GraphQLObjectType:
    root = SCHEMA.get_type(name)
    assert isinstance(root, GraphQLObjectType)
    return root


def _answers(field: GraphQLField) -> list[GraphQLObjectType]:
    """The object types a field may answer with: itself, or each member of its union."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLUnionType):
        return list(named.types)
    return [named] if isinstance(named, GraphQLObjectType) else []


def _is_connection(answer: GraphQLObjectType) -> bool:
    return "pageInfo" in answer.fields


def _pages(field: GraphQLField) -> bool:
    """Whether a field answers with a page, or with an object whose one page it is (a workbook's entries)."""
    for answer in _answers(field):
        inner = [get_named_type(f.type) for f in answer.fields.values()]
        if _is_connection(answer) or any(isinstance(t, GraphQLObjectType) and _is_connection(t) for t in inner):
            return True
    return False


MUTATIONS = sorted(_root("Mutation").fields)
QUERIES = sorted(_root("Query").fields)


class TestEveryMutationTakesOneInput:
    @pytest.mark.parametrize("name", MUTATIONS)
    def test_its_one_argument_is_a_required_input_object_named_for_it(self, name: str) -> None:
        field = _root("Mutation").fields[name]

        assert list(field.args) == ["input"]
        argument = field.args["input"].type
        assert isinstance(argument, GraphQLNonNull) and isinstance(argument.of_type, GraphQLInputObjectType)
        assert argument.of_type.name == name[0].upper() + name[1:] + "Input"


class TestEveryListIsAConnection:
    def test_every_connection_is_items_and_page_info(self) -> None:
        connections = [t for t in SCHEMA.type_map.values() if isinstance(t, GraphQLObjectType) and _is_connection(t)]

        assert connections
        for connection in connections:
            assert connection.name.endswith("Connection"), connection.name
            assert list(connection.fields) == ["items", "pageInfo"], connection.name
            assert get_named_type(connection.fields["pageInfo"].type).name == "PageInfo"

    def test_a_position_is_said_only_by_page_info(self) -> None:
        stray = {
            f"{type_.name}.{field}"
            for type_ in SCHEMA.type_map.values() if isinstance(type_, GraphQLObjectType) and type_.name != "PageInfo"
            for field in type_.fields if field in {"endCursor", "hasNextPage", "cursor"}
        }

        assert not stray

    @pytest.mark.parametrize("name", QUERIES)
    def test_a_query_answering_with_a_page_requires_first_and_takes_after(self, name: str) -> None:
        field = _root("Query").fields[name]
        if not _pages(field):
            assert "first" not in field.args and "after" not in field.args
            return

        first, after = field.args.get("first"), field.args.get("after")
        assert first is not None and isinstance(first.type, GraphQLNonNull) and first.default_value is Undefined
        assert get_named_type(first.type).name == "Int"
        assert after is not None and not isinstance(after.type, GraphQLNonNull)
        assert get_named_type(after.type).name == "String"
