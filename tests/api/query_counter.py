"""A real driver that also counts the Cypher queries sent through it, for round-trip tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neo4j import Driver, ManagedTransaction, Session


class CountingTransaction:
    def __init__(self, tx: ManagedTransaction, sent: list[str]) -> None:
        self._tx = tx
        self._sent = sent

    def run(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._sent.append(str(query))
        return self._tx.run(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


class CountingSession:
    def __init__(self, session: Session, sent: list[str]) -> None:
        self._session = session
        self._sent = sent

    def __enter__(self) -> CountingSession:
        self._session.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def run(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._sent.append(str(query))
        return self._session.run(query, *args, **kwargs)

    def execute_read(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._session.execute_read(self._counted(work), *args, **kwargs)

    def execute_write(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self._session.execute_write(self._counted(work), *args, **kwargs)

    def _counted(self, work: Callable[..., Any]) -> Callable[..., Any]:
        def counted(tx: ManagedTransaction, *args: Any, **kwargs: Any) -> Any:
            return work(CountingTransaction(tx, self._sent), *args, **kwargs)

        return counted

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class CountingDriver:
    """Passes everything to the real driver; `sent` lists every query, in order."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self.sent: list[str] = []

    def session(self, **config: Any) -> CountingSession:
        return CountingSession(self._driver.session(**config), self.sent)

    def execute_query(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(str(query))
        return self._driver.execute_query(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)
