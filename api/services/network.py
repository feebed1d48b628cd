"""Family network use cases: one read transaction per question."""

from __future__ import annotations

from neo4j import Driver

from graph import network


class NetworkService:
    def __init__(self, driver: Driver, *, database: str) -> None:
        self._driver = driver
        self._database = database

    def child(self, child_id: str) -> network.PersonView | None:
        with self._driver.session(database=self._database) as session:
            return session.execute_read(network.get_child, child_id=child_id)

    def family_network(self, child_id: str, *, depth: int) -> network.FamilyNetwork | None:
        with self._driver.session(database=self._database) as session:
            return session.execute_read(network.get_family_network, child_id=child_id, depth=depth)
