"""A shorter path from resolved objects to the response, for answers made of plain fields.

graphql-core completes every field of an answer on its own: resolve info, a resolver call,
argument checks, null and list handling, value coercion. A family network of 400 fields spends
about 1.5 ms there, most of the operation's time outside Neo4j. Below a type named in
`FAST_TYPES`, every field is an attribute of the object strawberry was given (no resolver, no
arguments, no permission or extension), so the answer can be built by reading attributes and
coercing leaves, once the fields are collected as graphql-core collects them (aliases,
fragments, `@skip`/`@include`, merged selections), in graphql-core's order.

Anything this path does not handle exactly as graphql-core would (an abstract type, a field
with a resolver or arguments, `@defer`, a null where the schema says non-null, a value a
scalar will not take, any exception) abandons it for that object, and graphql-core completes
the object from the start with its errors; reading attributes has no side effects, so nothing
is done twice that matters. tests/api/test_fast_completion.py holds the two paths to the same
bytes over generated selections.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

# The roots of the subtrees completed this way: the family network, and every type below it.
FAST_TYPES = frozenset({"FamilyNetwork"})
# Compiled completions kept across requests, as the parser cache keeps documents.
PLAN_CACHE_SIZE = 512

Complete = Callable[[Any], Any]


class _NotFast(Exception):
    """This object is graphql-core's to complete."""


class FastCompletionExecutor(StrawberryGraphQLCoreExecutionContext):
    def complete_object_value(  # noqa: PLR0917 (graphql-core's signature)
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A schema extension that wraps resolvers (a middleware) must see every field: then not.
        middleware = self.middleware_manager
        if return_type.name in FAST_TYPES and (middleware is None or not middleware.middlewares):
            try:
                return _plans.plan(self, return_type, field_details_list)(result)
            except Exception:  # noqa: S110 (whatever went wrong, graphql-core says it properly)
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )


class _Plans:
    """Completions compiled once per selection, not per request.

    A selection is the same field nodes (the parser cache hands back the same document for
    the same text) and the same values of the variables that `@skip` or `@include` read,
    the only variables that change which fields are collected. The cached entry holds the
    nodes, so their ids in its key are not reused while it is kept.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._plans: OrderedDict[tuple[Any, ...], tuple[Any, Complete]] = OrderedDict()
        # Per operation (held, like the nodes): the variables its directives take.
        self._switches: OrderedDict[int, tuple[OperationDefinitionNode, tuple[str, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def plan(self, executor: FastCompletionExecutor, object_type: GraphQLObjectType,
             field_details_list: FieldDetailsList) -> Complete:
        if any(details.fragment_variable_values is not None for details in field_details_list):
            raise _NotFast
        nodes = tuple(details.node for details in field_details_list)
        coerced = executor.variable_values.coerced
        switches = tuple((name, coerced.get(name)) for name in self._switch_names(executor))
        key = (object_type, tuple(id(node) for node in nodes), switches)
        with self._lock:
            found = self._plans.get(key)
            if found is not None:
                self._plans.move_to_end(key)
                return found[1]
        compiled = _object(executor, object_type, field_details_list)
        with self._lock:
            self._plans[key] = (nodes, compiled)
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)
        return compiled

    def _switch_names(self, executor: FastCompletionExecutor) -> tuple[str, ...]:
        operation = executor.operation
        with self._lock:
            found = self._switches.get(id(operation))
            if found is not None and found[0] is operation:
                return found[1]
        names = tuple(sorted(_directive_variables(executor)))
        with self._lock:
            self._switches[id(operation)] = (operation, names)
            while len(self._switches) > self._size:
                self._switches.popitem(last=False)
        return names


    def __len__(self) -> int:
        return len(self._plans)


_plans = _Plans(PLAN_CACHE_SIZE)


def plans_in_cache() -> int:
    """How many compiled completions this process holds (the tests see the path taken by it)."""
    return len(_plans)


def _directive_variables(executor: FastCompletionExecutor) -> set[str]:
    """The variables any directive of the operation (or its fragments) takes."""
    names: set[str] = set()
    seen: set[str] = set()

    def selections(selection_set: SelectionSetNode | None) -> Iterator[Any]:
        for selection in selection_set.selections if selection_set is not None else ():
            yield selection
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = executor.fragments.get(name)
                if fragment is not None and name not in seen:
                    seen.add(name)
                    yield from selections(fragment.definition.selection_set)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                yield from selections(selection.selection_set)

    operation: OperationDefinitionNode = executor.operation
    for selection in selections(operation.selection_set):
        for directive in selection.directives or ():
            for argument in directive.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names.add(argument.value.name.value)
    return names


def _object(executor: FastCompletionExecutor, object_type: GraphQLObjectType,
            field_details_list: FieldDetailsList) -> Complete:
    if object_type.is_type_of is not None:
        raise _NotFast
    collected = executor.collect_subfields(object_type, field_details_list)
    if collected.new_defer_usages or collected.forbidden_directive_instances:
        raise _NotFast
    typenames: dict[str, str] = {}
    attributes: list[tuple[str, str, Complete]] = []
    keys: list[str] = []
    for key, details in collected.grouped_field_set.items():
        keys.append(key)
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            typenames[key] = object_type.name
            continue
        field = object_type.fields.get(name)
        if field is None or field.args or node.arguments or not getattr(field.resolve, "_is_default", False):
            raise _NotFast
        definition = field.extensions.get("strawberry-definition")
        if not isinstance(definition, StrawberryField) or definition.default_resolver is not getattr:
            raise _NotFast
        attributes.append((key, definition.python_name, _value(executor, field.type, details)))

    if not typenames:
        def complete(source: Any) -> dict[str, Any]:
            return {key: value(getattr(source, attribute)) for key, attribute, value in attributes}
        return complete

    by_key = {key: (attribute, value) for key, attribute, value in attributes}

    def complete_with_typenames(source: Any) -> dict[str, Any]:
        # graphql-core's order: the order the response keys were first selected in.
        completed: dict[str, Any] = {}
        for key in keys:
            if key in typenames:
                completed[key] = typenames[key]
            else:
                attribute, value = by_key[key]
                completed[key] = value(getattr(source, attribute))
        return completed
    return complete_with_typenames


def _value(executor: FastCompletionExecutor, return_type: GraphQLOutputType,
           field_details_list: FieldDetailsList) -> Complete:
    if isinstance(return_type, GraphQLNonNull):
        inner = _value(executor, return_type.of_type, field_details_list)

        def non_null(value: Any) -> Any:
            completed = inner(value)
            if completed is None:
                raise _NotFast
            return completed
        return non_null
    if isinstance(return_type, GraphQLList):
        item = _value(executor, return_type.of_type, field_details_list)

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list | tuple):
                raise _NotFast
            return [item(entry) for entry in value]
        return listed
    if isinstance(return_type, GraphQLObjectType):
        complete = _object(executor, return_type, field_details_list)

        def nested(value: Any) -> Any:
            return None if value is None else complete(value)
        return nested
    if isinstance(return_type, GraphQLLeafType):
        return _leaf(return_type)
    raise _NotFast


def _leaf(leaf_type: GraphQLLeafType) -> Complete:
    # String, ID and Boolean pass a value of their own Python type through unchanged.
    passes: type | None = None
    if leaf_type is GraphQLString or leaf_type is GraphQLID:
        passes = str
    elif leaf_type is GraphQLBoolean:
        passes = bool
    coerce = leaf_type.coerce_output_value

    def leaf(value: Any) -> Any:
        if value is None:
            return None
        if passes is not None and isinstance(value, passes):
            return value
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _NotFast
        return coerced
    return leaf
