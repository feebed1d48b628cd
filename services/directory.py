"""Who works where, for the pages to say it: names of professionals and agencies, never case content.

Professionals and agencies are the hub's own staff list, which every signed-in professional
sees on the forms they fill in (a request names partner agencies; a contact shows who
recorded it), as the GraphQL schema shows ids of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from neo4j import Driver

from graph import directory

MAX_NAMED = 200


@dataclass(frozen=True, slots=True)
class SignInChoice:
    professional_id: str
    name: str
    roles: tuple[str, ...]
    team_name: str
    agency_name: str


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    kind: str


class Directory:
    def __init__(self, driver: Driver, *, database: str) -> None:
        self._driver = driver
        self._database = database

    def sign_in_choices(self) -> list[SignInChoice]:
        """Everyone the graph lists, for the development sign-in page only."""
        with self._driver.session(database=self._database) as session:
            listed = session.execute_read(directory.professionals)
        return [
            SignInChoice(professional_id=p.id, name=p.name, roles=p.roles, team_name=p.team_name,
                         agency_name=p.agency_name)
            for p in listed
        ]

    def partner_agencies(self) -> list[Agency]:
        with self._driver.session(database=self._database) as session:
            listed = session.execute_read(directory.partner_agencies)
        return [Agency(id=a.id, name=a.name, kind=a.kind) for a in listed]

    def agency_names(self) -> dict[str, str]:
        """Every agency by id, children's services included: who read under an override, say."""
        with self._driver.session(database=self._database) as session:
            listed = session.execute_read(directory.agencies)
        return {a.id: a.name for a in listed}

    def professional_names(self, ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted({i for i in ids if i})[:MAX_NAMED]
        if not wanted:
            return {}
        with self._driver.session(database=self._database) as session:
            return session.execute_read(directory.names, ids=wanted)
