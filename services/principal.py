"""The caller of a request, as the graph knows them, looked up for every request by both faces."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from neo4j import Driver, ManagedTransaction

from config.settings import SubjectClaim
from graph import directory
from graph.network import ExpectedCaller
from graph.professionals import ProfessionalView, get_professional, get_professional_by_external_id
from services.errors import Unauthenticated
from services.policy import PolicySync

# How many callers a process remembers between their requests (see PrincipalLookup.remembered);
# one forgotten costs only a round trip on their next request.
REMEMBERED_CALLERS = 10_000
UNKNOWN_PROFESSIONAL = "unknown professional"


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
    Either way it is one query, by a unique index.

    The principal each subject was last read as is remembered, but never decided on: a read that
    can use it (the family network) sends it with its query, which answers only if the graph
    still records exactly that caller (graph.network.CALLER_CURRENT); otherwise it is read again."""

    def __init__(
        self, driver: Driver, *, database: str, policy_sync: PolicySync,
        subject_claim: SubjectClaim = SubjectClaim.SUB,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy_sync = policy_sync
        self.subject_claim = subject_claim
        self._remembered: OrderedDict[str, Principal] = OrderedDict()
        self._remembered_lock = threading.Lock()

    def principal(self, professional_id: str) -> Principal | None:
        found = self._read(lambda tx: get_professional(tx, professional_id=professional_id), with_place=False)
        return found.principal if found is not None else None

    def named(self, subject: str) -> Principal | None:
        """The professional a verified token's `subject_claim` names, or None if it names nobody."""
        if self.subject_claim is SubjectClaim.SUB:
            principal = self.principal(subject)
        else:
            found = self._read(lambda tx: get_professional_by_external_id(tx, external_id=subject), with_place=False)
            principal = found.principal if found is not None else None
        with self._remembered_lock:
            if principal is None:
                self._remembered.pop(subject, None)
            else:
                self._remembered[subject] = principal
                self._remembered.move_to_end(subject)
                while len(self._remembered) > REMEMBERED_CALLERS:
                    self._remembered.popitem(last=False)
        return principal

    def remembered(self, subject: str) -> Principal | None:
        """Who `subject` was when last read: a guess to confirm in a query, never a decision."""
        with self._remembered_lock:
            return self._remembered.get(subject)

    def expected(self, subject: str, principal: Principal, *, policy_revision: str) -> ExpectedCaller:
        """What a query confirms before it reads anything for `principal` (see `remembered`)."""
        return ExpectedCaller(
            professional=ProfessionalView(
                id=principal.professional_id, name=principal.name, roles=principal.roles,
                discipline=principal.discipline, team_id=principal.team_id, team_service=principal.team_service,
                agency_id=principal.agency_id, agency_kind=principal.agency_kind, policy_revision=policy_revision,
            ),
            external_id=None if self.subject_claim is SubjectClaim.SUB else subject,
        )

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


class Caller:
    """The caller of one request: the professional a verified token names, read from the graph
    once, when first needed, or confirmed by the request's own query (see PrincipalLookup)."""

    def __init__(self, lookup: PrincipalLookup | None, subject: str, principal: Principal | None = None) -> None:
        self._lookup = lookup
        self.subject = subject
        self._principal = principal
        self._unknown = False

    @classmethod
    def known(cls, principal: Principal) -> Caller:
        """A caller already read (a browser session's, on the pages' own requests)."""
        return cls(None, principal.professional_id, principal)

    @property
    def read(self) -> bool:
        """Whether the graph has been asked who the caller is (and answered, or said nobody)."""
        return self._principal is not None or self._unknown

    @property
    def professional_id(self) -> str:
        """Their id in the graph for a log line, "-" when not known: a token's other name for
        them may be an e-mail address, which a log line does not need."""
        if self._principal is not None:
            return self._principal.professional_id
        named_by_id = self._lookup is not None and self._lookup.subject_claim is SubjectClaim.SUB
        return self.subject if named_by_id and not self._unknown else "-"

    def principal(self) -> Principal:
        """The caller as the graph records them; Unauthenticated when it records nobody."""
        if self._principal is None:
            found = None if self._unknown or self._lookup is None else self._lookup.named(self.subject)
            if found is None:
                self._unknown = True
                raise Unauthenticated(UNKNOWN_PROFESSIONAL)
            self._principal = found
        return self._principal

    def assumed(self, *, policy_revision: str) -> tuple[Principal, ExpectedCaller] | None:
        """Who the caller was on their last request and what confirms it, while not yet read."""
        if self.read or self._lookup is None:
            return None
        remembered = self._lookup.remembered(self.subject)
        if remembered is None:
            return None
        return remembered, self._lookup.expected(self.subject, remembered, policy_revision=policy_revision)

    def confirm(self, principal: Principal) -> None:
        """A query found the graph records the caller exactly as assumed."""
        self._principal = principal
