"""Consent and manager-approved consent override: authorise, one transaction, audit.

Expected refusals are returned as the classes of `services.refusals`, each method naming
exactly which; only the unexpected raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from neo4j import Driver, ManagedTransaction

from graph import consent as repo
from graph.consent import (
    ConsentRecord,
    ConsentScope,
    OverrideGround,
    OverrideRecord,
    OverrideStatus,
)
from policies import Action, Policy, ResourceKind
from protection.errors import ContentErased
from protection.keyring import Keyring
from services import access, audit_events, text
from services.paging import Cursor, Page, aware_time
from services.principal import Principal
from services.refusals import (
    AlreadyDecided,
    AlreadyWithdrawn,
    ChildNotFound,
    ConsentNotFound,
    GiverNotEntitled,
    InvalidInput,
    NotAManager,
    NotPermitted,
    NotRevocable,
    OutsideOfficeHours,
    OverrideNotFound,
    SelfApprovalForbidden,
)

_T = TypeVar("_T")
_LONDON = ZoneInfo("Europe/London")
_OFFICE_OPENS = time(9, 0)
_OFFICE_CLOSES = time(17, 0)
_YOUNG_PERSON_CAN_CONSENT_AT = 16
# Long enough to say what the risk is; the same bound as a break-glass explanation.
MIN_JUSTIFICATION = 20
# How long an approved override lasts unless the settings say otherwise (HUB_OVERRIDE_VALID_HOURS).
DEFAULT_OVERRIDE_VALID_HOURS = 72
_DECIDES_IN_OFFICE = Action.APPROVE_OVERRIDE
_DECIDES_OUT_OF_HOURS = Action.DECIDE_OUT_OF_HOURS


@dataclass(frozen=True, slots=True)
class OverrideRead:
    record: OverrideRecord
    justification: str | None
    # Why the justification is not shown, when it is not.
    justification_unavailable: str | None


# Why an override may not be decided by this caller at this time.
DecidingRefusal: TypeAlias = NotAManager | OutsideOfficeHours
# Why a decision was refused once it reached the override itself.
DecisionRefusal: TypeAlias = OverrideNotFound | SelfApprovalForbidden | AlreadyDecided

RecordConsentResult: TypeAlias = ConsentRecord | ChildNotFound | GiverNotEntitled | InvalidInput | NotPermitted
WithdrawConsentResult: TypeAlias = ConsentRecord | ConsentNotFound | AlreadyWithdrawn | NotPermitted
ConsentsResult: TypeAlias = Page[ConsentRecord] | InvalidInput | NotPermitted
RequestOverrideResult: TypeAlias = OverrideRecord | ChildNotFound | InvalidInput | NotPermitted
ReadOverrideResult: TypeAlias = OverrideRead | OverrideNotFound | NotPermitted
DecideOverrideResult: TypeAlias = OverrideRecord | DecisionRefusal | DecidingRefusal | InvalidInput
RevokeOverrideResult: TypeAlias = OverrideRecord | OverrideNotFound | NotRevocable | NotPermitted


MAX_PAGE = 100
_CONSENTS_CURSOR = Cursor(
    "consents", write=lambda key: (key[0].isoformat(), key[1]), read=lambda parts: (aware_time(parts[0]), parts[1]),
    parts=2,
)


def is_office_hours(moment: datetime) -> bool:
    local = moment.astimezone(_LONDON)
    return local.weekday() < 5 and _OFFICE_OPENS <= local.time() < _OFFICE_CLOSES


class ConsentService:
    def __init__(
        self,
        driver: Driver,
        *,
        database: str,
        policy: Policy,
        audit_sink: audit_events.AuditSink,
        override_valid_hours: int = DEFAULT_OVERRIDE_VALID_HOURS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        keyring: Keyring | None = None,
    ) -> None:
        self._keyring = keyring
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._override_valid_hours = override_valid_hours
        self._clock = clock

    def _may(self, principal: Principal, resource: ResourceKind, action: Action) -> bool:
        return bool(self._policy.allowed_bases(principal.roles, resource, action))

    # Consent

    def record_consent(
        self, principal: Principal, *, child_id: str, giver_id: str, scope: ConsentScope,
        agencies: list[str], purpose: str, method: str, expires_at: datetime | None,
        request_id: str, given_at: datetime | None = None,
    ) -> RecordConsentResult:
        """`given_at` is when consent was given, if before it is recorded; by default, now."""
        if not self._may(principal, ResourceKind.CONSENT, Action.RECORD_CONSENT):
            return NotPermitted("your role may not record consent")
        if given_at is not None and given_at > self._clock():
            return InvalidInput("consent cannot have been given later than now")
        if scope is ConsentScope.TARGETED and not agencies:
            return InvalidInput("a targeted consent must name at least one agency")
        if expires_at is not None and expires_at <= self._clock():
            return InvalidInput("the consent's expiry must be in the future")
        if not purpose.strip() or not method.strip():
            return InvalidInput("purpose and how consent was given are required")
        if problem := text.first_problem(
            text.text_problem("the purpose", purpose), text.text_problem("how consent was given", method)
        ):
            return InvalidInput(problem)

        def work(tx: ManagedTransaction) -> RecordConsentResult:
            if not self._acts_for(tx, principal, child_id, ResourceKind.CONSENT, Action.RECORD_CONSENT):
                return ChildNotFound()
            standing = repo.giver_standing(tx, child_id=child_id, giver_id=giver_id)
            refusal = _giver_refusal(standing)
            if refusal is not None:
                return refusal
            consent_id = f"consent-{uuid.uuid4().hex}"
            repo.create_consent(
                tx, consent_id=consent_id, child_id=child_id, giver_id=giver_id, scope=scope,
                agencies=sorted(set(agencies)) if scope is ConsentScope.TARGETED else [],
                purpose=purpose, method=method, expires_at=expires_at,
                recorded_by=principal.professional_id, given_at=given_at,
            )
            audit_events.record(
                self._audit, tx, principal, action="consent.recorded",
                targets=[consent_id, child_id], request_id=request_id,
            )
            recorded = repo.get_consent(tx, consent_id=consent_id)
            assert recorded is not None
            return recorded

        return self._write(work)

    def withdraw_consent(
        self, principal: Principal, *, consent_id: str, request_id: str
    ) -> WithdrawConsentResult:
        if not self._may(principal, ResourceKind.CONSENT, Action.WITHDRAW_CONSENT):
            return NotPermitted("your role may not withdraw consent")

        def work(tx: ManagedTransaction) -> WithdrawConsentResult:
            current = repo.get_consent(tx, consent_id=consent_id)
            if current is None:
                return ConsentNotFound()
            if not repo.withdraw_consent(tx, consent_id=consent_id, withdrawn_by=principal.professional_id):
                return AlreadyWithdrawn()
            audit_events.record(
                self._audit, tx, principal, action="consent.withdrawn",
                targets=[consent_id, current.child_id], request_id=request_id,
            )
            withdrawn = repo.get_consent(tx, consent_id=consent_id)
            assert withdrawn is not None
            return withdrawn

        return self._write(work)

    def consents(self, principal: Principal, *, child_id: str, first: int, after: str | None) -> ConsentsResult:
        """A child's consents, newest first, for a caller with a basis for *this* child; an unknown
        child and one the caller has no basis for both read as no consents."""
        if not self._may(principal, ResourceKind.CONSENT, Action.READ):
            return NotPermitted("your role may not read consent records")
        position = _CONSENTS_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position

        def work(tx: ManagedTransaction) -> Page[ConsentRecord]:
            decision = access.decide_for_child(
                tx, self._policy, principal, child_id=child_id, resource=ResourceKind.CONSENT,
                action=Action.READ,
            )
            if not decision.discloses_content:
                return Page.empty()
            found = repo.consents_for_child(tx, child_id=child_id, after=position, limit=first + 1)
            return _CONSENTS_CURSOR.page(found, first, lambda record: (record.given_at, record.id))

        with self._driver.session(database=self._database) as session:
            return session.execute_read(work)

    # Override

    def request_override(
        self, principal: Principal, *, child_id: str, ground: OverrideGround, justification: str,
        scope: ConsentScope, agencies: list[str], request_id: str,
    ) -> RequestOverrideResult:
        if not self._may(principal, ResourceKind.OVERRIDE, Action.REQUEST_OVERRIDE):
            return NotPermitted("only MASH and EDT practitioners may request an override")
        if len(justification.strip()) < MIN_JUSTIFICATION:
            return InvalidInput(f"the justification must explain the risk ({MIN_JUSTIFICATION} characters at least)")
        if problem := text.text_problem("the justification", justification, limit=text.MAX_LONG_TEXT):
            return InvalidInput(problem)
        if scope is ConsentScope.TARGETED and not agencies:
            return InvalidInput("a targeted override must name at least one agency")

        keyring = self._keyring
        if keyring is None:
            # A justification is never stored in plain text; without keys there is no override.
            raise RuntimeError("recording an override needs the field-encryption keyring")

        def work(tx: ManagedTransaction) -> RequestOverrideResult:
            # Checked first so that no data key is ever made for an id that is not a child. A
            # restricted child the caller is not named on reads exactly like an unknown one.
            if not self._acts_for(tx, principal, child_id, ResourceKind.OVERRIDE, Action.REQUEST_OVERRIDE):
                return ChildNotFound()
            override_id = f"override-{uuid.uuid4().hex}"
            try:
                sealed = keyring.encrypt(
                    tx, scope_id=child_id, node_id=override_id, field="justification", plaintext=justification
                )
            except ContentErased:
                return InvalidInput("this child's content was erased: nothing can be recorded")
            repo.create_override(
                tx, override_id=override_id, child_id=child_id, ground=ground,
                justification_ciphertext=sealed, scope=scope,
                agencies=sorted(set(agencies)) if scope is ConsentScope.TARGETED else [],
                requested_by=principal.professional_id,
            )
            created = repo.get_override(tx, override_id=override_id)
            if created is None:
                return ChildNotFound()
            audit_events.record(
                self._audit, tx, principal, action="override.requested",
                targets=[override_id, child_id], request_id=request_id, override_id=override_id,
            )
            return created

        return self._write(work)

    def override(self, principal: Principal, *, override_id: str, request_id: str) -> ReadOverrideResult:
        """An override request as its requester or a deciding manager reads it: with the
        justification, so the decision is made on the reasons given. Others with read access
        see it without; every read of a justification is audited."""
        if not self._may(principal, ResourceKind.OVERRIDE, Action.READ):
            return NotPermitted("your role may not read override requests")
        decides = self._may_decide_at_some_time(principal)

        def work(tx: ManagedTransaction) -> ReadOverrideResult:
            current = repo.get_override(tx, override_id=override_id)
            if current is None:
                return OverrideNotFound()
            if not (decides or current.requested_by == principal.professional_id):
                return OverrideRead(current, None, "only the requester and the deciding managers read the reasons")
            if self._keyring is None:
                return OverrideRead(current, None, "content keys are not available here")
            opened = self._keyring.open(
                tx, scope_id=current.child_id, node_id=current.id, field="justification",
                ciphertext=current.justification_ciphertext,
            )
            audit_events.record(
                self._audit, tx, principal, action="override.justification_read",
                targets=[current.id, current.child_id], request_id=request_id, override_id=current.id,
            )
            return OverrideRead(current, opened.text, opened.unavailable)

        return self._write(work)

    def decide_override(
        self, principal: Principal, *, override_id: str, approve: bool, note: str, request_id: str,
    ) -> DecideOverrideResult:
        if problem := text.text_problem("the note", note):
            return InvalidInput(problem)
        refused = self._deciding_refusal(principal)
        decided = refused if refused is not None else self._decide(
            principal, override_id=override_id, approve=approve, note=note, request_id=request_id,
        )
        # A refused attempt on an override that exists is on its record; an unknown id has none.
        if not isinstance(decided, OverrideRecord | OverrideNotFound):
            self._record_refused_decision(principal, override_id=override_id, refused=decided, request_id=request_id)
        return decided

    def _decide(
        self, principal: Principal, *, override_id: str, approve: bool, note: str, request_id: str,
    ) -> OverrideRecord | DecisionRefusal:
        def work(tx: ManagedTransaction) -> OverrideRecord | DecisionRefusal:
            if not repo.lock_override(tx, override_id=override_id):
                return OverrideNotFound()
            current = repo.get_override(tx, override_id=override_id)
            assert current is not None
            if current.requested_by == principal.professional_id:
                return SelfApprovalForbidden()
            if current.status != OverrideStatus.REQUESTED:
                return AlreadyDecided(f"this override was already decided ({current.status})")
            status = OverrideStatus.APPROVED if approve else OverrideStatus.REJECTED
            repo.decide_override(
                tx, override_id=override_id, status=status, decided_by=principal.professional_id,
                note=note, valid_hours=self._override_valid_hours,
            )
            audit_events.record(
                self._audit, tx, principal,
                action="override.approved" if approve else "override.rejected",
                targets=[override_id, current.child_id], request_id=request_id,
                override_id=override_id,
            )
            decided = repo.get_override(tx, override_id=override_id)
            assert decided is not None
            return decided

        return self._write(work)

    def revoke_override(
        self, principal: Principal, *, override_id: str, request_id: str
    ) -> RevokeOverrideResult:
        if not self._may(principal, ResourceKind.OVERRIDE, Action.REVOKE_OVERRIDE):
            return NotPermitted("your role may not revoke an override")

        def work(tx: ManagedTransaction) -> RevokeOverrideResult:
            if not repo.lock_override(tx, override_id=override_id):
                return OverrideNotFound()
            current = repo.get_override(tx, override_id=override_id)
            assert current is not None
            if not repo.revoke_override(tx, override_id=override_id, revoked_by=principal.professional_id):
                return NotRevocable(f"only an approved, unexpired override can be revoked ({current.status})")
            audit_events.record(
                self._audit, tx, principal, action="override.revoked",
                targets=[override_id, current.child_id], request_id=request_id,
                override_id=override_id,
            )
            revoked = repo.get_override(tx, override_id=override_id)
            assert revoked is not None
            return revoked

        return self._write(work)

    def _acts_for(
        self, tx: ManagedTransaction, principal: Principal, child_id: str, resource: ResourceKind,
        action: Action,
    ) -> bool:
        """Whether the caller's basis for the action holds for this child (it exists, and is not
        restricted to other professionals)."""
        decision = access.decide_for_child(
            tx, self._policy, principal, child_id=child_id, resource=resource, action=action
        )
        return decision.discloses_content

    def _deciding_refusal(self, principal: Principal) -> DecidingRefusal | None:
        """Who may decide now is the policy's answer: approve_override in office hours,
        decide_out_of_hours outside them."""
        in_office = is_office_hours(self._clock())
        if self._may(principal, ResourceKind.OVERRIDE, _DECIDES_IN_OFFICE if in_office else _DECIDES_OUT_OF_HOURS):
            return None
        if not self._may_decide_at_some_time(principal):
            return NotAManager("only a front door manager, or the head of service on call, may decide")
        if in_office:
            return NotAManager("in office hours a CRS manager decides overrides")
        return OutsideOfficeHours()

    def _may_decide_at_some_time(self, principal: Principal) -> bool:
        return self._may(principal, ResourceKind.OVERRIDE, _DECIDES_IN_OFFICE) or self._may(
            principal, ResourceKind.OVERRIDE, _DECIDES_OUT_OF_HOURS
        )

    def _record_refused_decision(
        self, principal: Principal, *, override_id: str,
        refused: SelfApprovalForbidden | AlreadyDecided | DecidingRefusal, request_id: str,
    ) -> None:
        """A refused attempt to decide is itself on the record for the override's review. It is
        written in a transaction of its own: the attempted decision wrote nothing, or never ran."""

        def work(tx: ManagedTransaction) -> None:
            attempted = repo.get_override(tx, override_id=override_id)
            if attempted is None:
                return
            audit_events.record(
                self._audit, tx, principal, action=repo.refused_decision_action(type(refused).__name__),
                targets=[attempted.id, attempted.child_id], request_id=request_id, override_id=attempted.id,
            )

        self._write(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)


def _giver_refusal(standing: repo.GiverStanding) -> ChildNotFound | GiverNotEntitled | None:
    if not standing.child_exists:
        return ChildNotFound()
    if not standing.giver_exists:
        return GiverNotEntitled("the person giving consent is not known to the hub")
    if standing.is_the_child:
        if standing.child_age is not None and standing.child_age >= _YOUNG_PERSON_CAN_CONSENT_AT:
            return None
        return GiverNotEntitled(f"a young person may give consent themselves from {_YOUNG_PERSON_CAN_CONSENT_AT}")
    if not standing.giver_is_adult:
        return GiverNotEntitled("consent must come from an adult with parental responsibility")
    if not standing.has_parental_responsibility:
        return GiverNotEntitled("this adult does not have parental responsibility for the child")
    return None
