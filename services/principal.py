"""The caller of a request, as the graph knows them, looked up for every request by both faces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neo4j import Driver, ManagedTransaction

from config.settings import SubjectClaim
from graph import directory
from graph.professionals import ProfessionalView, get_professional, get_professional_by_external_id
from services.policy import PolicySync


@dataclass(frozen=True, slots=True)
class Principal:
    professional_id: str
    name: str
    agency_id: str
    agency_kind: str
    team_id: str
    team_service: str
    roles: tuple[str, ...]
    discipline: str = ""

    @property
    def primary_role(self) -> str:
        return self.roles[0] if self.roles else ""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A principal with the names a page header shows: who, in which team and agency."""

    principal: Principal
    team_name: str
    agency_name: str


_Find = Callable[[ManagedTransaction], ProfessionalView | None]


class PrincipalLookup:
    """A verified identity (a token's subject, a browser session's professional) to the principal
    the graph records now: a professional removed from the graph is refused on their next request,
    and a newly loaded policy is adopted before any decision is made for them.

    What the identity provider says names a professional is decided here, for the API's bearer
    tokens and the pages' ID tokens alike (`named`): the claim `subject_claim` (HUB_JWT_SUBJECT_CLAIM)
    holds their id in the graph when it is `sub`, and their `external_id` when it is any other.
    Either way it is one query, by a unique index."""

    def __init__(
        self, driver: Driver, *, database: str, policy_sync: PolicySync,
        subject_claim: SubjectClaim = SubjectClaim.SUB,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy_sync = policy_sync
        self.subject_claim = subject_claim

    def principal(self, professional_id: str) -> Principal | None:
        found = self._read(lambda tx: get_professional(tx, professional_id=professional_id), with_place=False)
        return found.principal if found is not None else None

    def named(self, subject: str) -> Principal | None:
        """The professional a verified token's `subject_claim` names, or None if it names nobody."""
        if self.subject_claim is SubjectClaim.SUB:
            return self.principal(subject)
        found = self._read(lambda tx: get_professional_by_external_id(tx, external_id=subject), with_place=False)
        return found.principal if found is not None else None

    def signed_in(self, professional_id: str) -> SignedIn | None:
        return self._read(lambda tx: get_professional(tx, professional_id=professional_id), with_place=True)

    def _read(self, find: _Find, *, with_place: bool) -> SignedIn | None:
        def work(tx: ManagedTransaction) -> tuple[str | None, SignedIn] | None:
            professional = find(tx)
            if professional is None:
                return None
            place = directory.place_of(tx, team_id=professional.team_id) if with_place else None
            principal = Principal(
                professional_id=professional.id, name=professional.name,
                agency_id=professional.agency_id, agency_kind=professional.agency_kind,
                team_id=professional.team_id, team_service=professional.team_service,
                roles=professional.roles, discipline=professional.discipline,
            )
            return professional.policy_revision, SignedIn(
                principal=principal, team_name=place.team_name if place else "",
                agency_name=place.agency_name if place else "",
            )

        with self._driver.session(database=self._database) as session:
            found = session.execute_read(work)
        if found is None:
            return None
        revision, signed_in = found
        self._policy_sync.ensure(revision)
        return signed_in
