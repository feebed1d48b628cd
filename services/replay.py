"""The auditor's replay: what a professional could see of a child, and why, at a past instant.

After a serious case review the question is "on 14 March at 02:10, what could the officer
on duty see of this family, and on what basis?". The answer is computed, not remembered:
the professional's roles, team and agency then (`graph/replay.py`), the policy revision
loaded then, and the child's consents, overrides, allocations and break glass in force
then, judged by the same rules as the live read, rendered at that instant
(`graph/access_rules.py` `AS_OF`). A property test holds the replay to the live answers
recorded at each instant of random histories.

The answer holds no content: which people and records, on which basis, under which
consent, override or break glass, and under which policy revision. Replaying is itself
audited, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from neo4j import Driver, ManagedTransaction

from graph import network, replay
from graph.network import MAX_NETWORK_DEPTH
from policies import Action, Policy, ResourceKind
from services import audit_events
from services.network import Explanation, discloses_anything, explained, resource_facts
from services.principal import Principal
from services.refusals import ChildNotFound, InvalidInput, NoPolicyOnRecord, NotPermitted, ProfessionalNotFound


@dataclass(frozen=True, slots=True)
class ProfessionalAsOf:
    """Who the professional was at the instant: the identity the decision was made for."""

    id: str
    name: str
    agency_id: str
    team_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordAsOf:
    id: str
    person_id: str
    agency_id: str
    agency_name: str
    basis: str
    consent_id: str | None
    override_id: str | None


@dataclass(frozen=True, slots=True)
class KnownToAsOf:
    person_id: str
    agency_id: str
    agency_name: str


@dataclass(frozen=True, slots=True)
class NetworkAsOf:
    as_of: datetime
    professional: ProfessionalAsOf
    policy_revision: str
    child_id: str
    # None: the professional could learn nothing of the child then, not even that it existed.
    basis: str | None
    consent_id: str | None
    override_id: str | None
    break_glass_id: str | None
    # The people they could see (ids), empty unless the basis disclosed the network.
    person_ids: tuple[str, ...]
    records: tuple[RecordAsOf, ...]
    known_to: tuple[KnownToAsOf, ...]


@dataclass(frozen=True, slots=True)
class ExplanationAsOf:
    as_of: datetime
    professional: ProfessionalAsOf
    policy_revision: str
    explanation: Explanation


NetworkReplay = NetworkAsOf | NotPermitted | InvalidInput | ProfessionalNotFound | ChildNotFound | NoPolicyOnRecord
ExplainReplay = ExplanationAsOf | NotPermitted | InvalidInput | ProfessionalNotFound | NoPolicyOnRecord


def _not_permitted() -> NotPermitted:
    return NotPermitted("only an auditor may replay what someone could see")


def _not_in_the_past() -> InvalidInput:
    return InvalidInput(f"asOf must be an instant in the past, since {EARLIEST_YEAR}")


# Before this no hub held any record; the bound also keeps the instant clear of the calendar's
# edge, where a zone's offset cannot be taken off.
EARLIEST_YEAR = 1900


def _out_of_range(as_of: datetime) -> bool:
    return as_of.year < EARLIEST_YEAR or _in_future(as_of)


class ReplayService:
    def __init__(self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        # Historic revisions, by revision: each is parsed once per process.
        self._revisions: dict[str, Policy] = {}

    def may_replay(self, auditor: Principal) -> bool:
        return bool(self._policy.allowed_bases(auditor.roles, ResourceKind.ACCESS_REPLAY, Action.READ))

    def _policy_then(self, stored: replay.PolicyThen) -> Policy:
        found = self._revisions.get(stored.revision)
        if found is None:
            found = Policy()
            found.adopt(stored.model_text, stored.policy_text)
            self._revisions[stored.revision] = found
        return found

    def _then(
        self, tx: ManagedTransaction, professional_id: str, as_of: datetime
    ) -> tuple[Principal, Policy, str] | ProfessionalNotFound | NoPolicyOnRecord:
        """Who the professional was at the instant, and the policy (with its revision) in force then."""
        then = _who_then(tx, professional_id, as_of)
        if isinstance(then, ProfessionalNotFound):
            return then
        stored = replay.policy_as_of(tx, as_of=as_of)
        if stored is None:
            return NoPolicyOnRecord()
        return then, self._policy_then(stored), stored.revision

    def _record_replay(
        self, tx: ManagedTransaction, auditor: Principal, *, professional_id: str, resource_id: str,
        as_of: datetime, request_id: str,
    ) -> None:
        audit_events.record(
            self._audit, tx, auditor, action="access.replayed",
            targets=[professional_id, resource_id, _instant(as_of)], request_id=request_id,
        )

    def network_as_of(
        self, auditor: Principal, *, professional_id: str, child_id: str, as_of: datetime, depth: int = 2,
        request_id: str,
    ) -> NetworkReplay:
        if not self.may_replay(auditor):
            return _not_permitted()
        if not 1 <= depth <= MAX_NETWORK_DEPTH:
            return InvalidInput(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
        if _out_of_range(as_of):
            return _not_in_the_past()

        def work(tx: ManagedTransaction) -> NetworkReplay:
            judged = self._then(tx, professional_id, as_of)
            if not isinstance(judged, tuple):
                return judged
            then, policy, revision = judged
            viewer = network.Viewer(
                professional_id=then.professional_id, agency_id=then.agency_id, agency_kind=then.agency_kind,
                read_bases=policy.compile_read_filter(then.roles),
            )
            found = network.get_family_network(tx, child_id=child_id, depth=depth, viewer=viewer, as_of=as_of)
            if found is None:
                return ChildNotFound()
            self._record_replay(
                tx, auditor, professional_id=professional_id, resource_id=child_id, as_of=as_of,
                request_id=request_id,
            )
            return _network_as_of(found, as_of=as_of, then=then, revision=revision)

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def explain_as_of(
        self, auditor: Principal, *, professional_id: str, resource_id: str, child_id: str | None,
        as_of: datetime, request_id: str,
    ) -> ExplainReplay:
        if not self.may_replay(auditor):
            return _not_permitted()
        if _out_of_range(as_of):
            return _not_in_the_past()

        def work(tx: ManagedTransaction) -> ExplainReplay:
            judged = self._then(tx, professional_id, as_of)
            if not isinstance(judged, tuple):
                return judged
            then, policy, revision = judged
            candidates = resource_facts(tx, then, resource_id, child_id, as_of=as_of)
            explanation = explained(policy, then, resource_id, candidates)
            self._record_replay(
                tx, auditor, professional_id=professional_id, resource_id=resource_id, as_of=as_of,
                request_id=request_id,
            )
            return ExplanationAsOf(
                as_of=as_of, professional=_identity(then), policy_revision=revision, explanation=explanation
            )

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)


def _instant(as_of: datetime) -> str:
    """The instant replayed, as the audit event names it beside the ids: `as_of:` and UTC."""
    return "as_of:" + _aware(as_of).astimezone(UTC).isoformat()


def _aware(as_of: datetime) -> datetime:
    return as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)


def _in_future(as_of: datetime) -> bool:
    return _aware(as_of) > datetime.now(UTC)


def _who_then(tx: ManagedTransaction, professional_id: str, as_of: datetime) -> Principal | ProfessionalNotFound:
    """The professional as a principal of that instant; not found if they were in no team then."""
    found = replay.professional_as_of(tx, professional_id=professional_id, as_of=as_of)
    if found is None:
        return ProfessionalNotFound()
    return Principal(
        professional_id=found.id, name=found.name, agency_id=found.agency_id, agency_kind=found.agency_kind,
        team_id=found.team_id, team_service=found.team_service, roles=found.roles, discipline=found.discipline,
    )


def _identity(then: Principal) -> ProfessionalAsOf:
    return ProfessionalAsOf(
        id=then.professional_id, name=then.name, agency_id=then.agency_id, team_id=then.team_id, roles=then.roles
    )


def _network_as_of(found: network.FamilyNetwork, *, as_of: datetime, then: Principal, revision: str) -> NetworkAsOf:
    """The network read stripped to what the auditor needs: ids and bases, never content."""
    disclosed = discloses_anything(found)
    return NetworkAsOf(
        as_of=as_of, professional=_identity(then), policy_revision=revision, child_id=found.child_id,
        basis=found.basis if disclosed else None,
        consent_id=found.consent_id, override_id=found.override_id, break_glass_id=found.break_glass_id,
        person_ids=tuple(p.id for p in found.people) if found.basis is not None else (),
        records=tuple(
            RecordAsOf(
                id=r.id, person_id=r.person_id, agency_id=r.agency_id, agency_name=r.agency_name, basis=r.basis,
                consent_id=r.consent_id, override_id=r.override_id,
            )
            for r in found.records
        ),
        known_to=tuple(KnownToAsOf(k.person_id, k.agency_id, k.agency_name) for k in found.known_to),
    )
