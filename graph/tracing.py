"""A driver whose every transaction is a span, the child of whatever span is current (a request's).

Wrapped around the one driver the hub makes when tracing is on, so the services, which open
their own sessions and transactions, are traced without knowing it. A span carries the
database, the kind of transaction, the function it ran and the Cypher of each query in it:
the queries are the hub's own constants with `$params`, and the parameters, where case
content is, are never recorded. Nothing is traced outside a request's span, so background
work (the readiness probe) makes no orphan traces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from neo4j import Driver, ManagedTransaction, Result, Session
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

# Long enough for any query of the hub's; a span is no place for a page of text.
_MAX_QUERY_TEXT = 4000
DB_SYSTEM = "neo4j"


def traced(driver: Driver, tracer: Tracer) -> Driver:
    """`driver` with its transactions traced; typed as a Driver since it does what one does."""
    return cast(Driver, _TracedDriver(driver, tracer))


class _TracedDriver:
    def __init__(self, driver: Driver, tracer: Tracer) -> None:
        self._driver = driver
        self._tracer = tracer

    def session(self, **config: Any) -> _TracedSession:
        return _TracedSession(self._driver.session(**config), self._tracer, config.get("database"))

    def execute_query(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        with _span(self._tracer, "execute_query", kwargs.get("database_"), function=None) as span:
            if span is not None:
                _add_query(span, query)
            return self._driver.execute_query(query, *args, **kwargs)

    def __enter__(self) -> _TracedDriver:
        return self

    def __exit__(self, *_: object) -> None:
        self._driver.close()

    def __getattr__(self, name: str) -> Any:
        # verify_connectivity, close, the pool the metrics read: the driver's own.
        return getattr(self._driver, name)


class _TracedSession:
    def __init__(self, session: Session, tracer: Tracer, database: str | None) -> None:
        self._session = session
        self._tracer = tracer
        self._database = database

    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._transaction("execute_read", self._session.execute_read, work, args, kwargs)

    def execute_write(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._transaction("execute_write", self._session.execute_write, work, args, kwargs)

    def run(self, query: Any, *args: Any, **kwargs: Any) -> Result:
        # An auto-commit transaction: its span covers sending the query, not reading its rows.
        with _span(self._tracer, "run", self._database, function=None) as span:
            if span is not None:
                _add_query(span, query)
            return self._session.run(query, *args, **kwargs)

    def _transaction(
        self,
        operation: str,
        execute: Callable[..., Any],
        work: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        function = getattr(work, "__qualname__", type(work).__name__)
        with _span(self._tracer, operation, self._database, function=function) as span:
            if span is None:
                return execute(work, *args, **kwargs)
            attempts = 0

            def attempt(tx: ManagedTransaction, *inner: Any, **named: Any) -> Any:
                nonlocal attempts
                attempts += 1
                span.set_attribute("hub.transaction.attempts", attempts)
                return work(_TracedTransaction(tx, span), *inner, **named)

            return execute(attempt, *args, **kwargs)

    def __enter__(self) -> _TracedSession:
        return self

    def __exit__(self, *_: object) -> None:
        self._session.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _TracedTransaction:
    """The transaction a function is given, noting each query's Cypher on the transaction's span."""

    def __init__(self, tx: ManagedTransaction, span: Span) -> None:
        self._tx = tx
        self._span = span

    def run(self, query: Any, *args: Any, **kwargs: Any) -> Result:
        _add_query(self._span, query)
        return self._tx.run(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


@contextmanager
def _span(tracer: Tracer, operation: str, database: str | None, *, function: str | None) -> Iterator[Span | None]:
    if not trace.get_current_span().is_recording():
        yield None
        return
    attributes: dict[str, str] = {"db.system.name": DB_SYSTEM, "db.operation.name": operation}
    if database is not None:
        attributes["db.namespace"] = database
    if function is not None:
        attributes["hub.transaction.function"] = function
    name = f"{operation} {database}" if database is not None else operation
    # Exceptions by class alone: a driver's message can quote a value the query was given.
    with tracer.start_as_current_span(
        name, kind=SpanKind.CLIENT, attributes=attributes, record_exception=False, set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as error:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.set_attribute("error.type", type(error).__name__)
            raise


def _add_query(span: Span, query: Any) -> None:
    text = getattr(query, "text", query)
    if isinstance(text, str):
        span.add_event("db.query", {"db.query.text": text.strip()[:_MAX_QUERY_TEXT]})
