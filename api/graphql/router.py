"""The GraphQL endpoint, executing each operation on a worker thread.

The resolvers call the services, which block on the Neo4j driver. Executed on the event
loop (strawberry's default for synchronous resolvers), one slow operation would hold up
every other request of the process; on a worker thread, the loop keeps serving.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.concurrency import run_in_threadpool
from strawberry.exceptions import MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.context import Context
from services.errors import GraphUnavailable


class ThreadedGraphQLRouter(GraphQLRouter[Context, None]):
    async def execute_single(  # noqa: PLR0917 (the signature strawberry calls)
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method)
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed = allowed - {OperationType.QUERY}
        try:
            result = await run_in_threadpool(
                self.schema.execute_sync,
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason(request_adapter.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
        if context.graph_unavailable:
            # Every use case is one transaction, so whatever failed wrote nothing.
            raise GraphUnavailable("the graph database is unavailable; try again shortly")
        if not context.caller.read:
            # No resolver needed the caller (a `__typename`, a document that did not validate):
            # they are read all the same, and one the graph does not know is refused (401).
            await run_in_threadpool(context.caller.principal)
        else:
            # A resolver found the graph knows no such caller: the request is refused as a
            # whole, as before any operation ran, not answered with the resolvers' errors.
            context.caller.principal()
        return result
