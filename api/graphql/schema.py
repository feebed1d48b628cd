"""The GraphQL schema: root types composed from per-domain mixins."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit

from api.graphql.auditor import AuditorQueries
from api.graphql.consent import ConsentMutations, ConsentQueries
from api.graphql.contacts import ContactMutations, ContactQueries
from api.graphql.network import NetworkQueries
from api.graphql.search import SearchQueries
from api.graphql.workbook import WorkbookMutations, WorkbookQueries

MAX_QUERY_DEPTH = 10
# Aliases multiply the work of one request; tokens bound the parser's work before anything runs.
MAX_ALIASES = 15
MAX_TOKENS = 2000

# The limit rules are built once: the validation cache is keyed by the rule classes, so
# rules made afresh per request (as the stock limiter extensions do) would never hit it.
_LIMIT_RULES: list[type[ASTValidationRule]] = [depth_limit(MAX_QUERY_DEPTH, None, None), alias_limit(MAX_ALIASES)]


@strawberry.type
class Query(NetworkQueries, ConsentQueries, ContactQueries, SearchQueries, AuditorQueries, WorkbookQueries):
    pass


@strawberry.type
class Mutation(ConsentMutations, ContactMutations, WorkbookMutations):
    pass


def _is_expected(error: Exception) -> bool:
    # Validation problems the caller can fix are shown; anything else is masked.
    original = getattr(error, "original_error", None)
    return original is None or isinstance(original, ValueError)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Factories, so every request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        # Parsing and validating the same operation text again gives the same answer.
        # Bounded, so a stream of distinct operations cannot grow the caches without limit.
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: MaskErrors(should_mask_error=lambda error: not _is_expected(error)),
    ]
    if production:
        extensions.insert(0, DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
