"""Family network reads: the caller's policy compiled into the one query, reads audited.

A read that shows content on a CONSENT or OVERRIDE basis is recorded in the audit chain
in the same transaction as the read; if that record cannot be written, nothing is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from neo4j import Driver, ManagedTransaction

from graph import access, network
from graph import data_key_store as key_store
from policies import PREFERENCE, Action, Basis, Decision, Policy, ResourceKind
from protection.keyring import Keyring
from services import access as access_decisions
from services import audit_events
from services.erasure import RETENTION_ERASED
from services.principal import Caller, Principal

_AUDITED_BASES = frozenset({Basis.CONSENT.value, Basis.OVERRIDE.value, Basis.BREAK_GLASS.value})


@dataclass(frozen=True, slots=True)
class Explanation:
    resource_id: str
    allowed: bool
    basis: str | None
    reason: str
    policy_line: str | None
    consent_id: str | None
    override_id: str | None


class NetworkService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink,
        keyring: Keyring | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        # Without a keyring summaries are withheld, never passed on as ciphertext.
        self._keyring = keyring

    def viewer(self, principal: Principal) -> network.Viewer:
        return network.Viewer(
            professional_id=principal.professional_id,
            agency_id=principal.agency_id,
            agency_kind=principal.agency_kind,
            read_bases=self._policy.compile_read_filter(principal.roles),
        )

    def child(
        self, principal: Principal, child_id: str, *, request_id: str
    ) -> tuple[network.PersonView, str] | None:
        """The child and the basis it is seen on; None when unknown or without any basis."""
        found = self.family_network(
            principal, child_id, depth=1, request_id=request_id, audit_records=False
        )
        if found is None or found.basis is None:
            return None
        person = next((p for p in found.people if p.id == child_id), None)
        return (person, found.basis) if person is not None else None

    def family_network(
        self, principal: Principal, child_id: str, *, depth: int, request_id: str,
        audit_records: bool = True,
    ) -> network.FamilyNetwork | None:
        found = self._family_network(
            principal, child_id, depth=depth, request_id=request_id, audit_records=audit_records, expected=None,
        )
        assert not isinstance(found, network.CallerChanged), "only a read that expects a caller can find them changed"
        return found

    def family_network_for(
        self, caller: Caller, child_id: str, *, depth: int, request_id: str
    ) -> network.FamilyNetwork | None:
        """As family_network, for a request's caller not yet read: a caller seen before is confirmed
        by the network query itself, so the read is one round trip rather than two."""
        # The revision is taken before the bases are compiled, so a policy adopted in between
        # is at worst a revision the query finds stale, never bases it takes for another's.
        assumed = caller.assumed(policy_revision=self._policy.revision)
        if assumed is not None:
            principal, expected = assumed
            found = self._family_network(
                principal, child_id, depth=depth, request_id=request_id, audit_records=True, expected=expected,
            )
            if not isinstance(found, network.CallerChanged):
                caller.confirm(principal)
                return found
        return self.family_network(caller.principal(), child_id, depth=depth, request_id=request_id)

    def _family_network(
        self, principal: Principal, child_id: str, *, depth: int, request_id: str, audit_records: bool,
        expected: network.ExpectedCaller | None,
    ) -> network.FamilyNetwork | network.CallerChanged | None:
        viewer = self.viewer(principal)

        def work(tx: ManagedTransaction) -> network.FamilyNetwork | network.CallerChanged | None:
            found = (
                network.get_family_network(tx, child_id=child_id, depth=depth, viewer=viewer) if expected is None
                else network.get_family_network_for_expected_caller(
                    tx, child_id=child_id, depth=depth, viewer=viewer, caller=expected,
                )
            )
            if isinstance(found, network.CallerChanged):
                return found
            if found is None or not discloses_anything(found):
                # A child the caller may learn nothing about reads exactly like an unknown id.
                return None
            self._audit_reads(tx, principal, found, request_id, include_records=audit_records)
            return replace(found, records=tuple(self._open_summary(found, r) for r in found.records))

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _audit_reads(
        self, tx: ManagedTransaction, principal: Principal, found: network.FamilyNetwork,
        request_id: str, *, include_records: bool,
    ) -> None:
        revealed: dict[str, list[str]] = {}
        if found.basis in _AUDITED_BASES:
            revealed[found.basis] = []
        for record in found.records if include_records else ():
            if record.basis in _AUDITED_BASES:
                revealed.setdefault(record.basis, []).append(record.id)
        for basis, record_ids in sorted(revealed.items()):
            # A read under break glass names the break glass, so its review lists every read.
            under = [found.break_glass_id] if basis == Basis.BREAK_GLASS.value and found.break_glass_id else []
            audit_events.record(
                self._audit, tx, principal, action="network.read",
                targets=[found.child_id, *under, *record_ids], request_id=request_id, basis=basis,
                override_id=found.override_id if basis == Basis.OVERRIDE.value else None,
            )

    def _open_summary(self, found: network.FamilyNetwork, record: network.RecordView) -> network.RecordView:
        if record.erased:
            # Said from the record's mark: its missing summary would read as never recorded.
            return replace(record, summary=None, summary_unavailable=RETENTION_ERASED)
        if self._keyring is None:
            return replace(record, summary=None, summary_unavailable="content keys are not available here")
        # A record's data key is that of the person it is about (see Keyring.seal_summaries).
        # The network query returned the people's wrapped keys, so no further round trip is made.
        stored = found.data_keys.get(record.person_id)
        opened = self._keyring.open_with(
            key_store.stored_from_row(stored) if stored is not None else None,
            node_id=record.id, field="summary", ciphertext=record.summary,
        )
        return replace(record, summary=opened.text, summary_unavailable=opened.unavailable)

    def explain(self, principal: Principal, resource_id: str, *, child_id: str | None) -> Explanation:
        """The best decision over every child whose network the resource sits in."""
        with self._driver.session(database=self._database) as session:
            candidates = session.execute_read(resource_facts, principal, resource_id, child_id)
        return explained(self._policy, principal, resource_id, candidates)


def explained(
    policy: Policy, principal: Principal, resource_id: str, candidates: list[access.AccessFacts]
) -> Explanation:
    """The best of the decisions the policy makes on each set of facts, with its reason."""
    decided = [
        (
            policy.decide(
                principal.roles, ResourceKind(facts.resource_kind), Action.READ, access_decisions.facts_of(facts)
            ),
            facts,
        )
        for facts in candidates
    ]
    best = min(decided, key=lambda pair: _rank(pair[0]), default=None)
    if best is None or best[0].basis is None:
        # Unknown, out-of-network and hidden resources read the same, so nothing is learned.
        return Explanation(resource_id, False, None, _NOTHING_TO_SEE, None, None, None)
    decision, facts = best
    assert decision.basis is not None
    if decision.basis is Basis.EXISTENCE:
        reason = "existence only: you may know that the agency knows this person, not what"
    else:
        reason = f"allowed on the {decision.basis.value} basis"
    return Explanation(
        resource_id=resource_id,
        allowed=decision.discloses_content,
        basis=decision.basis.value,
        reason=reason,
        policy_line=decision.policy_line,
        consent_id=facts.consent_id if decision.basis is Basis.CONSENT else None,
        override_id=facts.override_id if decision.basis is Basis.OVERRIDE else None,
    )


def resource_facts(
    tx: ManagedTransaction, principal: Principal, resource_id: str, child_id: str | None,
    as_of: datetime | None = None,
) -> list[access.AccessFacts]:
    """The facts for a child, or for a record in each child's network it sits in: now, or at `as_of`."""
    child_facts = access.child_facts(
        tx, child_id=resource_id, professional_id=principal.professional_id,
        agency_id=principal.agency_id, agency_kind=principal.agency_kind, as_of=as_of,
    )
    if child_facts is not None:
        return [child_facts]
    contexts = [child_id] if child_id else access.record_context_children(tx, record_id=resource_id)
    found = (
        access.record_facts(
            tx, record_id=resource_id, child_id=context,
            professional_id=principal.professional_id, agency_id=principal.agency_id,
            agency_kind=principal.agency_kind, as_of=as_of,
        )
        for context in contexts
    )
    return [facts for facts in found if facts is not None and facts.in_network]


_NOTHING_TO_SEE = "no basis: nothing here you may see"


def discloses_anything(found: network.FamilyNetwork) -> bool:
    """Content on some basis, or (where the policy allows existence-only) which agencies know
    the child; otherwise the caller learns nothing, not even that the child exists."""
    return found.basis is not None or bool(found.known_to)


def _rank(decision: Decision) -> int:
    """Content before existence before nothing; among content bases, the policy's preference."""
    if decision.basis is None:
        return len(PREFERENCE) + 1
    if decision.basis is Basis.EXISTENCE:
        return len(PREFERENCE)
    return PREFERENCE.index(decision.basis)
