"""The GraphQL schema: root types composed from per-domain mixins."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors, QueryDepthLimiter

from api.graphql.consent import ConsentMutations, ConsentQueries
from api.graphql.network import NetworkQueries

MAX_QUERY_DEPTH = 10


@strawberry.type
class Query(NetworkQueries, ConsentQueries):
    pass


@strawberry.type
class Mutation(ConsentMutations):
    pass


def _is_expected(error: Exception) -> bool:
    # Validation problems the caller can fix are shown; anything else is masked.
    original = getattr(error, "original_error", None)
    return original is None or isinstance(original, ValueError)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Factories, so every request gets fresh extension instances.
        extensions=[
            lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
            lambda: MaskErrors(should_mask_error=lambda error: not _is_expected(error)),
        ],
    )
