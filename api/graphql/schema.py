"""The GraphQL schema: root types composed from per-domain mixins."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    ProvidedRequiredArgumentsRule,
    ValuesOfCorrectTypeRule,
    VariableDefinitionNode,
    validate,
)
from graphql.execution.executor import Executor
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext

from api.graphql.auditor import AuditorQueries
from api.graphql.consent import ConsentMutations, ConsentQueries
from api.graphql.contacts import ContactMutations, ContactQueries
from api.graphql.context import Context
from api.graphql.disclosures import DisclosureQueries
from api.graphql.fast_completion import FastCompletionExecutor
from api.graphql.grants import GrantMutations, GrantQueries
from api.graphql.limits import OperationCostLimit, StringLiteralLimit
from api.graphql.network import NetworkQueries
from api.graphql.replay import ReplayQueries
from api.graphql.retention import RetentionQueries
from api.graphql.search import SearchQueries
from api.graphql.subject_access import SubjectAccessMutations
from api.graphql.workbook import WorkbookMutations, WorkbookQueries
from api.graphql.workforce import WorkforceMutations
from api.graphql.worklists import WorklistQueries
from api.logs import request_id_var
from services.errors import GRAPH_UNAVAILABLE_ERRORS, Unauthenticated

log = logging.getLogger("hub.graphql")

MAX_QUERY_DEPTH = 10
# Aliases multiply the work of one request; tokens bound the parser's work before anything runs.
MAX_ALIASES = 15
MAX_TOKENS = 2000
# Parsing and validating the same operation text again gives the same answer. Bounded, so
# a stream of distinct operations cannot grow the caches without limit.
CACHE_SIZE = 512

# The limit rules are built once: the validation cache is keyed by the rule classes, so
# rules made afresh per request (as the stock limiter extensions do) would never hit it.
_LIMIT_RULES: list[type[ASTValidationRule]] = [
    depth_limit(MAX_QUERY_DEPTH, None, None), alias_limit(MAX_ALIASES), OperationCostLimit, StringLiteralLimit,
]
# Strawberry's own rules, which its stock validation appends to every operation's.
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (MaybeNullValidationRule, OneOfInputValidationRule)

# An operation name is the caller's text; only a GraphQL name of sensible length is logged.
_LOGGABLE_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")


@strawberry.type
class Query(
    NetworkQueries, ConsentQueries, ContactQueries, SearchQueries, AuditorQueries, WorkbookQueries, GrantQueries,
    WorklistQueries, DisclosureQueries, ReplayQueries, RetentionQueries,
):
    pass


@strawberry.type
class Mutation(
    ConsentMutations, ContactMutations, WorkbookMutations, GrantMutations, WorkforceMutations, SubjectAccessMutations,
):
    pass


def _is_expected(error: Exception) -> bool:
    # Problems the caller can fix are shown (graphql-core wraps a variable that does not
    # coerce around a GraphQLError of its own); anything else is masked.
    original = getattr(error, "original_error", None)
    # A time at the calendar's edge (year 1 with an offset) overflows where it is converted to UTC.
    # An unknown caller met by a resolver is refused as a whole request (401) after the operation.
    return original is None or isinstance(original, ValueError | OverflowError | GraphQLError | Unauthenticated)


class RequiredArgumentsUnnamed(ProvidedRequiredArgumentsRule):
    """Production's variant: says an argument is missing, not which, so leaving arguments
    out cannot list a field's required arguments."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(GraphQLError("A required argument was not provided.", error.nodes))


class ValuesOfCorrectTypeUnnamed(ValuesOfCorrectTypeRule):
    """Production's variant: says a value does not fit, not what would, so an empty input
    object cannot list the input type's required fields (nor a bad enum value its type)."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(GraphQLError("A value is not of the type expected here.", error.nodes))


_PRODUCTION_RULES: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    ProvidedRequiredArgumentsRule: RequiredArgumentsUnnamed,
    ValuesOfCorrectTypeRule: ValuesOfCorrectTypeUnnamed,
}


@lru_cache(maxsize=CACHE_SIZE)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    return validate(schema, document, (*rules, *_STRAWBERRY_RULES), hide_suggestions=hide_suggestions)


class CachedValidation(SchemaExtension):
    """Strawberry's validation, cached; in production it names no schema element the caller
    did not write.

    Strawberry's own validation (and its `ValidationCache`) cannot ask graphql-core to hide
    suggestions: "Cannot query field 'familyNetwrk'. Did you mean 'familyNetwork'?" names
    fields, types, arguments, enum values and input fields, which maps the schema for a
    caller however firmly introspection is off.
    """

    def __init__(self, *, production: bool) -> None:
        super().__init__()
        self._production = production

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        rules = context.validation_rules
        if self._production:
            rules = tuple(_PRODUCTION_RULES.get(rule, rule) for rule in rules)
        # Set before strawberry's own validation runs, which then leaves it alone.
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, rules, self._production,
        )
        yield


class ProductionExecutor(FastCompletionExecutor):
    """Execution that names no schema element the caller did not: variable values are
    coerced here, after validation, and a misspelt enum value or input field, or a required
    one left out, would otherwise be named in the answer."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Executor[Any]:
        built = super().build(*args, **{**kwargs, "hide_suggestions": True})
        if isinstance(built, list):
            return [GraphQLError(_variable_message(error), error.nodes) for error in built]
        return built


def _variable_message(error: GraphQLError) -> str:
    # The variable's name is the caller's own; what its type would have accepted is not.
    definition = error.nodes[0] if error.nodes else None
    if isinstance(definition, VariableDefinitionNode):
        return f"Variable '${definition.variable.name.value}' has a value not of its type."
    return "A variable's value is not of its type."


class HubSchema(strawberry.Schema):
    """The schema, logging a failed operation by codes alone.

    Strawberry's default logs each error with its message and the whole document at ERROR,
    inline literals and coerced variable values included: a child's name in a search, the
    concern in a contact. The hub logs the operation's name, a code per error, the
    request id and the caller, and for a failure of the hub's own the exception's class.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        codes = sorted({error_code(error, execution_context) for error in errors})
        failures = sorted({
            type(error.original_error).__name__ for error in errors
            if error.original_error is not None and not _is_expected(error)
        })
        context = execution_context.context if execution_context is not None else None
        name = execution_context.operation_name if execution_context is not None else None
        log.log(
            logging.ERROR if failures else logging.WARNING,
            "graphql operation failed",
            extra={
                "operation": name if name is not None and _LOGGABLE_NAME.match(name) else "-",
                "codes": codes,
                "request_id": request_id_var.get(),
                "professional_id": _caller_id(context),
                **({"exception": failures} if failures else {}),
            },
        )


def _caller_id(context: object) -> str:
    return context.caller.professional_id if isinstance(context, Context) else "-"


def error_code(error: GraphQLError, execution_context: ExecutionContext | None) -> str:
    """A code for an error, in the names GraphQL servers commonly use, that says nothing of its text."""
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.original_error is not None and not _is_expected(error):
        return "INTERNAL_SERVER_ERROR"
    if error.path is not None:
        return "BAD_USER_INPUT"
    # Validation errors are processed before execution has a result; errors without a path
    # after it (a variable that does not coerce, an unknown operation) are the request's.
    if execution_context is None or execution_context.result is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_REQUEST"


class NoticeGraphUnavailable(SchemaExtension):
    """Marks the request when a resolver met Neo4j down or too busy, before errors are masked,
    so the endpoint answers 503 with a reason (try again) rather than "Unexpected error"."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        if any(isinstance(getattr(error, "original_error", None), GRAPH_UNAVAILABLE_ERRORS) for error in errors):
            context = self.execution_context.context
            if isinstance(context, Context):
                context.graph_unavailable = True


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Factories, so every request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: CachedValidation(production=production),
        lambda: MaskErrors(should_mask_error=lambda error: not _is_expected(error)),
        # After MaskErrors, so it runs first when the operation ends and sees the errors unmasked.
        NoticeGraphUnavailable,
    ]
    if production:
        extensions.insert(0, DisableIntrospection)
    return HubSchema(
        query=Query, mutation=Mutation, extensions=extensions,
        execution_context_class=ProductionExecutor if production else FastCompletionExecutor,
    )


def printed_schema() -> str:
    """The SDL of the production schema, as committed in schema.graphql and diffed by a test."""
    return str(build_schema(production=True)) + "\n"
